"""The positive-screen table in MISSION.md, row by row."""
import pytest

from screening.instrument import default_instrument
from screening.scoring import positive_needs, score_all, score_domain

INSTRUMENT = default_instrument()


def result(domain_id, **answers):
    normalized = {k: tuple(v) if isinstance(v, (list, tuple)) else ((v,) if v else ()) for k, v in answers.items()}
    return score_domain(INSTRUMENT, INSTRUMENT.domain(domain_id), normalized)


@pytest.mark.parametrize("option, positive", [("steady", False), ("worried", True), ("not_steady", True)])
def test_living_situation_options_2_and_3_are_positive(option, positive):
    assert result("housing_instability", ahc_1=option).positive is positive


@pytest.mark.parametrize(
    "options, positive",
    [
        (["none"], False),
        (["pests"], True), (["mold"], True), (["lead"], True), (["heat"], True),
        (["stove"], True), (["smoke_detectors"], True), (["water_leaks"], True),
        (["mold", "water_leaks"], True),
    ],
)
def test_housing_quality_anything_but_none_is_positive(options, positive):
    assert result("housing_quality", ahc_2=options).positive is positive


@pytest.mark.parametrize(
    "q3, q4, positive",
    [
        ("never_true", "never_true", False),
        ("often_true", "never_true", True),
        ("never_true", "sometimes_true", True),
        ("sometimes_true", "often_true", True),
        ("never_true", None, None),        # item 4 skipped: cannot say
        (None, "often_true", True),        # skipped item, but already positive
    ],
)
def test_food_often_or_sometimes_true_is_positive(q3, q4, positive):
    assert result("food", ahc_3=q3, ahc_4=q4).positive is positive


@pytest.mark.parametrize("option, positive", [("yes", True), ("no", False)])
def test_transportation_yes_is_positive(option, positive):
    assert result("transportation", ahc_5=option).positive is positive


@pytest.mark.parametrize("option, positive", [("yes", True), ("no", False), ("already_shut_off", True)])
def test_utilities_yes_or_already_shut_off_is_positive(option, positive):
    assert result("utilities", ahc_6=option).positive is positive


@pytest.mark.parametrize(
    "answers, positive, score, complete",
    [
        (("never", "never", "never", "never"), False, 4, True),
        (("rarely", "rarely", "rarely", "rarely"), False, 8, True),
        (("sometimes", "sometimes", "rarely", "rarely"), False, 10, True),   # 3+3+2+2 = 10
        (("sometimes", "sometimes", "sometimes", "rarely"), True, 11, True),  # 3+3+3+2 = 11
        (("frequently", "never", "never", "never"), False, 8, True),
        (("frequently", "frequently", None, None), None, 10, False),  # partial 10: unknown
        (("frequently", "frequently", "rarely", None), True, 12, False),     # partial sum already >= 11
        ((None, None, None, None), None, None, False),
    ],
)
def test_safety_sum_of_items_7_to_10(answers, positive, score, complete):
    r = result("safety", **dict(zip(("ahc_7", "ahc_8", "ahc_9", "ahc_10"), answers)))
    assert (r.positive, r.score, r.complete) == (positive, score, complete)


def test_safety_scores_never_1_to_frequently_5():
    options = INSTRUMENT.item("ahc_7").options
    assert [(o.id, o.score) for o in options] == [
        ("never", 1), ("rarely", 2), ("sometimes", 3), ("fairly_often", 4), ("frequently", 5)]


@pytest.mark.parametrize(
    "option, positive",
    [("help_finding", True), ("help_keeping", True), ("no_help", False)],
)
def test_employment_either_yes_is_positive(option, positive):
    assert result("employment", ahc_12=option).positive is positive


@pytest.mark.parametrize(
    "option, positive", [("very_hard", True), ("somewhat_hard", True), ("not_hard", False)])
def test_financial_strain_very_or_somewhat_hard_is_positive(option, positive):
    assert result("financial_strain", ahc_11=option).positive is positive


@pytest.mark.parametrize("item", ["ahc_19", "ahc_20", "ahc_21", "ahc_22"])
@pytest.mark.parametrize(
    "option, positive",
    [("never", False), ("once_or_twice", True), ("monthly", True), ("weekly", True), ("daily", True)],
)
def test_substance_use_anything_but_never_is_positive(item, option, positive):
    answers = {i: "never" for i in ("ahc_19", "ahc_20", "ahc_21", "ahc_22")}
    answers[item] = option
    assert result("substance_use", **answers).positive is positive


@pytest.mark.parametrize(
    "a, b, positive, score",
    [
        ("not_at_all", "not_at_all", False, 0),
        ("several_days", "several_days", False, 2),
        ("more_than_half", "several_days", True, 3),
        ("several_days", "more_than_half", True, 3),
        ("nearly_every_day", "not_at_all", True, 3),
        ("nearly_every_day", "nearly_every_day", True, 6),
        (None, "nearly_every_day", True, 3),     # 23a skipped, 23b alone reaches 3
        (None, "more_than_half", None, 2),       # incomplete and below 3: unknown
    ],
)
def test_phq2_sum_of_3_or_more_is_positive(a, b, positive, score):
    r = result("depression", ahc_23a=a, ahc_23b=b)
    assert (r.positive, r.score) == (positive, score)


@pytest.mark.parametrize(
    "option, positive",
    [("not_at_all", False), ("a_little", False), ("somewhat", False), ("quite_a_bit", True), ("very_much", True)],
)
def test_stress_quite_a_bit_or_very_much_is_positive(option, positive):
    assert result("stress", ahc_24=option).positive is positive


def test_stress_rule_is_recorded_as_ours_until_checked():
    assert "until checked against the CMS guide" in INSTRUMENT.domain("stress").note


@pytest.mark.parametrize(
    "options, positive",
    [(["none"], False), (["eviction"], True), (["immigration", "id_documents"], True)],
)
def test_legal_checklist_any_yes_is_a_need(options, positive):
    assert result("legal", legal_needs=options).positive is positive


@pytest.mark.parametrize("option, positive", [("not_at_all", False), ("several_days", True), ("nearly_every_day", True)])
def test_phq9_item_9_above_not_at_all_is_positive(option, positive):
    assert result("self_harm_thoughts", phq9_9=option).positive is positive
    assert INSTRUMENT.item("phq9_9").crisis_when_positive


def test_alcohol_item_uses_the_lower_threshold_wording_unless_the_person_is_a_man():
    item = INSTRUMENT.item("ahc_19")
    assert "4 or more drinks" in item.text["en"]
    assert "5 or more drinks" in item.text_for_man["en"]
    assert "4 o más" in item.text["es"]


def test_unanswered_domains_are_unknown_not_negative():
    results = score_all(INSTRUMENT, {})
    assert all(r.positive is None and not r.complete for r in results)
    assert positive_needs(results) == ()


def test_positive_needs_are_listed_once_in_instrument_order():
    results = score_all(INSTRUMENT, {"ahc_1": ("not_steady",), "ahc_2": ("mold",), "ahc_12": ("help_finding",)})
    assert positive_needs(results) == ("housing", "employment")


def test_core_items_carry_their_loinc_codes():
    codes = {i: INSTRUMENT.item(i).loinc for i in
             ("ahc_1", "ahc_2", "ahc_3", "ahc_4", "ahc_5", "ahc_6", "ahc_7", "ahc_8", "ahc_9", "ahc_10")}
    assert codes == {
        "ahc_1": "71802-3", "ahc_2": "96778-6", "ahc_3": "88122-7", "ahc_4": "88123-5",
        "ahc_5": "93030-5", "ahc_6": "96779-4", "ahc_7": "95618-5", "ahc_8": "95617-7",
        "ahc_9": "95616-9", "ahc_10": "95615-1"}
    assert INSTRUMENT.domain("safety").loinc == "95614-4"
    assert INSTRUMENT.panel_loinc == "96777-8"

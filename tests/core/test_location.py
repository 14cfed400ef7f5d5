"""Tests for screening.location: "Where are you? Massachusetts ZIP code or town"."""
from __future__ import annotations

import dataclasses

import pytest

from screening.location import LocationResult, Place, resolve_location, town_names

# Coordinates are checked against where the places really are, within this.
NEAR = 0.2

# Approximate real-world centres, independent of the package data.
BOSTON = (42.36, -71.06)
WORCESTER = (42.26, -71.80)
NEW_BEDFORD = (41.64, -70.93)
NORTHAMPTON = (42.32, -72.64)
SPRINGFIELD = (42.10, -72.59)
DORCHESTER = (42.30, -71.06)
SOMERVILLE = (42.39, -71.10)


def near(place: Place, where: tuple[float, float]) -> bool:
    return abs(place.latitude - where[0]) <= NEAR and abs(place.longitude - where[1]) <= NEAR


def found(text: str) -> Place:
    result = resolve_location(text)
    assert result.problem is None, (text, result)
    assert result.candidates == ()
    assert result.place is not None
    return result.place


# --- ZIP codes -------------------------------------------------------------------

@pytest.mark.parametrize("text, town, zip_code, county, where", [
    ("02118", "Boston", "02118", "Suffolk County", BOSTON),
    ("my zip is 01602", "Worcester", "01602", "Worcester County", WORCESTER),
    ("02118-1234", "Boston", "02118", "Suffolk County", BOSTON),
    ("02740", "New Bedford", "02740", "Bristol County", NEW_BEDFORD),
    ("01060", "Northampton", "01060", "Hampshire County", NORTHAMPTON),
    ("Boston MA 02118", "Boston", "02118", "Suffolk County", BOSTON),
    ("zip: 01602.", "Worcester", "01602", "Worcester County", WORCESTER),
    ("123 Main St, Worcester MA 01610", "Worcester", "01610", "Worcester County", WORCESTER),
    # The ZIP's own postal city, even for a Boston neighbourhood.
    ("02125", "Dorchester", "02125", "Suffolk County", DORCHESTER),
])
def test_massachusetts_zip(text, town, zip_code, county, where):
    place = found(text)
    assert (place.town, place.zip_code, place.county) == (town, zip_code, county)
    assert near(place, where)


def test_zip_uses_that_zips_own_coordinates():
    # 02118 is the South End, not the average of all Boston ZIPs.
    place = found("02118")
    assert place.latitude == pytest.approx(42.3362, abs=0.001)
    assert place.longitude == pytest.approx(-71.0729, abs=0.001)
    assert place.latitude != found("boston").latitude


def test_zip_wins_over_a_town_named_with_it():
    place = found("worcester 02118")
    assert (place.town, place.zip_code) == ("Boston", "02118")


def test_zip_with_lost_leading_zero():
    # Massachusetts ZIPs start with 0, which spreadsheets and people drop.
    place = found("2118")
    assert (place.town, place.zip_code) == ("Boston", "02118")


def test_decommissioned_massachusetts_zip_is_still_read():
    place = found("02031")
    assert (place.town, place.zip_code) == ("East Mansfield", "02031")


@pytest.mark.parametrize("text", ["10001", "my zip is 10001", "03101", "06102-1234"])
def test_zip_in_another_state(text):
    assert resolve_location(text) == LocationResult(place=None, problem="not_massachusetts")


@pytest.mark.parametrize("text", ["00000", "99999", "01234", "zip 00000"])
def test_zip_that_does_not_exist(text):
    assert resolve_location(text) == LocationResult(place=None, problem="unknown")


def test_nonexistent_zip_next_to_a_town_uses_the_town():
    place = found("worcester 00000")
    assert (place.town, place.zip_code) == ("Worcester", None)


def test_out_of_state_zip_next_to_a_massachusetts_town_asks():
    # One of the two is a typo; do not turn a Massachusetts resident away.
    result = resolve_location("worcester 10001")
    assert result == LocationResult(place=None, problem="ambiguous", candidates=("Worcester",))


def test_out_of_state_zip_with_its_own_city_is_out_of_state():
    # 03101 is Manchester, NH (there is also a Manchester, MA).
    assert resolve_location("manchester 03101").problem == "not_massachusetts"


def test_two_zips_in_different_towns_is_ambiguous():
    result = resolve_location("01602 or 02118")
    assert result.problem == "ambiguous"
    assert result.place is None
    assert result.candidates == ("Worcester", "Boston")


def test_same_zip_twice_is_fine():
    assert found("02118 ... 02118").zip_code == "02118"


# --- Town names ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "boston", "Boston", "BOSTON", "  boston  ", "Boston, MA", "boston ma",
    "Boston, Massachusetts", "Boston Mass.", "in boston", "I live in Boston",
    "i'm in boston right now", "Boston!!!", "boston, ma, usa",
])
def test_town_name_forms(text):
    place = found(text)
    assert place.town == "Boston"
    assert place.zip_code is None  # Boston has many ZIPs
    assert place.county == "Suffolk County"
    assert near(place, BOSTON)


@pytest.mark.parametrize("text, town, where", [
    ("in worcester", "Worcester", WORCESTER),
    ("Worcester, Mass", "Worcester", WORCESTER),
    ("Wórcester", "Worcester", WORCESTER),
    ("new bedford", "New Bedford", NEW_BEDFORD),
    ("  NEW   BEDFORD!! ", "New Bedford", NEW_BEDFORD),
    ("New Bedford MA", "New Bedford", NEW_BEDFORD),
    ("springfield", "Springfield", SPRINGFIELD),
    ("somerville", "Somerville", SOMERVILLE),
    ("i'm staying at the shelter in springfield right now", "Springfield", SPRINGFIELD),
    ("boston medical center", "Boston", BOSTON),
])
def test_town_names_in_context(text, town, where):
    place = found(text)
    assert place.town == town
    assert near(place, where)


def test_town_coordinates_are_the_mean_of_its_standard_zips():
    # New Bedford's residential (STANDARD) ZIPs: 02740, 02744, 02745, 02746.
    place = found("new bedford")
    assert place.latitude == pytest.approx((41.6347 + 41.6141 + 41.6966 + 41.6534) / 4, abs=0.01)
    assert place.zip_code is None
    assert place.county == "Bristol County"


def test_town_with_exactly_one_residential_zip_gets_it():
    # Northampton: 01060, plus a PO Box ZIP and one organisation's ZIP.
    place = found("Northampton")
    assert (place.town, place.zip_code) == ("Northampton", "01060")
    assert place.county == "Hampshire County"
    assert near(place, NORTHAMPTON)


@pytest.mark.parametrize("text, town", [
    ("new bedford", "New Bedford"),          # not Bedford
    ("west springfield", "West Springfield"),  # not Springfield
    ("east boston", "East Boston"),          # not Boston
    ("north adams", "North Adams"),
    ("N. Adams", "North Adams"),
    ("e boston", "East Boston"),
    ("Manchester-by-the-Sea", "Manchester By The Sea"),
])
def test_longest_name_wins(text, town):
    assert found(text).town == town


@pytest.mark.parametrize("text, town", [
    ("dorchester", "Dorchester"),
    ("Dorchester, Boston", "Dorchester"),
    ("boston dorchester", "Dorchester"),
    ("roxbury boston", "Roxbury"),
    ("jamaica plain", "Jamaica Plain"),
    ("jp", "Jamaica Plain"),
    ("J.P.", "Jamaica Plain"),
    ("southie", "South Boston"),
    ("south end", "Boston"),
    ("hyannis", "Hyannis"),
])
def test_neighbourhoods_keep_their_postal_names(text, town):
    place = found(text)
    assert place.town == town


def test_dorchester_is_where_dorchester_is():
    place = found("dorchester")
    assert place.county == "Suffolk County"
    assert near(place, DORCHESTER)


@pytest.mark.parametrize("text, town", [
    ("bourne", "Bourne"),              # only an "acceptable city" of Buzzards Bay
    ("aquinnah", "Aquinnah"),
    ("tisbury", "Tisbury"),            # only an "unacceptable city" in the data
    ("yarmouth", "Yarmouth"),          # in neither list
    ("Foxborough", "Foxboro"),
    ("Marlboro", "Marlborough"),
    ("tyngsborough", "Tyngsboro"),
    ("spfld", "Springfield"),
    ("halyoke", "Holyoke"),            # a spelling the postal data knows
    ("mount washington", "Mount Washington"),
    ("mt washington", "Mount Washington"),
])
def test_other_names_for_places(text, town):
    assert found(text).town == town


def test_every_known_name_resolves_to_itself():
    for name in town_names():
        assert found(name).town == name
        assert found(f"{name}, MA").town == name


# --- Typos -----------------------------------------------------------------------

@pytest.mark.parametrize("text, town, where", [
    ("Worcestor", "Worcester", WORCESTER),
    ("worchester", "Worcester", WORCESTER),  # not Dorchester
    ("new bedfrod", "New Bedford", NEW_BEDFORD),
    ("new bedfrod ma", "New Bedford", NEW_BEDFORD),
    ("sprinfield", "Springfield", SPRINGFIELD),
    ("i live in sprinfield", "Springfield", SPRINGFIELD),
    ("sommerville", "Somerville", SOMERVILLE),
    ("worcestor near the bus station", "Worcester", WORCESTER),
    ("dorchestor", "Dorchester", DORCHESTER),
])
def test_typos_with_one_clear_match(text, town, where):
    place = found(text)
    assert place.town == town
    assert place.zip_code is None
    assert near(place, where)


@pytest.mark.parametrize("text, expected", [
    ("melford", {"Medford", "Milford"}),    # one letter from each, same score
    ("newtown", {"New Town", "Newton"}),
])
def test_close_call_is_ambiguous(text, expected):
    result = resolve_location(text)
    assert result.problem == "ambiguous"
    assert result.place is None
    assert expected <= set(result.candidates)
    assert len(result.candidates) <= 3


def test_near_miss_is_offered_not_accepted():
    assert resolve_location("wooster") == LocationResult(
        place=None, problem="ambiguous", candidates=("Worcester",))


def test_two_towns_named_is_ambiguous():
    result = resolve_location("I'm in Lawrence but was cited in Lowell")
    assert result == LocationResult(place=None, problem="ambiguous",
                                    candidates=("Lawrence", "Lowell"))


def test_at_most_three_candidates():
    result = resolve_location("boston worcester lowell lynn salem")
    assert result.problem == "ambiguous"
    assert result.candidates == ("Boston", "Worcester", "Lowell")


# --- Other states ----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "nashua nh", "Nashua, NH", "providence ri", "Providence, R.I.", "manchester nh",
    "salem nh", "new york", "New York City", "I live in Vermont", "rhode island",
    "tampa florida", "washington dc",
])
def test_named_place_in_another_state(text):
    assert resolve_location(text) == LocationResult(place=None, problem="not_massachusetts")


@pytest.mark.parametrize("text, town", [
    ("salem", "Salem"),
    ("manchester", "Manchester"),
    # Small Massachusetts towns that share a state's name.
    ("florida", "Florida"),
    ("Washington, MA", "Washington"),
    ("lee ok", "Lee"),  # "ok" only counts as Oklahoma after an Oklahoma city
])
def test_massachusetts_town_not_mistaken_for_another_state(text, town):
    assert found(text).town == town


# --- Not a place -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "asdfgh", "idk", "i dont know", "homeless", "on the street", "no",
    "yes", "help", "what", "west", "north", "center", "hola", "42", "?!?!",
    "🙂", "😀" * 100, "'; DROP TABLE towns;--", "<script>alert(1)</script>",
    "\x00\x07\x1b[31m", "a" * 5000, "providence",
])
def test_not_a_place_is_unknown(text):
    assert resolve_location(text) == LocationResult(place=None, problem="unknown")


@pytest.mark.parametrize("text", [None, 12345, b"boston", ["boston"]])
def test_non_text_is_unknown(text):
    assert resolve_location(text) == LocationResult(place=None, problem="unknown")


def test_long_message_with_a_town_in_it():
    text = "hi, sorry, " + "i am not sure what to say here " * 40 + "i live in lowell"
    # Messages are cut at 1000 characters before anything reads them.
    assert resolve_location(text).problem == "unknown"
    assert found("i live in lowell " + "and stuff " * 400).town == "Lowell"


def test_control_characters_around_a_town():
    assert found("\x00Boston\x7f").town == "Boston"
    assert found("\tBoston\r\n").town == "Boston"


# --- API -------------------------------------------------------------------------

def test_results_are_frozen_and_hashable():
    result = resolve_location("02118")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.problem = "unknown"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.place.town = "Elsewhere"  # type: ignore[misc, union-attr]
    assert hash(result) == hash(resolve_location("02118"))


def test_town_names():
    names = town_names()
    assert isinstance(names, tuple)
    assert names is town_names()  # built once
    assert list(names) == sorted(set(names))
    assert {"Boston", "Worcester", "New Bedford", "Northampton", "Springfield",
            "Bourne", "Yarmouth", "Dorchester"} <= set(names)
    # 351 municipalities plus villages and neighbourhoods with their own ZIPs.
    assert len(names) > 351
    assert "New York" not in names

"""Referral matching rules: filters, order, widening radius, fallback, language, ties."""
from __future__ import annotations

import pytest

from screening.referrals import Directory, ServiceRecord, match_needs, miles_between

BOSTON = (42.3601, -71.0589)        # the person
# About 0.6, 3, 12 and 40 miles from Boston.
BACK_BAY = (42.3503, -71.0810)
CAMBRIDGE = (42.3736, -71.1097)
LYNN = (42.4668, -70.9495)
WORCESTER = (42.2626, -71.8023)


def service(id, needs, where=None, **kw):
    lat, lon = where if where else (None, None)
    return ServiceRecord(id=id, name=kw.pop("name", id), needs=frozenset(needs), latitude=lat, longitude=lon, **kw)


def ids(matches):
    return [(m.need, m.service.id) for m in matches]


def test_distance_is_great_circle_miles():
    assert miles_between(*BOSTON, *WORCESTER) == pytest.approx(39.5, abs=1)


def test_only_services_for_the_need_are_offered_nearest_first_up_to_three():
    directory = Directory.build([
        service("far", {"mental_health"}, CAMBRIDGE), service("near", {"mental_health"}, BACK_BAY),
        service("food-bank", {"food"}, BACK_BAY), service("mid", {"mental_health"}, BOSTON),
        service("fourth", {"mental_health"}, (42.37, -71.09)),
    ])
    matches = match_needs(directory, ["mental_health"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert ids(matches) == [("mental_health", "mid"), ("mental_health", "near"), ("mental_health", "fourth")]
    assert [m.rank for m in matches] == [1, 2, 3]


def test_the_persons_own_needs_come_first_in_their_order():
    directory = Directory.build([service("f", {"food"}, BOSTON), service("h", {"housing"}, BOSTON),
                                 service("l", {"legal"}, BOSTON)])
    matches = match_needs(directory, ["legal", "housing", "food"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert [m.need for m in matches] == ["legal", "housing", "food"]


def test_the_radius_widens_step_by_step_when_nothing_is_near():
    directory = Directory.build([service("worcester", {"substance_use"}, WORCESTER),
                                 service("lynn", {"substance_use"}, LYNN)])
    matches = match_needs(directory, ["substance_use"], latitude=BOSTON[0], longitude=BOSTON[1])
    # Nothing within 5 miles; Lynn is found within 10, so Worcester (about 40 miles) is never reached.
    assert ids(matches) == [("substance_use", "lynn")]
    assert 9 < matches[0].miles < 13


def test_no_local_service_falls_back_to_the_statewide_line_never_empty():
    directory = Directory.build([service("211", {"housing"}, statewide=True, phone="211")])
    matches = match_needs(directory, ["housing"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert ids(matches) == [("housing", "211")] and matches[0].miles is None


def test_without_a_place_the_statewide_lines_are_offered():
    directory = Directory.build([service("near", {"food"}, BOSTON), service("bread", {"food"}, statewide=True)])
    assert ids(match_needs(directory, ["food"])) == [("food", "bread")]


def test_a_service_offering_the_persons_language_ranks_ahead_of_a_slightly_nearer_one():
    directory = Directory.build([
        service("english-only", {"mental_health"}, BOSTON, languages=frozenset({"en"})),
        service("habla-espanol", {"mental_health"}, CAMBRIDGE, languages=frozenset({"en", "es"})),
    ])
    spanish = match_needs(directory, ["mental_health"], latitude=BOSTON[0], longitude=BOSTON[1], language="es")
    english = match_needs(directory, ["mental_health"], latitude=BOSTON[0], longitude=BOSTON[1], language="en")
    assert [m.service.id for m in spanish] == ["habla-espanol", "english-only"]
    assert spanish[0].speaks_language
    assert [m.service.id for m in english] == ["english-only", "habla-espanol"]


def test_free_care_ranks_ahead_of_paid_care_at_about_the_same_distance():
    directory = Directory.build([service("paid", {"health_care"}, BOSTON),
                                 service("free", {"health_care"}, BACK_BAY, free=True)])
    matches = match_needs(directory, ["health_care"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert [m.service.id for m in matches] == ["free", "paid"] and matches[0].free


def test_ties_break_by_name_then_id_the_same_way_every_time():
    twins = [service(f"id-{n}", {"food"}, BOSTON, name="Pantry") for n in (3, 1, 2)]
    twins.append(service("id-0", {"food"}, BOSTON, name="Apple Pantry"))
    directory = Directory.build(twins)
    first = match_needs(directory, ["food"], latitude=BOSTON[0], longitude=BOSTON[1])
    again = match_needs(Directory.build(reversed(twins)), ["food"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert [m.service.id for m in first] == ["id-0", "id-1", "id-2"] == [m.service.id for m in again]


def test_age_limits_apply_when_the_age_is_known():
    directory = Directory.build([service("youth", {"mental_health"}, BOSTON, maximum_age=17),
                                 service("adult", {"mental_health"}, CAMBRIDGE, minimum_age=18)])
    assert [m.service.id for m in match_needs(directory, ["mental_health"], latitude=BOSTON[0],
                                              longitude=BOSTON[1], age=30)] == ["adult"]
    assert [m.service.id for m in match_needs(directory, ["mental_health"], latitude=BOSTON[0],
                                              longitude=BOSTON[1])] == ["youth", "adult"]


def test_a_service_is_not_offered_twice_and_more_skips_what_was_shown():
    directory = Directory.build([service(f"s{n}", {"substance_use", "mental_health"}, BOSTON) for n in range(5)])
    matches = match_needs(directory, ["substance_use", "mental_health"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert ids(matches) == [("substance_use", "s0"), ("substance_use", "s1"), ("substance_use", "s2"),
                            ("mental_health", "s3"), ("mental_health", "s4")]
    more = match_needs(directory, ["substance_use"], latitude=BOSTON[0], longitude=BOSTON[1],
                       skip=["s0", "s1", "s2"])
    assert [m.service.id for m in more] == ["s3", "s4"]


def test_services_with_unusable_coordinates_are_never_offered_as_local():
    directory = Directory.build([service("bad", {"food"}, (100.0, 101.0)), service("none", {"food"})])
    assert match_needs(directory, ["food"], latitude=BOSTON[0], longitude=BOSTON[1]) == []


def test_a_service_with_a_phone_to_call_ranks_ahead_of_a_slightly_nearer_one_without():
    directory = Directory.build([service("no-phone", {"substance_use"}, BOSTON),
                                 service("phone", {"substance_use"}, (42.3655, -71.0589), phone="617-555-0100")])
    matches = match_needs(directory, ["substance_use"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert [m.service.id for m in matches] == ["phone", "no-phone"]


def test_published_opening_hours_break_a_near_tie():
    directory = Directory.build([service("a-no-hours", {"food"}, BOSTON),
                                 service("b-hours", {"food"}, (42.3620, -71.0589), hours_known=True)])
    matches = match_needs(directory, ["food"], latitude=BOSTON[0], longitude=BOSTON[1])
    assert [m.service.id for m in matches] == ["b-hours", "a-no-hours"]

"""A whole screening over the shipped Massachusetts directory ends with referrals for the
person's own top-ranked need first, stored with the screening and exported."""
from __future__ import annotations

from pathlib import Path

from screening.directory.importer import import_package
from screening.export import screening_records

from ..core.person import Person
from ..core.test_conversation import start

MA_PACKAGE = Path(__file__).resolve().parents[2] / "screening" / "content" / "directory" / "ma"


def finish_with_needs(person: Person, needs: str, rank: str, place: str) -> str:
    start(person)
    person.send("skip")                  # citation date
    person.send(needs)
    if rank:
        person.send(rank)
    for _ in range(40):
        reply = person.send("skip")
        if "ZIP code or town" in reply:
            break
    person.send(place)
    return person.send("4")              # no contact


def test_referrals_follow_the_persons_ranking_and_are_stored(engine, repository):
    import_package(repository.engine, MA_PACKAGE)
    person = Person(engine, sender="referral-person")
    summary = finish_with_needs(person, "help with my mental health and drug treatment", "2 1", "02118")
    assert "You finished" in summary
    first_need = summary.index("Help with drug or alcohol use")
    second_need = summary.index("Mental health or stress")
    assert first_need < second_need                          # ranked first, shown first
    assert "Boston" in summary and "miles away" in summary
    with repository.transaction() as unit:
        [record] = list(screening_records(unit))
    referrals = record["referrals"]
    assert [r["need"] for r in referrals[:3]] == ["substance_use"] * 3
    assert [r["rank"] for r in referrals[:3]] == [1, 2, 3]
    assert all(r["service_id"] and r["miles"] < 5 for r in referrals[:3])
    assert {r["need"] for r in referrals} == {"substance_use", "mental_health"}
    assert all(r["reason"] for r in referrals)


def test_needs_the_directory_lacks_get_the_statewide_line(engine, repository):
    import_package(repository.engine, MA_PACKAGE)
    person = Person(engine, sender="housing-person")
    summary = finish_with_needs(person, "a place to stay", "", "worcester")
    assert "Mass 211" in summary and "211" in summary
    with repository.transaction() as unit:
        [record] = list(screening_records(unit))
    assert record["referrals"][0]["need"] == "housing" and record["referrals"][0]["name"] == "Mass 211"


def test_without_a_place_statewide_lines_are_given(engine, repository):
    import_package(repository.engine, MA_PACKAGE)
    person = Person(engine, sender="no-place-person")
    summary = finish_with_needs(person, "drug treatment", "", "skip")
    assert "Massachusetts Substance Use Helpline" in summary
    assert "miles away" not in summary


def test_more_shows_the_next_places_and_town_looks_near_another_town(engine, repository):
    import_package(repository.engine, MA_PACKAGE)
    person = Person(engine, sender="more-person")
    summary = finish_with_needs(person, "drug treatment", "", "02118")
    assert "Reply MORE" in summary
    first = [line for line in summary.splitlines() if "miles away" in line]
    more = person.send("more")
    assert "More for help with drug or alcohol use" in more
    assert not set(first) & set(more.splitlines())            # nothing shown twice
    assert "Which town" in person.send("town")
    near = person.send("springfield")
    assert "Places near Springfield" in near and "Springfield" in near.split("Places near Springfield:", 1)[1]
    with repository.transaction() as unit:
        [record] = list(screening_records(unit))
    assert len(record["referrals"]) == 9                       # 3 + 3 more + 3 near Springfield
    assert len({(r["service_id"], r["location_id"]) for r in record["referrals"][:6]}) == 6


def test_more_and_town_during_the_screening_are_read_as_ordinary_answers(engine):
    person = Person(engine, sender="early-more-person")
    start(person)
    assert "date" in person.send("more").lower()               # not a command before the summary

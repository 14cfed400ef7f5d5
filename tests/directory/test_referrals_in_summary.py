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

"""What staff see of reminders: the case page lists each reminder (scheduled, sent) and
what the person said at the check-in; the dashboard counts completions by day since the
start, how many finished after a reminder, and check-in answers by need."""
from __future__ import annotations

from datetime import timedelta

from screening import reminders
from tests.core.person import Person
from tests.core.test_clarity import finish


def deliver_due(repository, now) -> None:
    """What the reminder worker does, minus the outbox (tested in tests/app/sms/test_reminders.py)."""
    with repository.transaction() as unit:
        for claimed in reminders.claim_due(unit.conn, "test-worker", now, 10):
            reminders.mark_sent(unit.conn, claimed.id, "sms", now)


def reminded_person_who_needed_other_help(console) -> str:
    """By text: yes to reminders, pause, a nudge, back and finish; a week later the food check-in
    is answered "3" (I need other help). The case id."""
    person = Person(console.person_engine(), sender="sms:" + "d" * 64, channel="sms")
    for text in ("hi", "yes", "yes", "1", "11/3", "I need food", "pause"):
        person.send(text)
    console.clock.now += timedelta(days=1, minutes=1)
    deliver_due(console.repository, console.clock.now)
    console.clock.now += timedelta(minutes=5)
    assert "Welcome back" in person.send("hi")
    finish(person, town="02118")
    console.clock.now += timedelta(days=7, minutes=1)
    deliver_due(console.repository, console.clock.now)
    assert "I let our staff know you need other help" in person.send("3")
    with console.repository.transaction() as unit:
        return unit.conn.exec_driver_sql("SELECT id FROM screenings").scalar()


def test_the_case_page_shows_reminders_and_the_check_in_answer(console):
    case_id = reminded_person_who_needed_other_help(console)
    console.add_account("boss", "supervisor")
    page = console.sign_in("boss").get(f"/review/cases/{case_id}").text
    reminders_part = page.split('<section id="reminders">')[1].split("</section>")[0]
    assert "The person said yes to reminders." in reminders_part
    assert "Nudge to finish" in reminders_part and "Check-in after a referral" in reminders_part
    assert reminders_part.count("by text") == 2                  # the nudge and the food check-in went out
    assert "cancelled (finished)" in reminders_part              # the nudges left when they finished
    referrals_part = page.split("<h2>Referrals shown</h2>")[1].split("</section>")[0]
    assert "Needs other help (2026-12-02" in referrals_part
    assert "Check-in: needs other help" in page                   # the flag, in plain words


def test_the_dashboard_counts_days_to_finish_finishing_after_a_reminder_and_check_in_answers(console):
    reminded_person_who_needed_other_help(console)
    console.add_account("boss", "supervisor")
    page = console.sign_in("boss").get("/review/dashboard").text
    assert "Completed, by days since start" in page
    assert "same day: 0; day 1: 1; days 2-7: 0" in page           # paused, reminded, finished the next day
    assert "Finished after a reminder: <strong>1</strong>" in page and "of 1 screenings" in page
    table = page.split("What people said at the check-in, by need")[1].split("</table>")[0]
    row = table.split('<th scope="row">food</th>')[1].split("</tr>")[0]
    assert row == "<td>0</td><td>0</td><td>1</td>"                # reached, could not reach, other help

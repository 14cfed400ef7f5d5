"""Whole screenings through the real Rasa server and action server over HTTP.

What is stored must equal what was said, and a crash of either server in the
middle of a screening must neither lose nor double anything.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ..conftest import AUDIT_KEY, ENCRYPTION_KEY, SECRET_KEY

pytestmark = pytest.mark.e2e

# One screening, as a person would type it, and what each answer must be stored as.
CONVERSATION = [
    ("hi", None), ("yeah", None), ("english", None), ("skip", None),
    ("i need a place to stay and a job", None), ("ok", None),
    ("2", ("ahc_1", ["worried"])), ("mold and bugs", ("ahc_2", ["pests", "mold"])),
    ("1", ("ahc_12", ["help_finding"])),
    ("sometimes", ("ahc_3", ["sometimes_true"])), ("never true", ("ahc_4", ["never_true"])),
    ("no", ("ahc_6", ["no"])), ("yes", ("ahc_5", ["yes"])), ("very hard", ("ahc_11", ["very_hard"])),
    ("none", ("legal_needs", ["none"])),
    ("skip", None),                                     # no to the feelings questions
    ("yes", None), ("2", ("gender", ["woman"])), ("never", ("ahc_19", ["never"])),
    ("daily", ("ahc_20", ["daily"])), ("never", ("ahc_21", ["never"])), ("monthly", ("ahc_22", ["monthly"])),
    ("yes", None), ("never", ("ahc_7", ["never"])), ("rarely", ("ahc_8", ["rarely"])),
    ("never", ("ahc_9", ["never"])), ("never", ("ahc_10", ["never"])),
    ("worcester", None), ("4", None),
]


def export(database_url: str, fmt: str = "json") -> list[dict]:
    env = dict(os.environ, DATABASE_URL=database_url, ENCRYPTION_KEY=ENCRYPTION_KEY, SECRET_KEY=SECRET_KEY,
               AUDIT_KEY=AUDIT_KEY)
    out = subprocess.run([sys.executable, "-m", "screening.cli", "export", "--format", fmt],
                         env=env, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def record_for(records: list[dict], code: str) -> dict:
    [record] = [r for r in records if r["completion_code"] == code]
    return record


def completion_code(text: str) -> str:
    return text.split("Your completion code is ", 1)[1].split(".", 1)[0]


def run_conversation(stack, sender: str, crash=None) -> str:
    reply = ""
    for n, (message, _) in enumerate(CONVERSATION):
        if crash:
            crash(n, sender, message)
        reply = stack.say(sender, message, message_id=f"{sender}-{n}")
    return reply


def check_stored(record: dict) -> None:
    expected = {item: options for _, stored in CONVERSATION if stored for item, options in [stored]}
    got = {item: a["option_ids"] for item, a in record["answers"].items() if not a["skipped"]}
    assert got == expected
    assert all(a["times_changed"] == 0 for a in record["answers"].values())
    assert record["self_identified_needs"] == ["housing", "employment"]
    assert record["location"]["town"] == "Worcester"
    assert record["status"] == "completed"
    assert record["domains"]["substance_use"]["positive"] is True
    assert {i for i, a in record["answers"].items() if a["skip_reason"] == "block_declined"} == {
        "ahc_23a", "ahc_23b", "ahc_24"}


@pytest.mark.parametrize("which", ["sqlite_stack", pytest.param("postgres_stack", marks=pytest.mark.postgres)])
def test_a_whole_screening_over_http_is_stored_as_said(request, which):
    stack = request.getfixturevalue(which)
    summary = run_conversation(stack, f"http-person-{which}")
    assert "You finished" in summary
    record = record_for(export(stack.database_url), completion_code(summary))
    check_stored(record)
    [fhir] = [f for f in export(stack.database_url, "fhir") if f["id"] == record["id"]]
    assert fhir["resourceType"] == "QuestionnaireResponse" and fhir["status"] == "completed"
    # Answers carry LOINC answer codes (LA...) where LOINC has them; item codes live in the Questionnaire.
    assert fhir["questionnaire"].startswith("urn:needs-screening:questionnaire:ahc-hrsn-2018|")
    [living] = [i for i in fhir["item"] if i["linkId"] == "ahc_1"]
    assert living["answer"][0]["valueCoding"]["system"] == "http://loinc.org"
    assert living["answer"][0]["valueCoding"]["code"].startswith("LA") and "code" not in living


def test_killing_the_action_server_then_rasa_mid_screening_loses_and_doubles_nothing(sqlite_stack):
    stack = sqlite_stack
    sender = "crash-person"

    def crash(n, sender, message):
        if n == 8:      # after the first answers are stored: the action server dies
            stack.stack.processes["actions"].kill()
            refused = stack.post(sender, message, message_id=f"{sender}-{n}")
            assert refused.status_code == 503        # the caller is told to retry, nothing is lost
            stack.stack.start("actions")
        if n == 16:     # later, Rasa itself dies
            stack.stack.processes["rasa"].kill()
            stack.stack.start("rasa")
        if n == 20:     # a retry of an answer that was already stored changes nothing
            stack.say(sender, CONVERSATION[n - 1][0], message_id=f"{sender}-{n - 1}")

    summary = run_conversation(stack, sender, crash)
    assert "You finished" in summary
    check_stored(record_for(export(stack.database_url), completion_code(summary)))


@pytest.mark.parametrize("body, reason", [
    (b"not json", "not valid JSON"),
    (b"[]", "JSON object"),
    (b'{"message": "hi"}', "sender"),
    (b'{"sender": "x", "message": 5}', "message"),
    (b'{"sender": "x", "message": "hi", "message_id": ""}', "message_id"),
    (b'{"sender": "x", "message": "hi", "metadata": {"channel": "fax"}}', "channel"),
])
def test_bad_requests_get_a_clear_400_not_a_500(sqlite_stack, body, reason):
    response = sqlite_stack.client.post(sqlite_stack.stack.webhook, content=body,
                                        headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_odd_messages_get_a_kind_reply(sqlite_stack):
    sender = "odd-person"
    sqlite_stack.say(sender, "hi")
    for odd in ("", "😀😀", "x" * 5000, "'; DROP TABLE answers;--", "\x00\x1b[2J"):
        assert sqlite_stack.say(sender, odd).strip()


def test_what_people_type_never_reaches_the_server_logs(sqlite_stack):
    sender = "private-person"
    sqlite_stack.say(sender, "hi")
    sqlite_stack.say(sender, "yes")
    sqlite_stack.say(sender, "1")
    sqlite_stack.say(sender, "skip")
    sqlite_stack.say(sender, "my landlord zyxwv is evicting me and i use fentanyl")
    logs = sqlite_stack.logs()
    assert "zyxwv" not in logs and "fentanyl" not in logs
    assert sender not in logs

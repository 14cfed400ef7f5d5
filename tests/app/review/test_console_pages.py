"""What each role can reach, what a screener sees in a case, and that every read is audited."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from screening.casework import assign
from screening.fhir.validation import validate
from tests.core.console_people import XSS_WORDS, screen

from .conftest import ROLES, csrf_of

CASE = "{case}"
# Every console route: (method, path, the action it needs, or None for any signed-in account).
ROUTES = [
    ("GET", "/review", None),
    ("GET", "/review/cases", "cases.list"),
    ("GET", f"/review/cases/{CASE}", "cases.view"),
    ("GET", f"/review/cases/{CASE}/export", "cases.export"),
    ("POST", f"/review/cases/{CASE}/notes", "cases.note"),
    ("POST", f"/review/cases/{CASE}/status", "cases.status"),
    ("POST", f"/review/cases/{CASE}/assign", "cases.assign"),
    ("POST", f"/review/cases/{CASE}/confirm", "cases.confirm"),
    ("POST", f"/review/cases/{CASE}/takeover", "cases.talk"),
    ("POST", f"/review/cases/{CASE}/reply", "cases.talk"),
    ("POST", f"/review/cases/{CASE}/release", "cases.talk"),
    ("GET", f"/review/cases/{CASE}/conversation", "cases.view"),
    ("GET", "/review/dashboard", "dashboard.view"),
    ("GET", "/review/audit", "audit.view"),
    ("POST", "/review/logout", None),
]
ALLOWED = {  # what the matrix expects, written out rather than derived from the code under test
    "screener": {None, "cases.list", "cases.view", "cases.export", "cases.note", "cases.status", "cases.confirm",
                 "cases.talk"},
    "supervisor": {None, "cases.list", "cases.view", "cases.export", "cases.note", "cases.status",
                   "cases.confirm", "cases.assign", "dashboard.view", "cases.talk"},
    "admin": {None, "dashboard.view", "audit.view"},
}
FORMS = {"notes": {"text": "Left a voicemail."}, "status": {"status": "in_review"}, "assign": {"account_id": ""},
         "reply": {"text": "Hi, I am a screener."}}


def test_the_authorization_matrix_every_role_and_anonymous_on_every_route(sqlite_console):
    case_id = sqlite_console.one_screening()
    accounts = {role: sqlite_console.add_account(role, role) for role in ROLES}
    # Talking with the person is for the screener the case is assigned to (and supervisors).
    with sqlite_console.repository.transaction() as unit:
        assign(unit.conn, case_id, accounts["screener"], sqlite_console.clock.now)
    anonymous = sqlite_console.client()
    for method, path, _ in ROUTES:
        response = anonymous.request(method, path.replace(CASE, case_id), data={"csrf": "x"})
        assert response.status_code == 303 and response.headers["location"] == "/review/login", (method, path)
    for role in ROLES:
        client = sqlite_console.sign_in(role)
        token = csrf_of(client.get("/review/dashboard" if role == "admin" else "/review/cases").text)
        for method, path, action in ROUTES:
            if path == "/review/logout":
                continue
            data = dict(FORMS.get(path.rsplit("/", 1)[-1], {}), csrf=token)
            response = client.request(method, path.replace(CASE, case_id), data=data if method == "POST" else None)
            if action in ALLOWED[role]:
                # Let through: done (200/303), or refused for the case's state (409), never for the role.
                assert response.status_code in (200, 303, 409), (role, method, path, response.text)
                assert response.headers.get("location") != "/review/login" and "Your role" not in response.text
            else:
                assert response.status_code == 403, (role, method, path)
                assert f"Your role ({role}) does not allow" in response.text
        assert client.post("/review/logout", data={"csrf": token}).status_code == 303


def test_a_transcript_with_script_and_img_payloads_is_shown_as_text(console):
    case_id = console.one_screening()
    console.add_account("sam", "screener")
    page = console.sign_in("sam").get(f"/review/cases/{case_id}").text
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page


def test_a_case_shows_transcript_needs_results_deadline_and_every_view_is_audited(console):
    case_id = console.one_screening()
    console.add_account("sam", "screener")
    client = console.sign_in("sam")
    listing = client.get("/review/cases").text
    assert f"/review/cases/{case_id}" in listing
    page = client.get(f"/review/cases/{case_id}").text
    for expected in ("Transcript", "Person · sms", "Assistant · sms", "completion code", "2026-12-18",
                     "housing", "Results by domain", "Answers", "2026-11-03"):
        assert expected in page, expected
    code = page.split("Completion code</dt><dd>")[1].split("<")[0]
    assert f"/review/cases/{case_id}" in client.get("/review/cases", params={"code": code}).text
    export = client.get(f"/review/cases/{case_id}/export")
    document = export.json()
    assert export.headers["content-type"].startswith("application/fhir+json")
    # The whole case as a FHIR transaction Bundle, valid R4, every resource with the 42 CFR Part 2 notice.
    validate(document)
    assert document["resourceType"] == "Bundle" and document["type"] == "transaction"
    kinds = {entry["resource"]["resourceType"] for entry in document["entry"]}
    assert {"Patient", "QuestionnaireResponse", "Observation", "Condition", "ServiceRequest", "Task"} <= kinds
    assert all("42 CFR part 2" in entry["resource"]["text"]["div"] for entry in document["entry"])
    assert XSS_WORDS not in export.text                               # no free text in the export
    actions = [(actor, action, sid) for actor, action, sid in console.audit_actions() if actor == "sam"]
    assert actions == [("sam", "login", None), ("sam", "cases.list", None), ("sam", "case.view", case_id),
                       ("sam", "cases.search", None), ("sam", "case.export", case_id)]
    with console.repository.transaction() as unit:
        details = unit.conn.exec_driver_sql("SELECT details FROM audit_events WHERE action = 'cases.search'").scalar()
    assert code not in details and json.loads(details)["code_search"] == "yes"


def test_notes_status_and_confirmation_are_kept_and_refusals_are_plain(console):
    case_id = console.one_screening()
    console.add_account("sam", "screener")
    client = console.sign_in("sam")
    token = csrf_of(client.get(f"/review/cases/{case_id}").text)
    url = f"/review/cases/{case_id}"
    response = client.post(f"{url}/status", data={"csrf": token, "status": "closed"})
    assert response.status_code == 409 and "cannot move to closed" in response.text
    assert client.post(f"{url}/status", data={"csrf": token, "status": "in_review"}).status_code == 303
    assert client.post(f"{url}/notes", data={"csrf": token, "text": "<b>Called</b> back"}).status_code == 303
    assert client.post(f"{url}/notes", data={"csrf": token, "text": " "}).status_code == 400
    assert client.post(f"{url}/confirm", data={"csrf": token}).status_code == 303
    page = client.get(url).text
    assert "in review" in page and "&lt;b&gt;Called&lt;/b&gt; back" in page and "by sam" in page
    assert client.get("/review/cases/no-such-case").status_code == 404
    assert client.get("/review/cases", params={"date_from": "soon"}).status_code == 400


def test_screeners_cannot_open_a_case_assigned_to_someone_else(console):
    case_id = console.one_screening()
    kim = console.add_account("kim", "screener")
    console.add_account("sam", "screener")
    console.add_account("boss", "supervisor")
    boss = console.sign_in("boss")
    token = csrf_of(boss.get("/review/cases").text)
    assert boss.post(f"/review/cases/{case_id}/assign", data={"csrf": token, "account_id": str(kim)}).status_code == 303
    sam = console.sign_in("sam")
    assert case_id not in sam.get("/review/cases").text
    response = sam.get(f"/review/cases/{case_id}")
    assert response.status_code == 403 and "assigned to another screener" in response.text
    assert case_id in console.sign_in("kim").get("/review/cases", params={"assigned": "mine"}).text


def test_admins_read_the_audit_log_and_see_whether_the_chain_is_intact(console):
    console.add_account("ada", "admin")
    page = console.sign_in("ada").get("/review/audit").text
    assert "The audit chain is intact" in page and "login" in page


def test_the_dashboard_draws_charts_with_text_alternatives(console):
    console.one_screening()
    screen(console.person_engine(), "person-2", complete=False, channel="web")
    console.add_account("boss", "supervisor")
    page = console.sign_in("boss").get("/review/dashboard").text
    assert page.count("<svg") == 6 and "<desc" in page
    assert "started: 2; consented: 2; completed: 1" in page
    assert "Median time to complete" in page

"""The console over encrypted sensitive answers: the case page, the case list's need filter, the
dashboard and the case's FHIR export show what the person answered, as before encryption."""
from __future__ import annotations

import html

from screening.instrument import default_instrument

from tests.core.test_sensitive_at_rest import screen_with_sensitive_answers


def test_case_page_list_dashboard_and_export_show_the_encrypted_answers(console):
    screen_with_sensitive_answers(console.person_engine(), console.repository)
    with console.repository.transaction() as unit:
        case_id = unit.conn.exec_driver_sql("SELECT id FROM screenings").scalar()
    console.add_account("boss", "supervisor")
    boss = console.sign_in("boss")

    case = html.unescape(boss.get(f"/review/cases/{case_id}").text)
    assert "Suicide or self-harm" in case and "at question phq9_9" in case
    assert "Several days" in case and "Frequently" in case and "Very much" in case
    # depression, thoughts of self-harm, stress, substance use, safety
    assert case.count("positive</strong>") == 5
    assert ">14<" in case                                 # the safety score
    assert case_id in boss.get("/review/cases", params={"need": "safety"}).text
    assert case_id not in boss.get("/review/cases", params={"need": "food"}).text

    dashboard = boss.get("/review/dashboard").text
    assert "depression: 1; safety: 1; self harm thoughts: 1; stress: 1; substance use: 1" in dashboard

    bundle = boss.get(f"/review/cases/{case_id}/export").json()
    answers = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    items = {i["linkId"]: i for i in answers[0]["item"]}
    frequently = default_instrument().item("ahc_7").option("frequently")
    assert items["ahc_7"]["answer"][0]["valueCoding"]["code"] == frequently.loinc
    assert items["phq9_9"]["answer"][0]["valueCoding"]["display"] == "Several days"

"""The most sensitive answers at rest: what someone reading the database rows sees, and what
staff still see through the app.

A whole screening through the engine (mental health with thoughts of self-harm and the crisis
path, substance use, safety) leaves no option id of those items, no result of their domains
and no crisis kind or step in any clear column; the export, the case page, the case list's
need filter, the dashboard and purge counts still show the right values; `screening keys
reencrypt` moves every value to the newest key. Each test runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import select, text

import pytest

from screening import audit, cli
from screening.casework import CaseFilter, Viewer, case_detail, list_cases
from screening.crypto import KeySettingError, TextCipher, new_encryption_key
from screening.export import screening_records
from screening.instrument import default_instrument
from screening.program_figures import program_figures
from screening.records import migrate, models as m
from screening.records.db import make_engine
from screening.records.repository import Repository
from screening.records.resealing import encrypted_columns, reencrypt_all
from screening.retention import purge

from ..conftest import AUDIT_KEY, SECRET_KEY, scratch_postgres_database
from .person import Person
from .test_conversation import start

INSTRUMENT = default_instrument()
BOSS = Viewer(0, "boss", "supervisor")
# What the person answers to each sensitive item (the rest is skipped).
SENSITIVE_ANSWERS = {
    "ahc_23a": "nearly every day", "ahc_23b": "several days", "phq9_9": "several days", "ahc_24": "very much",
    "gender": "woman", "ahc_19": "weekly", "ahc_20": "daily", "ahc_21": "monthly", "ahc_22": "never",
    "ahc_7": "frequently", "ahc_8": "fairly often", "ahc_9": "sometimes", "ahc_10": "rarely",
}
EXPECTED_OPTIONS = {
    "ahc_23a": ["nearly_every_day"], "ahc_23b": ["several_days"], "phq9_9": ["several_days"],
    "ahc_24": ["very_much"], "gender": ["woman"], "ahc_19": ["weekly"], "ahc_20": ["daily"],
    "ahc_21": ["monthly"], "ahc_22": ["never"], "ahc_7": ["frequently"], "ahc_8": ["fairly_often"],
    "ahc_9": ["sometimes"], "ahc_10": ["rarely"],
}


def current_step(repository) -> str:
    with repository.transaction() as unit:
        return unit.conn.execute(select(m.screenings.c.step).order_by(m.screenings.c.started_at.desc())).scalar()


def raw_state(repository) -> str:
    with repository.transaction() as unit:
        return unit.conn.execute(text("SELECT CAST(state AS TEXT) FROM screenings")).scalar()


def screen_with_sensitive_answers(engine, repository, sender: str = "person-1") -> dict:
    """A whole screening: mental health first, thoughts of self-harm (the crisis path, then
    going on), substance use and safety answered, everything else skipped. Returns what the
    raw crisis state looked like while the person was in support."""
    person = Person(engine, sender=sender)
    start(person)
    person.send("skip")                                  # no ticket date
    person.send("mental health")
    seen = {}
    for _ in range(80):
        step = current_step(repository)
        kind, _, name = step.partition(":")
        if step == "done":
            break
        if kind == "permission":
            person.send("yes")
        elif kind == "item" and name in SENSITIVE_ANSWERS:
            reply = person.send(SENSITIVE_ANSWERS[name])
            if name == "phq9_9":
                assert "988" in reply and "safe right now" in reply
                seen["crisis_state"] = raw_state(repository)
                person.send("i'm safe, let's go on")
        else:
            person.send("skip")
    else:
        raise AssertionError("the screening never finished")
    assert "completion code" in person.last
    return seen


def clear_columns(row, table) -> dict:
    """A raw row's values outside the encrypted columns, as text."""
    return {c.name: row._mapping[c.name] for c in table.columns if not c.name.endswith("_enc")}


def raw_rows(repository, table) -> list:
    with repository.transaction() as unit:
        return unit.conn.execute(select(table)).all()


def test_a_whole_screening_stores_no_sensitive_answer_result_or_crisis_detail_in_clear(engine, repository):
    seen = screen_with_sensitive_answers(engine, repository)

    # What someone reading the tables sees.
    sensitive = INSTRUMENT.sensitive_items
    assert {"ahc_19", "ahc_20", "ahc_21", "ahc_22", "ahc_23a", "ahc_23b", "phq9_9",
            "ahc_7", "ahc_8", "ahc_9", "ahc_10"} <= sensitive
    answers = raw_rows(repository, m.answers)
    assert {r.item_id for r in answers} >= set(SENSITIVE_ANSWERS)
    for row in answers:
        clear = json.dumps(clear_columns(row, m.answers), default=str)
        if row.item_id in sensitive:
            option_ids = {o.id for o in INSTRUMENT.item(row.item_id).options}
            assert not any(f'"{o}"' in clear for o in option_ids), (row.item_id, clear)
            assert row.option_ids == [] and row.skip_reason is None and row.answer_enc
        else:
            assert row.answer_enc is None           # the other items stay readable (and queryable)
    results = raw_rows(repository, m.domain_results)
    assert {r.domain for r in results if r.result_enc} == set(INSTRUMENT.sensitive_domains) == {
        "depression", "self_harm_thoughts", "stress", "substance_use", "safety"}
    assert all((r.positive, r.complete, r.score) == (None, None, None) for r in results if r.result_enc)
    flags = raw_rows(repository, m.flags)
    assert [f.kind for f in flags] == ["crisis"]
    assert [(f.reason, f.step) for f in flags] == [(None, None)] and flags[0].details_enc
    # In support, the crisis state (its kind, stage, where it began) is encrypted too.
    # (The steps gone through stay in clear, as the answer rows' item ids do: phq9_9 was asked.)
    state = json.loads(seen["crisis_state"])
    assert set(state) & {"crisis", "kind", "stage", "flagged"} == set() and state["crisis_enc"]
    assert "self_harm" not in seen["crisis_state"] and "asked" not in seen["crisis_state"]

    # What staff see through the app: the same values as before encryption.
    with repository.transaction() as unit:
        [record] = list(screening_records(unit))
        case = case_detail(unit.conn, unit.cipher, record["id"])
        by_need = {need: [c.screening_id for c in list_cases(unit.conn, BOSS, CaseFilter(need=need),
                                                             cipher=unit.cipher)]
                   for need in ("mental_health", "substance_use", "safety", "food")}
        listed = list_cases(unit.conn, BOSS, CaseFilter(), cipher=unit.cipher)
    assert {item: record["answers"][item]["option_ids"] for item in EXPECTED_OPTIONS} == EXPECTED_OPTIONS
    assert record["domains"]["depression"] == {"need": "mental_health", "positive": True, "complete": True,
                                               "score": 4}
    assert record["domains"]["self_harm_thoughts"]["positive"] is True
    assert record["domains"]["stress"]["positive"] is True
    assert record["domains"]["substance_use"]["positive"] is True
    assert record["domains"]["safety"] == {"need": "safety", "positive": True, "complete": True, "score": 14}
    assert record["domains"]["food"]["positive"] is None          # skipped, stored in clear as before
    assert [(f["kind"], f["reason"], f["step"]) for f in record["flags"]] == [("crisis", "self_harm", "item:phq9_9")]
    answer_lines = {a.item_id: a for a in case.answers}
    assert answer_lines["phq9_9"].answer == "Several days" and answer_lines["ahc_7"].answer == "Frequently"
    assert {d["domain"]: d["positive"] for d in case.domains}["safety"] is True
    assert [(f["words"], f["where"].split(" (")[0]) for f in case.flags] == [
        ("Suicide or self-harm", "at question phq9_9")]
    assert listed[0].crisis_kinds == ("Suicide or self-harm",)
    assert by_need == {"mental_health": [record["id"]], "substance_use": [record["id"]],
                       "safety": [record["id"]], "food": []}


def test_the_dashboard_counts_positive_results_after_decrypting_and_purge_keeps_them(engine, repository, clock):
    screen_with_sensitive_answers(engine, repository, sender="person-1")
    clock.now += timedelta(days=200)
    screen_with_sensitive_answers(engine, repository, sender="person-2")
    with repository.transaction() as unit:
        before = dict(program_figures(unit.conn, unit.cipher).positive_domains)
    assert before == {"depression": 2, "self_harm_thoughts": 2, "stress": 2, "substance_use": 2, "safety": 2}

    report = purge(repository, older_than_days=180, now=clock.now)

    assert report.screenings == 1 and report.counts_kept[("positive_domain", "safety")] == 1
    with repository.transaction() as unit:
        after = dict(program_figures(unit.conn, unit.cipher).positive_domains)
    assert after == before          # one from the kept counts, one opened from the live rows


def test_keys_reencrypt_moves_every_value_to_the_newest_key(database_url, clock, monkeypatch, capsys):
    from screening.dialogue.engine import ScreeningEngine

    old_key, new_key = new_encryption_key(), new_encryption_key()
    old = Repository(make_engine(database_url), TextCipher(old_key), SECRET_KEY, AUDIT_KEY)
    screen_with_sensitive_answers(ScreeningEngine(old, clock=clock), old)
    Person(ScreeningEngine(old, clock=clock), sender="person-2").send("hi")
    with old.transaction() as unit:
        before = list(screening_records(unit, include_text=True))
    old.engine.dispose()
    for name, value in (("DATABASE_URL", database_url), ("ENCRYPTION_KEY", f"{new_key},{old_key}"),
                        ("SECRET_KEY", SECRET_KEY), ("AUDIT_KEY", AUDIT_KEY)):
        monkeypatch.setenv(name, value)

    assert cli.main(["keys", "reencrypt"]) == 0

    out = capsys.readouterr().out
    assert "re-encrypted: answers:" in out and "re-encrypted: flags: 1" in out
    # Only the new key is needed now: every value (answers, results, flags, messages, ...) opens with it.
    newest = Repository(make_engine(database_url), TextCipher(new_key), SECRET_KEY, AUDIT_KEY)
    try:
        with newest.transaction() as unit:
            assert list(screening_records(unit, include_text=True)) == before
            stale = Counter()
            for table, columns in encrypted_columns():
                for row in unit.conn.execute(select(*columns)):
                    for token in row:
                        if token is not None:
                            Fernet(new_key.encode()).decrypt(bytes(token))     # raises if still under the old key
                            stale[table.name] += 1
            events = [e.action for e in audit.recent(unit.conn, limit=5)]
        assert stale["answers"] >= len(SENSITIVE_ANSWERS) and stale["flags"] == 1 and stale["messages"] > 0
        assert events.count("keys.reencrypt") == 2
    finally:
        newest.engine.dispose()


def test_reencrypting_twice_is_harmless_and_without_the_old_key_nothing_changes(repository, engine):
    screen_with_sensitive_answers(engine, repository)
    with repository.transaction() as unit:
        before = list(screening_records(unit))
    first = reencrypt_all(repository.engine, repository.cipher)
    second = reencrypt_all(repository.engine, repository.cipher)
    assert first == second and first["answers"] > 0
    with pytest.raises(KeySettingError, match="cannot be decrypted"):
        reencrypt_all(repository.engine, TextCipher(new_encryption_key()))     # the key in use left out
    with repository.transaction() as unit:
        assert list(screening_records(unit)) == before


# migration 0013 ------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    with scratch_postgres_database("screening_sealing") as url:
        yield url


CLEAR_ROWS = [   # as versions before 0013 stored them
    "INSERT INTO participants (id, sender_hash, channel, created_at) VALUES ('p1', 'h1', 'sms', :t)",
    "INSERT INTO screenings (id, participant_id, status, language, channel, instrument_id, instrument_version, "
    "step, state, started_at, updated_at) VALUES ('s1', 'p1', 'started', 'en', 'sms', 'i', 'v', 'item:ahc_24', "
    """'{"history": ["item:phq9_9"], "crisis": {"kind": "self_harm", "stage": "asked", "step": "item:phq9_9"}}', """
    ":t, :t)",
    "INSERT INTO answers (screening_id, item_id, version, option_ids, skipped, skip_reason, language, answered_at) "
    """VALUES ('s1', 'phq9_9', 1, '["more_than_half"]', false, NULL, 'en', :t)""",
    "INSERT INTO answers (screening_id, item_id, version, option_ids, skipped, skip_reason, language, answered_at) "
    """VALUES ('s1', 'ahc_20', 1, '[]', true, 'dont_know', 'en', :t)""",
    "INSERT INTO answers (screening_id, item_id, version, option_ids, skipped, skip_reason, language, answered_at) "
    """VALUES ('s1', 'ahc_1', 1, '["worried"]', false, NULL, 'en', :t)""",
    "INSERT INTO domain_results (screening_id, domain, need, positive, complete, score, computed_at) "
    "VALUES ('s1', 'self_harm_thoughts', 'mental_health', true, true, NULL, :t)",
    "INSERT INTO domain_results (screening_id, domain, need, positive, complete, score, computed_at) "
    "VALUES ('s1', 'safety', 'safety', false, true, 6, :t)",
    "INSERT INTO domain_results (screening_id, domain, need, positive, complete, score, computed_at) "
    "VALUES ('s1', 'housing_instability', 'housing', true, true, NULL, :t)",
    "INSERT INTO flags (screening_id, kind, reason, created_at, step) "
    "VALUES ('s1', 'crisis', 'self_harm', :t, 'item:phq9_9')",
]
CLEAR_QUERIES = {
    "answers": "SELECT item_id, CAST(option_ids AS TEXT), skip_reason FROM answers ORDER BY item_id",
    "domain_results": "SELECT domain, positive, complete, score FROM domain_results ORDER BY domain",
    "flags": "SELECT kind, reason, step FROM flags",
    "state": "SELECT CAST(state AS TEXT) FROM screenings",
}


def clear_values(url: str) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in CLEAR_QUERIES.items()}
    finally:
        engine.dispose()
    found["state"] = [json.loads(s) for (s,) in found["state"]]
    found["answers"] = [(item, json.loads(options), reason) for item, options, reason in found["answers"]]
    return found


def test_migration_0013_encrypts_existing_rows_and_the_downgrade_decrypts_them(new_database_url, clock):
    url, key = new_database_url, new_encryption_key()
    migrate.upgrade(url, "0012")
    engine = make_engine(url)
    with engine.begin() as conn:
        for sql in CLEAR_ROWS:
            conn.execute(text(sql), {"t": clock.now})
    engine.dispose()
    before = clear_values(url)
    assert before["flags"] == [("crisis", "self_harm", "item:phq9_9")]

    migrate.upgrade(url, "0013", encryption_key=key)

    sealed = clear_values(url)
    assert sealed["answers"] == [("ahc_1", ["worried"], None), ("ahc_20", [], None), ("phq9_9", [], None)]
    assert sealed["domain_results"] == [("housing_instability", True, True, None),
                                        ("safety", None, None, None), ("self_harm_thoughts", None, None, None)]
    assert sealed["flags"] == [("crisis", None, None)]
    assert set(sealed["state"][0]) == {"history", "crisis_enc"}
    repository = Repository(make_engine(url), TextCipher(key), SECRET_KEY, AUDIT_KEY)
    try:
        with repository.transaction() as unit:
            [record] = list(screening_records(unit))
            assert unit.screening("s1").state["crisis"] == {"kind": "self_harm", "stage": "asked",
                                                            "step": "item:phq9_9"}
    finally:
        repository.engine.dispose()
    assert record["answers"]["phq9_9"]["option_ids"] == ["more_than_half"]
    assert record["answers"]["ahc_20"]["skip_reason"] == "dont_know"
    assert record["domains"]["safety"] == {"need": "safety", "positive": False, "complete": True, "score": 6}
    assert record["domains"]["self_harm_thoughts"]["positive"] is True
    assert record["flags"][0]["reason"] == "self_harm" and record["flags"][0]["step"] == "item:phq9_9"

    with pytest.raises(KeySettingError):            # the rows cannot be opened without the key
        migrate.downgrade(url, "0012", encryption_key=new_encryption_key())
    migrate.downgrade(url, "0012", encryption_key=key)
    assert clear_values(url) == before
    migrate.upgrade(url, encryption_key=key)
    again = clear_values(url)
    assert set(again["state"][0]) == {"history", "crisis_enc"}         # a new token: compared by its keys
    assert {k: v for k, v in again.items() if k != "state"} == {k: v for k, v in sealed.items() if k != "state"}


# the rule is the instrument's data ----------------------------------------------------------------
def test_which_answers_are_encrypted_follows_the_instrument_file(tmp_path, repository, clock):
    from screening.instrument import DEFAULT_INSTRUMENT, load_instrument
    from screening.records.sealing import Sensitivity

    edited = DEFAULT_INSTRUMENT.read_text(encoding="utf-8").replace(
        "  - id: ahc_1\n", "  - id: ahc_1\n    sensitive: true\n", 1).replace(
        "  - id: ahc_24\n", "  - id: ahc_24\n    sensitive: false\n", 1)
    (tmp_path / "instrument.yaml").write_text(edited, encoding="utf-8")
    instrument = load_instrument(tmp_path / "instrument.yaml")
    assert "ahc_1" in instrument.sensitive_items and "ahc_24" not in instrument.sensitive_items
    assert "housing_instability" in instrument.sensitive_domains and "stress" not in instrument.sensitive_domains

    custom = Repository(repository.engine, repository.cipher, SECRET_KEY, AUDIT_KEY, Sensitivity.of(instrument))
    with custom.transaction() as unit:
        participant = unit.participant_id("test", "person-1", clock.now)
        row = unit.create_screening(participant, language="en", channel="test", instrument_id="i",
                                    instrument_version="v", step="consent", now=clock.now)
        for item_id, option in (("ahc_1", "worried"), ("ahc_24", "very_much")):
            unit.add_answer(row.id, item_id, option_ids=[option], free_text=None, skip_reason=None,
                            language="en", now=clock.now)
        stored = {r.item_id: (r.option_ids, r.answer_enc is not None) for r in unit.conn.execute(select(m.answers))}
        read = {item: a.option_ids for item, a in unit.current_answers(row.id).items()}
    assert stored == {"ahc_1": ([], True), "ahc_24": (["very_much"], False)}
    assert read == {"ahc_1": ("worried",), "ahc_24": ("very_much",)}

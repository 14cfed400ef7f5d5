"""The widget's API over HTTP against the real app (in-process dialogue), on SQLite and PostgreSQL."""
from __future__ import annotations

import httpx
import pytest
from datetime import timedelta
from sqlalchemy import func, select

from screening.app.dialogue_client import DialogueUnavailable, EngineDialogue
from screening.app.main import create_app
from screening.dialogue.engine import ScreeningEngine
from screening.records import models as m

from ...conftest import make_repository
from ..conftest import app_settings, engine_app, serve
from .helpers import ChatPerson, conversation_rows

UNREACHABLE = "We could not reach the server. Your message is kept; please try again in a moment."


def test_a_new_conversation_gets_a_server_issued_token_code_and_greeting(database_url, clock):
    with serve(engine_app(app_settings(database_url), clock)) as base:
        person = ChatPerson(base)
    assert "needs check" in person.text()
    assert person.view["quick_answers"] == ["yes", "no"]
    assert len(person.token) >= 40
    assert len(person.resume_code) == 12 and person.resume_code.count("-") == 2
    [row] = conversation_rows(database_url)
    assert len(row["id"]) == 32                          # 128 random bits
    stored = " ".join(str(v) for v in row.values())
    assert person.token not in stored and person.resume_code.replace("-", "") not in stored


def test_a_client_cannot_choose_or_join_a_conversation(database_url, clock):
    with serve(engine_app(app_settings(database_url), clock)) as base:
        first = ChatPerson(base)
        chosen = httpx.post(f"{base}/chat/api/conversations", json={"id": "my-own-id", "conversation_id": "x"})
        second = ChatPerson(base)
        first.say("yes")
        made_up = httpx.post(f"{base}/chat/api/messages", json={"message_id": "guess-0001", "text": "1"},
                             headers={"x-chat-token": "made-up-token"})
        no_token = httpx.post(f"{base}/chat/api/messages", json={"message_id": "guess-0002", "text": "1"})
        second_view = second.say("yes").json()
    assert chosen.status_code == 201
    assert all(row["id"] not in ("my-own-id", "x") for row in conversation_rows(database_url))
    assert made_up.status_code == no_token.status_code == 401
    assert made_up.json() == {"error": "This chat session has ended. To continue, use your code."}
    # Each person's "yes" moved only their own screening to the language question.
    assert "Which language" in second_view["messages"][0]["text"]
    repository = make_repository(database_url)
    with repository.transaction() as unit:
        steps = sorted(unit.conn.execute(select(m.screenings.c.step)).scalars())
    repository.engine.dispose()
    assert steps == ["consent", "language", "language"]


def test_a_retried_message_is_answered_the_same_and_stored_once(database_url, clock):
    with serve(engine_app(app_settings(database_url), clock)) as base:
        person = ChatPerson(base)
        person.say("yes")
        person.say("1")
        person.say("skip")
        person.say("skip")
        first = person.say("2", message_id="retry-me-0001").json()
        again = person.say("2", message_id="retry-me-0001").json()
    assert first["messages"] == again["messages"]
    repository = make_repository(database_url)
    with repository.transaction() as unit:
        count = unit.conn.execute(select(func.count()).select_from(m.answers)
                                  .where(m.answers.c.item_id == "ahc_1")).scalar()
    repository.engine.dispose()
    assert count == 1


def test_questions_come_with_buttons_and_progress(database_url, clock):
    with serve(engine_app(app_settings(database_url), clock)) as base:
        person = ChatPerson(base)
        person.say("yes")
        assert [b["title"] for b in person.view["messages"][0]["buttons"]] == ["English", "Español", "Português", "Kreyòl ayisyen", "中文", "Tiếng Việt",
                                                                      "Kriolu kabuverdianu"]
        person.say("1")
        person.say("skip")
        person.say("skip")
    view = person.view
    assert view["progress"]["number"] == 1 and view["progress"]["total"] > 10
    question = view["messages"][-1]
    assert "What is your living situation today?" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == ["1", "2", "3"]
    assert view["quick_answers"] == ["skip"]


@pytest.mark.parametrize("body, headers, status, reason", [
    (b"not json", {}, 400, "The request must be JSON."),
    (b"[1, 2]", {}, 400, "The request must be a JSON object."),
    (b'{"message_id": "ok-id-0001"}', {}, 400, "Please type a message."),
    (b'{"message_id": "x", "text": "hi"}', {}, 400,
     "Each message needs an id of 8 to 64 letters, digits, '-' or '_'."),
    (b'{"message_id": "ok-id-0001", "text": "' + b"a" * 1001 + b'"}', {}, 400,
     "Messages can be up to 1000 characters."),
    (b'{"text": "' + b"a" * 9000 + b'"}', {}, 413, "That request is too large."),
])
def test_bad_messages_get_a_plain_reason_and_change_nothing(sqlite_url, clock, body, headers, status, reason):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        person = ChatPerson(base)
        response = httpx.post(f"{base}/chat/api/messages", content=body,
                              headers={"x-chat-token": person.token, "content-type": "application/json"})
    assert response.status_code == status
    assert response.json() == {"error": reason}
    repository = make_repository(sqlite_url)
    with repository.transaction() as unit:
        assert unit.conn.execute(select(func.count()).select_from(m.turns)).scalar() == 1   # the greeting
    repository.engine.dispose()


def test_quick_exit_ends_the_session_and_the_code_still_works(database_url, clock):
    with serve(engine_app(app_settings(database_url), clock)) as base:
        person = ChatPerson(base)
        person.say("yes")
        # What sendBeacon sends: the token in a text/plain body.
        left = httpx.post(f"{base}/chat/api/exit", content=f'{{"token": "{person.token}"}}',
                          headers={"content-type": "text/plain"})
        after = person.say("1")
        resumed = httpx.post(f"{base}/chat/api/resume", json={"code": person.resume_code.lower()})
        old_token_after_resume = person.say("1")
        person.token = resumed.json()["token"]
        continued = person.say("1")
    assert left.status_code == 204
    assert after.status_code == 401
    assert resumed.status_code == 200
    assert "Which language" in resumed.json()["messages"][0]["text"]     # where they were
    assert "resume_code" not in resumed.json()
    assert old_token_after_resume.status_code == 401
    assert continued.status_code == 200 and "OK, we will go on in English" in continued.json()["messages"][0]["text"]
    [row] = conversation_rows(database_url)
    assert row["session_token_hash"] is not None and row["session_ended_at"] is None


def test_an_idle_session_ends_and_the_person_resumes_with_the_code(database_url, clock):
    with serve(engine_app(app_settings(database_url, web_chat_session_minutes=30), clock)) as base:
        person = ChatPerson(base)
        clock.now += timedelta(minutes=29)
        assert person.say("yes").status_code == 200
        clock.now += timedelta(minutes=31)
        expired = person.say("1")
        resumed = httpx.post(f"{base}/chat/api/resume", json={"code": person.resume_code})
    assert expired.status_code == 401
    assert resumed.status_code == 200


def test_guessing_resume_codes_is_limited(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        person = ChatPerson(base)
        answers = [httpx.post(f"{base}/chat/api/resume", json={"code": f"AAAA-BBBB-{n:02d}".replace("0", "C")
                                                                      .replace("1", "D")}).status_code
                   for n in range(20)]
        blocked = httpx.post(f"{base}/chat/api/resume", json={"code": person.resume_code})
        clock.now += timedelta(minutes=15)
        later = httpx.post(f"{base}/chat/api/resume", json={"code": person.resume_code})
        bad = httpx.post(f"{base}/chat/api/resume", json={"code": "<script>"})
    assert set(answers) == {404}
    assert blocked.status_code == 429
    assert blocked.json() == {"error": "Too many tries. Please wait 15 minutes and try again."}
    assert later.status_code == 200
    assert bad.status_code == 400 and bad.json() == {"error": "A code has 10 letters and numbers."}


def test_one_code_cannot_be_tried_over_and_over(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        person = ChatPerson(base)
        codes = []
        for _ in range(11):
            codes.append(httpx.post(f"{base}/chat/api/resume", json={"code": person.resume_code}).status_code)
            clock.now += timedelta(minutes=1, seconds=30)       # spread out: the per-address limit resets
    assert codes[:10] == [200] * 10 and codes[10] == 429


class FailingOnce:
    """The dialogue is unreachable for the first message with each id, then works."""

    def __init__(self, inner):
        self.inner, self.failed = inner, set()

    async def send(self, *, sender, text, message_id, channel):
        if message_id.endswith("flaky-0001") and message_id not in self.failed:
            self.failed.add(message_id)
            raise DialogueUnavailable("test: unreachable")
        return await self.inner.send(sender=sender, text=text, message_id=message_id, channel=channel)

    async def close(self):
        await self.inner.close()


def test_when_the_dialogue_is_down_the_person_is_told_and_the_retry_works(database_url, clock):
    settings = app_settings(database_url)
    inner = EngineDialogue(ScreeningEngine(make_repository(database_url), clock=clock))
    with serve(create_app(settings, dialogue=FailingOnce(inner), clock=clock)) as base:
        person = ChatPerson(base)
        down = person.say("yes", message_id="flaky-0001")
        retried = person.say("yes", message_id="flaky-0001")
    assert down.status_code == 503 and down.json() == {"error": UNREACHABLE} and down.headers["retry-after"] == "5"
    assert retried.status_code == 200 and "Which language" in retried.json()["messages"][0]["text"]


def test_only_configured_sites_may_call_the_api_from_their_pages(sqlite_url, clock):
    settings = app_settings(sqlite_url, web_chat_allowed_origins=("https://partner.example",))
    preflight = {"access-control-request-method": "POST",
                 "access-control-request-headers": "content-type,x-chat-token"}
    with serve(engine_app(settings, clock)) as base:
        allowed = httpx.options(f"{base}/chat/api/messages", headers={"origin": "https://partner.example", **preflight})
        other = httpx.options(f"{base}/chat/api/messages", headers={"origin": "https://evil.example", **preflight})
        created = httpx.post(f"{base}/chat/api/conversations", json={}, headers={"origin": "https://evil.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://partner.example"
    assert "x-chat-token" in allowed.headers["access-control-allow-headers"].lower()
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in created.headers


def test_spanish_from_the_start(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        person = ChatPerson(base, language="es")
        wrong = httpx.post(f"{base}/chat/api/conversations", json={"language": "fr"})
    assert "Hola" in person.text() and person.view["language"] == "es"
    assert wrong.status_code == 400 and wrong.json() == {"error": "The language must be one of: en, es, pt, ht, zh, vi, kea."}


@pytest.mark.redis
def test_with_redis_every_app_process_shares_the_guessing_limit(sqlite_url, clock):
    import redis

    from ...conftest import REDIS_URL, service_missing
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", exc.__class__.__name__)
    for key in client.scan_iter("screening:limits:resume-*"):
        client.delete(key)
    settings = app_settings(sqlite_url, redis_url=REDIS_URL)
    with serve(engine_app(settings, clock)) as first, serve(engine_app(settings, clock)) as second:
        statuses = [httpx.post(f"{base}/chat/api/resume", json={"code": "CCCC-DDDD-EE"}).status_code
                    for base in (first, second) * 5]
        blocked = httpx.post(f"{second}/chat/api/resume", json={"code": "CCCC-DDDD-EE"})
    stored_keys = [key.decode() for key in client.scan_iter("screening:limits:resume-*")]
    client.close()
    assert statuses == [404] * 10
    assert blocked.status_code == 429           # ten tries at one code across two processes
    assert stored_keys and all("CCCC" not in key for key in stored_keys)


def test_starting_chats_from_one_place_is_limited_per_hour(sqlite_url, clock, monkeypatch):
    from screening.app.web_chat import limits
    monkeypatch.setattr(limits, "STARTS_PER_ADDRESS", (3, 60 * 60))
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        started = [httpx.post(f"{base}/chat/api/conversations", json={}).status_code for _ in range(4)]
        refused = httpx.post(f"{base}/chat/api/conversations", json={})
        clock.now += timedelta(hours=1)
        later = httpx.post(f"{base}/chat/api/conversations", json={})
    assert started == [201, 201, 201, 429]
    assert refused.json() == {"error": "Many chats were started from this place in the last hour. "
                                       "Please try again a little later."}
    assert later.status_code == 201
    assert len(conversation_rows(sqlite_url)) == 4        # refused starts store nothing


def test_a_flood_of_messages_in_one_chat_is_slowed_not_stored(sqlite_url, clock, monkeypatch):
    from screening.app.web_chat import limits
    monkeypatch.setattr(limits, "MESSAGES_PER_CONVERSATION", (5, 10 * 60))
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        person = ChatPerson(base)
        statuses = [person.say(f"message {n}").status_code for n in range(6)]
        refused = person.say("one more")
        clock.now += timedelta(minutes=10)
        later = person.say("yes")
    assert statuses == [200] * 5 + [429]
    assert refused.json()["error"].startswith("That was a lot of messages at once.")
    assert later.status_code == 200
    repository = make_repository(sqlite_url)
    with repository.transaction() as unit:
        stored = unit.conn.execute(select(func.count()).select_from(m.messages)
                                   .where(m.messages.c.direction == "in")).scalar()
    repository.engine.dispose()
    assert stored == 1 + 5 + 1           # the opening, five messages, and the one after the wait


class DownFor:
    """The dialogue unavailable for its first `times` messages (Rasa restarting), then back."""

    def __init__(self, inner, times: int):
        self.inner, self.left = inner, times

    async def send(self, *, sender, text, message_id, channel):
        if self.left and message_id.endswith("while-down"):
            self.left -= 1
            raise DialogueUnavailable("test: restarting")
        return await self.inner.send(sender=sender, text=text, message_id=message_id, channel=channel)

    async def close(self):
        await self.inner.close()


def test_tries_again_while_the_assistant_restarts_do_not_use_up_the_message_allowance(sqlite_url, clock,
                                                                                      monkeypatch):
    from screening.app.web_chat import limits
    monkeypatch.setattr(limits, "MESSAGES_PER_CONVERSATION", (5, 10 * 60))
    inner = EngineDialogue(ScreeningEngine(make_repository(sqlite_url), clock=clock))
    with serve(create_app(app_settings(sqlite_url), dialogue=DownFor(inner, 8), clock=clock)) as base:
        person = ChatPerson(base)
        tries = [person.say("yes", message_id="m-while-down").status_code for _ in range(9)]
        answered = [person.say(text).status_code for text in ("1", "skip", "1", "1")]
        flood = person.say("1")
    assert tries == [503] * 8 + [200]          # eight tries while it was down, then answered
    assert answered == [200] * 4               # five answered messages in all: the allowance
    assert flood.status_code == 429


class OpeningDownFor(DownFor):
    async def send(self, *, sender, text, message_id, channel):
        if self.left and message_id.endswith(":opening"):
            self.left -= 1
            raise DialogueUnavailable("test: restarting")
        return await self.inner.send(sender=sender, text=text, message_id=message_id, channel=channel)


def test_starts_the_assistant_could_not_answer_do_not_use_up_the_address_allowance(sqlite_url, clock, monkeypatch):
    from screening.app.web_chat import limits
    monkeypatch.setattr(limits, "STARTS_PER_ADDRESS", (3, 60 * 60))
    inner = EngineDialogue(ScreeningEngine(make_repository(sqlite_url), clock=clock))
    with serve(create_app(app_settings(sqlite_url), dialogue=OpeningDownFor(inner, 5), clock=clock)) as base:
        statuses = [httpx.post(f"{base}/chat/api/conversations", json={}).status_code for _ in range(9)]
    assert statuses == [503] * 5 + [201] * 3 + [429]     # five Start presses while it restarted, then three chats

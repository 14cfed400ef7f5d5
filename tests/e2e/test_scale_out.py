"""Two Rasa processes behind a 'load balancer', one PostgreSQL, one Redis lock store.

Every message of a conversation goes to the other Rasa process than the one
before, and two messages from one person race to both at once: nothing may be
lost, doubled or reordered.
"""
from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from screening.stack import Stack, endpoints_for, model_path, stack_env

from ..conftest import AUDIT_KEY, ENCRYPTION_KEY, REDIS_URL, SECRET_KEY, service_missing
from .conftest import free_port
from .test_rasa_stack import CONVERSATION, check_stored, completion_code, export, record_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        service_missing("Redis at 127.0.0.1:6379", exc.__class__.__name__)
    yield client
    client.close()


@pytest.fixture(scope="module")
def two_rasa_processes(tmp_path_factory, postgres_database_url, redis_client):
    if not model_path().exists():
        pytest.fail("no trained model: `make test` trains one first (make train)", pytrace=False)
    workdir = tmp_path_factory.mktemp("scale")
    env = stack_env(postgres_database_url, workdir / "unused-tracker.db", action_port=free_port())
    env.update({"ENCRYPTION_KEY": ENCRYPTION_KEY, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY})
    prefix = "scale" + uuid.uuid4().hex[:8]
    stack = Stack(env, workdir / "log", rasa_port=free_port(), action_port=int(env["ACTION_SERVER_PORT"]),
                  extra_rasa_ports=(free_port(),),
                  endpoints=endpoints_for(env, workdir / "log", REDIS_URL, key_prefix=prefix))
    stack.start()
    yield stack
    stack.stop()


def say(client: httpx.Client, webhook: str, sender: str, message: str, message_id: str) -> str:
    response = client.post(webhook, json={"sender": sender, "message": message, "message_id": message_id,
                                          "metadata": {"channel": "test"}})
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text", "") for m in response.json())


def test_concurrent_screenings_across_two_rasa_processes_lose_and_reorder_nothing(
        two_rasa_processes, postgres_database_url, redis_client):
    stack = two_rasa_processes
    webhooks = stack.webhooks
    summaries: dict[str, str] = {}
    errors: list[BaseException] = []

    def person(n: int) -> None:
        sender = f"scale-person-{n}"
        try:
            with httpx.Client(timeout=120, headers=stack.headers) as client:
                reply = ""
                for turn, (message, _) in enumerate(CONVERSATION):
                    # Each message to the other process than the one before.
                    reply = say(client, webhooks[(n + turn) % 2], sender, message, f"{sender}-{turn}")
                summaries[sender] = reply
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    records = export(postgres_database_url)
    for sender, summary in summaries.items():
        assert "You finished" in summary
        check_stored(record_for(records, completion_code(summary)))

    # Both processes used the Redis lock store.
    db = int(REDIS_URL.rsplit("/", 1)[-1])
    clients = [c for c in redis_client.client_list() if int(c.get("db", -1)) == db]
    assert len(clients) >= 2


def test_two_messages_from_one_person_racing_to_both_processes_are_handled_once_each(
        two_rasa_processes, postgres_database_url):
    stack = two_rasa_processes
    sender = "racing-scale-person"
    with httpx.Client(timeout=120, headers=stack.headers) as client:
        for turn, message in enumerate(["hi", "yes", "1", "skip", "skip"]):
            say(client, stack.webhooks[turn % 2], sender, message, f"{sender}-{turn}")
        barrier = threading.Barrier(2)
        replies = {}

        def send(n):
            with httpx.Client(timeout=120, headers=stack.headers) as own:
                barrier.wait()
                replies[n] = say(own, stack.webhooks[n], sender, "skip", f"{sender}-race-{n}")

        racers = [threading.Thread(target=send, args=(n,)) for n in (0, 1)]
        for t in racers:
            t.start()
        for t in racers:
            t.join()
    assert len(replies) == 2
    [record] = [r for r in export(postgres_database_url) if r["started_at"] and
                set(r["answers"]) == {"ahc_1", "ahc_2"}]
    assert record["answers"]["ahc_1"]["skipped"] and record["answers"]["ahc_2"]["skipped"]
    assert all(a["times_changed"] == 0 for a in record["answers"].values())

"""The SMS gateway under load: webhook ack latency, and what a completed screening costs.

The real app (uvicorn, in its own process, the core's dialogue in-process, SQLite by
default) receives signed Twilio webhooks; a local fake of Twilio's Messages API (in
this process) records what is sent.

1. Conversations: 50 people text at once, each waiting for the reply before the next
   message, as a person would. Half answer the whole screening (tests/app/sms/
   test_end_to_end.py's script), half reply SKIP to everything. Every webhook POST
   is timed (time to the empty-TwiML ack). Per completed screening: outbound
   messages, billed segments, and turns (messages the person sent) to the code.
2. Burst: 50 senders post 20 messages each with no pause (1,000 posts), while the
   worker is busy answering them: ack latency under a pile-up.

Run: .venv/bin/python bench/sms_gateway.py [--database-url URL]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from screening.records import migrate  # noqa: E402
from screening.records.sms_tables import sms_conversations, sms_inbox, sms_outbox  # noqa: E402
from tests.app.conftest import free_port, serve  # noqa: E402
from tests.app.sms.conftest import FakeTwilio, PUBLIC_BASE_URL, inbound_form, signature_for, sms_settings  # noqa: E402
from tests.app.sms.test_end_to_end import SCREENING_BY_SMS  # noqa: E402
from tests.conftest import make_repository  # noqa: E402

SENDERS = 50
BURST_MESSAGES = 20
RESULTS = ROOT / "bench" / "results" / "sms_gateway.json"


def run_app(settings, port: int) -> None:
    import uvicorn

    from screening.app.dialogue_client import EngineDialogue
    from screening.app.main import create_app
    from screening.dialogue.engine import ScreeningEngine

    dialogue = EngineDialogue(ScreeningEngine(make_repository(settings.database_url)))
    uvicorn.run(create_app(settings, dialogue=dialogue), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, ws="none")


def wait_for_health(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)      # start-up only, not a measurement
    raise RuntimeError("the app did not start")


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Sender:
    def __init__(self, n: int, base: str, fake: FakeTwilio, repository, latencies: list):
        self.phone = f"+1617555{n:04d}"
        self.base, self.fake, self.repository, self.latencies = base, fake, repository, latencies
        self.turns = 0
        self.completed = False

    def post(self, client: httpx.Client, text: str, sid: str) -> None:
        form = inbound_form(text, sid, self.phone)
        headers = {"X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)}
        started = time.perf_counter()
        response = client.post("/sms/twilio", data=form, headers=headers)
        self.latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()

    def answered(self, sid: str, received: int) -> bool:
        """The message is handled and all its replies reached the phone."""
        with self.repository.transaction() as unit:
            row = unit.conn.execute(select(sms_inbox.c.id, sms_inbox.c.status)
                                    .where(sms_inbox.c.message_sid == sid)).one()
            replies = unit.conn.execute(select(func.count()).select_from(sms_outbox)
                                        .where(sms_outbox.c.inbox_id == row.id)).scalar()
        return row.status == "done" and replies == received

    def text(self, client: httpx.Client, text: str) -> str:
        sid = f"SM{self.phone[1:]}{self.turns:04d}".ljust(34, "0")
        before = len(self.fake.bodies(self.phone))
        self.post(client, text, sid)
        self.turns += 1
        seen = [before]

        def replied() -> bool:
            count = len(self.fake.bodies(self.phone))
            if count == seen[0]:
                return False
            seen[0] = count
            return self.answered(sid, count - before)

        if not self.fake.wait_until(replied, timeout=120):
            raise RuntimeError("no reply within 120 s")
        return "\n".join(self.fake.bodies(self.phone)[before:])

    def converse(self, script: list[str] | None) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            texts = iter(script) if script else iter(["hi", "yes", "1"] + ["skip"] * 80)
            for text in texts:
                if "completion code" in self.text(client, text):
                    self.completed = True
                    return


async def burst(base: str, latencies: list) -> None:
    async def sender(n: int, client: httpx.AsyncClient):
        phone = f"+1508555{n:04d}"
        for m in range(BURST_MESSAGES):
            form = inbound_form("hi" if m == 0 else "skip", f"SMburst{n:04d}{m:04d}".ljust(34, "0"), phone)
            headers = {"X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)}
            started = time.perf_counter()
            (await client.post("/sms/twilio", data=form, headers=headers)).raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=SENDERS + 5)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(*(sender(n, client) for n in range(SENDERS)))


def costs(repository, senders: list[Sender]) -> dict:
    from screening.app.sms.store import SmsStore

    store = SmsStore(repository)
    with repository.transaction() as unit:
        rows = unit.conn.execute(
            select(sms_conversations.c.phone_hash, func.count(), func.sum(sms_outbox.c.segments))
            .join(sms_outbox, sms_outbox.c.conversation_id == sms_conversations.c.id)
            .where(sms_outbox.c.status == "sent").group_by(sms_conversations.c.phone_hash)).all()
    by_hash = {h: (n, s) for h, n, s in rows}
    report = {}
    for name, group in (("answers everything", senders[0::2]), ("skips everything", senders[1::2])):
        done = [s for s in group if s.completed]
        messages = [by_hash[store.phone_hash(s.phone)][0] for s in done]
        segments = [by_hash[store.phone_hash(s.phone)][1] for s in done]
        report[name] = {"completed": len(done), "of": len(group),
                        "messages_median": statistics.median(messages), "segments_median": statistics.median(segments),
                        "turns_median": statistics.median(s.turns for s in done)}
    everyone = [s for s in senders if s.completed]
    report["all"] = {"turns_median": statistics.median(s.turns for s in everyone),
                     "messages_median": statistics.median(by_hash[store.phone_hash(s.phone)][0] for s in everyone),
                     "segments_median": statistics.median(by_hash[store.phone_hash(s.phone)][1] for s in everyone)}
    return report


def summary(latencies: list[float]) -> dict:
    return {"posts": len(latencies), "p50_ms": round(percentile(latencies, 0.50), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        fake = FakeTwilio()
        with serve(fake.app) as fake_base:
            fake.base_url = fake_base
            settings = sms_settings(url, fake)
            port = free_port()
            app = multiprocessing.get_context("spawn").Process(target=run_app, args=(settings, port), daemon=True)
            app.start()
            base = f"http://127.0.0.1:{port}"
            try:
                wait_for_health(base)
                repository = make_repository(url)
                conversation_latencies: list[float] = []
                senders = [Sender(n, base, fake, repository, conversation_latencies) for n in range(SENDERS)]
                script = [text for text, _ in SCREENING_BY_SMS]
                threads = [threading.Thread(target=s.converse, args=(script if n % 2 == 0 else None,))
                           for n, s in enumerate(senders)]
                started = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                conversation_seconds = time.perf_counter() - started
                burst_latencies: list[float] = []
                asyncio.run(burst(base, burst_latencies))
                result = {
                    "senders": SENDERS, "database": url.split(":", 1)[0],
                    "conversations": {**summary(conversation_latencies), "wall_s": round(conversation_seconds, 1),
                                      "turns_per_s": round(len(conversation_latencies) / conversation_seconds, 1)},
                    "burst": summary(burst_latencies),
                    "per_completed_screening": costs(repository, senders),
                }
                repository.engine.dispose()
            finally:
                app.terminate()
                app.join(10)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

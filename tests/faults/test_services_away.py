"""The services the stack leans on go away for a while, mid-screening, and come back:
PostgreSQL (a TCP proxy the test stops and starts: every connection is cut, new ones are
refused, as in a restart), Twilio's API (429s, 500s, and requests that get no answer, some
of them accepted), and Redis (Rasa's lock store and the app's counters, behind a proxy too).

The action server and Rasa run as processes on PostgreSQL through the proxy; the app runs in
this process with a clock the test moves (retries are due by that clock), in front of them.
Each time one person texts and one chats, and each must end as a person who met no fault
did: stored messages and answers equal, every reply once and in order, never a 500.
"""
from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import replace
from datetime import timedelta

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from screening.app.dialogue_client import RasaDialogue
from screening.app.main import create_app
from screening.records.sms_tables import sms_inbox
from screening.stack import Stack, endpoints_for, model_path, stack_env

from ..app.conftest import app_settings, serve
from ..app.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PUBLIC_BASE_URL, FakeTwilio
from ..conftest import AUDIT_KEY, ENCRYPTION_KEY, REDIS_URL, SECRET_KEY, Clock, make_repository, \
    scratch_postgres_database, service_missing
from ..e2e.conftest import free_port
from .people import SmsPerson, WebPerson, poll, stored_for, without_codes
from .proxy import TcpProxy

pytestmark = pytest.mark.postgres
CLIENT_TIMEOUT_SECONDS = 10.0       # TwilioMessagesApi's own


class FlakyTwilio(FakeTwilio):
    """The fake Twilio, which can also fail the next requests: "429", "500", "hang" (no answer
    until the client gives up, nothing accepted) or "accept_hang" (accepted, then no answer)."""

    def __init__(self):
        super().__init__()
        self.faults: list[str] = []
        self.faults_served = 0

    async def create(self, request):
        if self.faults and self._authorized(request):
            fault = self.faults.pop(0)
            self.faults_served += 1
            if fault in ("429", "500"):
                self.refuse_next(1, int(fault), retry_after=1 if fault == "429" else None)
            elif fault == "accept_hang":
                answer = await super().create(request)      # recorded as sent ...
                await asyncio.sleep(CLIENT_TIMEOUT_SECONDS + 2)   # ... but the answer never arrives in time
                return answer
            elif fault == "hang":
                await asyncio.sleep(CLIENT_TIMEOUT_SECONDS + 2)
                return await super().list(request)              # too late, and not a send
        return await super().create(request)


def _redis_up() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        service_missing("Redis at 127.0.0.1:6379", exc.__class__.__name__)


class World:
    def __init__(self, stack, clock, fake, app_url, direct_url, pg, redis_proxy):
        self.stack, self.clock, self.fake, self.app_url = stack, clock, fake, app_url
        self.repository = make_repository(direct_url)          # the test reads past the proxy
        self.pg, self.redis = pg, redis_proxy
        self.messages = 0
        self.changed = threading.Condition()

    def tick(self) -> None:
        """Half a second of the app's time per poll: retries fall due, nothing in flight goes stale."""
        self.clock.now += timedelta(seconds=0.5)

    def sent_one(self) -> None:
        with self.changed:
            self.messages += 1
            self.changed.notify_all()

    def people(self, tag: str, web: bool = True):
        sms = SmsPerson(f"{tag}-sms", f"+1617556{uuid.uuid4().int % 10000:04d}", lambda: self.app_url,
                        self.fake, self.repository, self.sent_one, self.tick)
        persons = [sms] + ([WebPerson(f"{tag}-web", lambda: self.app_url, self.repository, self.sent_one,
                                      self.tick)] if web else [])
        return persons

    def screen(self, persons, fault=None):
        """Everyone screens at once; `fault` runs beside them (it waits on `self.messages`)."""
        with ThreadPoolExecutor(len(persons) + 1) as pool:
            futures = [pool.submit(p.screen) for p in persons]
            side = pool.submit(fault) if fault else None
            for future in futures:
                future.result()
            return side.result() if side else None

    def after_messages(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.messages >= count, timeout=300)

    def readiness(self) -> httpx.Response:
        return httpx.get(f"{self.app_url}/readyz", timeout=20)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    assert model_path().exists(), "no trained model: make train"
    _redis_up()
    with scratch_postgres_database("faults") as direct_url:
        from screening.records import migrate

        migrate.upgrade(direct_url)
        pg, redis_proxy = TcpProxy(5432), TcpProxy(6379)
        pg.start(), redis_proxy.start()
        through_pg = pg.url_for(direct_url, 5432)
        through_redis = redis_proxy.url_for(REDIS_URL, 6379)
        workdir = tmp_path_factory.mktemp("services")
        env = stack_env(through_pg, workdir / "tracker.db", action_port=free_port())
        env.update({"ENCRYPTION_KEY": ENCRYPTION_KEY, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY})
        stack = Stack(env, workdir / "log", rasa_port=free_port(), action_port=int(env["ACTION_SERVER_PORT"]),
                      endpoints=endpoints_for(env, workdir / "log", through_redis,
                                              key_prefix=f"faults{uuid.uuid4().hex[:8]}"))
        stack.start()
        fake, clock = FlakyTwilio(), Clock()
        try:
            with serve(fake.app) as twilio_url:
                settings = replace(app_settings(through_pg), redis_url=through_redis, public_base_url=PUBLIC_BASE_URL,
                                   twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                                   twilio_from_number=OUR_NUMBER, twilio_api_base_url=twilio_url,
                                   rasa_url=f"http://127.0.0.1:{stack.rasa_port}",
                                   internal_token=env["INTERNAL_TOKEN"])
                app = create_app(settings, clock=clock,
                                 dialogue=RasaDialogue(settings.rasa_url, settings.internal_token))
                with serve(app) as app_url:
                    world = World(stack, clock, fake, app_url, direct_url, pg, redis_proxy)
                    world.control = world.people("control")
                    world.screen(world.control)
                    yield world
                    world.repository.engine.dispose()
        finally:
            stack.stop()
            pg.stop(), redis_proxy.stop()


def assert_like_control(world, persons) -> None:
    for person in persons:
        control = world.control[0] if hasattr(person, "phone") else world.control[1]
        phone = getattr(person, "phone", None)
        mine = stored_for(world.repository, "sms" if phone else "web", person.sender, phone)
        theirs = stored_for(world.repository, "sms" if phone else "web", control.sender,
                            getattr(control, "phone", None))
        assert person.finished and person.server_errors == [], (person.name, person.server_errors)
        assert mine.incoming == theirs.incoming and mine.answers == theirs.answers, person.name
        assert without_codes(person.replies, mine.completion_code) == \
            without_codes(control.replies, theirs.completion_code), person.name
        if phone:
            assert world.fake.bodies(phone) == mine.outgoing_sms, person.name
            assert len(set(mine.twilio_sids)) == len(mine.twilio_sids) and None not in mine.twilio_sids


def test_postgresql_then_redis_then_twilio_away_for_a_while_mid_screening(world):
    """One person texting and one chatting meet each fault in turn, each held until it is felt."""
    persons = world.people("faults")
    sms, web = persons
    seen = {}

    def felt(times: int):
        """Until the chat was told "try again" `times` times, or a text was tried `times` times."""
        before = web.retries

        def texts_tried() -> int:
            with world.repository.transaction() as unit:
                return unit.conn.execute(select(func.max(sms_inbox.c.attempts))
                                         .where(sms_inbox.c.status == "pending")).scalar() or 0

        return poll(lambda: web.retries >= before + times or texts_tried() >= times, timeout=120,
                    between=world.tick)

    def away(proxy, name: str) -> None:
        proxy.stop()                # connections cut, new ones refused, as in a restart
        try:
            seen[f"felt without {name}"] = felt(5)
            seen[f"readyz without {name}"] = world.readiness()
        finally:
            proxy.start()

    def faults():
        world.after_messages(world.messages + 4)
        away(world.pg, "the database")
        world.after_messages(world.messages + 4)
        away(world.redis, "redis")                       # Rasa's lock store and the app's counters
        world.after_messages(world.messages + 2)
        world.fake.faults += ["429"] * 4 + ["500"] * 4 + ["accept_hang", "hang"]
        assert poll(lambda: not world.fake.faults, timeout=240, between=world.tick)

    world.screen(persons, faults)
    assert seen["felt without the database"] and seen["felt without redis"]
    without_db, without_redis = seen["readyz without the database"], seen["readyz without redis"]
    assert without_db.status_code == 503
    assert without_db.json() == {"status": "not ready", "reason": "the database is not reachable"}
    assert without_redis.status_code == 503
    assert without_redis.json() == {"status": "not ready", "reason": "the lock store (Redis) is not answering"}
    assert world.fake.faults_served == 10
    # Nothing lost, nothing doubled (the accepted-but-unanswered text was not sent again), never a 500.
    assert_like_control(world, persons)
    assert world.readiness().status_code == 200
    print(f"\nservices away: {sms.retries} webhook posts and {web.retries} chat messages sent again; "
          f"{len(sms.sent) + len(web.sent)} messages, 0 lost, 0 doubled")

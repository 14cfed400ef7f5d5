"""kill -9 the action server, Rasa and the app at random (seeded) points while people screen
by text and in the web chat through the real endpoints, with the processes kept running by
the same supervisor `make run` uses. Then, for each person: the stored messages are exactly
what they sent, in order; their stored answers equal those of a person who screened the same
way with nothing killed; every reply reached them once, in order (none lost, none twice).

`make test` runs a short round (FAULT_KILLS=6); `make soak` runs FAULT_KILLS=100 or more.
FAULT_SEED picks the kill points and targets, so a run is reproducible from its seed.
"""
from __future__ import annotations

import itertools
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..conftest import make_repository
from .people import SmsPerson, WebPerson, poll, stored_for, without_codes
from .stack import supervised_stack

SEED = int(os.environ.get("FAULT_SEED", "20261202"))
KILLS = int(os.environ.get("FAULT_KILLS", "6"))
PEOPLE = int(os.environ.get("FAULT_PEOPLE", "4"))               # per round, half by text, half on the web
GAP = tuple(int(n) for n in os.environ.get("FAULT_GAP", "8,24").split(","))   # messages between kills
# Rasa takes longest to come back; the soak weights it less so 100 kills fit in half an hour.
PHONES = itertools.count(2000)
WEIGHTS = {"actions": 2, "rasa": 1, "app": 2} if KILLS > 12 else {"actions": 1, "rasa": 1, "app": 1}


class Killer:
    """Kills the next target once the people together have sent the next drawn number of messages."""

    def __init__(self, running, rng: random.Random, kills: int):
        self.running, self.rng, self.left = running, rng, kills
        self.messages = 0
        self.changed = threading.Condition()
        self.log: list[tuple[int, str]] = []
        self.plan = self._draw(0)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _draw(self, after: int) -> tuple[int, str]:
        names = list(WEIGHTS)
        target = self.rng.choices(names, weights=[WEIGHTS[n] for n in names])[0]
        return after + self.rng.randint(*GAP), target

    def sent_one(self) -> None:
        with self.changed:
            self.messages += 1
            self.changed.notify_all()

    def _run(self) -> None:
        while self.left and not self.done.is_set():
            at, target = self.plan
            with self.changed:
                if not self.changed.wait_for(lambda: self.messages >= at or self.done.is_set(), timeout=600):
                    continue
            if self.done.is_set():
                return
            # A process still starting (restarted after the last kill) is killed mid-load too.
            if poll(lambda: self.running.kill(target), timeout=120, every=0.05):
                self.log.append((self.messages, target))
                self.left -= 1
            self.plan = self._draw(self.messages)

    def stop(self) -> None:
        self.done.set()
        with self.changed:
            self.changed.notify_all()
        self.thread.join(10)


def run_round(running, repository, tag: str, people: int, killer: Killer | None):
    on_message = killer.sent_one if killer else (lambda: None)
    persons = []
    for n in range(people):
        if n % 2 == 0:
            persons.append(SmsPerson(f"{tag}-sms{n}", f"+1617555{next(PHONES):04d}",
                                     lambda: running.app_url, running.fake, repository, on_message))
        else:
            persons.append(WebPerson(f"{tag}-web{n}", lambda: running.app_url, repository, on_message))
    with ThreadPoolExecutor(len(persons)) as pool:
        for future in [pool.submit(p.screen) for p in persons]:
            future.result()
    return persons


def check_against(person, control, repository, running) -> None:
    phone = getattr(person, "phone", None)
    mine = stored_for(repository, "sms" if phone else "web", person.sender, phone)
    theirs = stored_for(repository, "sms" if phone else "web", control.sender, getattr(control, "phone", None))
    assert person.finished, f"{person.name} did not finish"
    assert person.server_errors == [], f"{person.name} got {person.server_errors}"
    # What they sent was stored once each, in order; their answers are the control person's.
    assert mine.incoming == theirs.incoming, person.name
    assert mine.answers == theirs.answers, person.name
    # Every reply reached them once and in order: the same replies as the control person's.
    assert without_codes(person.replies, mine.completion_code) == \
        without_codes(control.replies, theirs.completion_code), person.name
    assert mine.completion_code and mine.completion_code in person.replies[-1]
    if phone:
        received = running.fake.bodies(phone)
        assert received == mine.outgoing_sms, f"{person.name}: sent {len(received)}, queued {len(mine.outgoing_sms)}"
        assert None not in mine.twilio_sids and len(set(mine.twilio_sids)) == len(mine.twilio_sids)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'screening.db'}"
    with supervised_stack(tmp_path_factory, url) as stack:
        yield stack


def test_readyz_says_not_ready_while_the_action_server_or_rasa_is_down_and_ready_once_back(running):
    import httpx

    def readiness():
        try:
            response = httpx.get(f"{running.app_url}/readyz", timeout=10)
        except httpx.HTTPError:
            return None
        return response.status_code, response.json()

    # The stack came up although its action server was killed while loading (the case).
    assert len(running.killed_while_loading) == 1 and running.supervisor.restarts["actions"] == 1
    assert readiness() == (200, {"status": "ready"})
    for name, reason in (("actions", "the action server is not answering"),
                         ("rasa", "the dialogue server (Rasa) is not answering")):
        assert running.kill(name)
        # Seen before the supervisor has it back (its first delay is a second, a start several).
        assert poll(lambda: readiness() == (503, {"status": "not ready", "reason": reason}), timeout=30,
                    every=0.05), readiness()
        assert poll(lambda: readiness() == (200, {"status": "ready"}), timeout=180), readiness()
    assert readiness() == (200, {"status": "ready"}) and httpx.get(f"{running.app_url}/healthz").status_code == 200


# A Rasa restart costs about 20 s; the soak's 100 kills need far more than the default 10 minutes.
@pytest.mark.timeout(max(600, KILLS * 40))
def test_people_screening_while_processes_are_killed_lose_nothing_and_get_nothing_twice(running):
    repository = make_repository(running.stack.env["DATABASE_URL"])
    rng = random.Random(SEED)
    sms_control, web_control = run_round(running, repository, "control", 2, None)
    assert sms_control.finished and web_control.finished
    assert stored_for(repository, "sms", sms_control.sender, sms_control.phone).incoming == sms_control.sent

    running.kills = dict.fromkeys(running.kills, 0)            # this test's kills only
    restarts_before = dict(running.supervisor.restarts)
    killer = Killer(running, rng, KILLS)
    rounds, checked, retries = 0, 0, 0
    try:
        while killer.left:
            rounds += 1
            for person in run_round(running, repository, f"r{rounds}", PEOPLE, killer):
                check_against(person, sms_control if hasattr(person, "phone") else web_control,
                              repository, running)
                checked += 1
                retries += person.retries
    finally:
        killer.stop()
    restarts = {name: n - restarts_before[name] for name, n in running.supervisor.restarts.items()}
    print(f"\nfaults: seed {SEED}, {sum(running.kills.values())} kills {running.kills}, restarts "
          f"{restarts}, {rounds} rounds, {checked} people checked, {killer.messages} messages sent, "
          f"{retries} sent again after no answer or a 503, 0 lost, 0 doubled, "
          f"kill points (messages sent, target): {killer.log}")
    assert sum(running.kills.values()) >= KILLS
    # Ctrl-C / SIGTERM still stops everything: every process the supervisor ran is gone.
    pids = running.close()
    assert all(not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
               for pid in pids)
    repository.engine.dispose()

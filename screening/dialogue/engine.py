"""One turn of the screening conversation.

`ScreeningEngine.handle(incoming)` takes what a person sent, works out what it
means where they are in the screening, stores it, and returns the replies.
Everything happens in one database transaction: a turn is stored whole or not
at all. A message that arrives again with the same message key gets the stored
replies back and changes nothing, so retries after a crash never double an
answer.

How a message is read, in order:
  1. danger (`screening.crisis`, every language whatever the screening's language): an
     imminent crisis interrupts everything with the right help for its kind and asks "are
     you safe right now?"; a possible one gets that gentle question alone. Until the person
     says they are safe and want to go on, the conversation stays in support (see
     `Turn.support`); the rest of their message is kept and used when they go on;
  2. a clear command (skip, why, back, pause, stop, help, person, "is this a bot?", language),
     before the NLU model's intent, so "is this a real person?" is never a request for a person;
  3. the answer the current step expects (an option, a date, a town, needs);
  4. the NLU model's intent, when it is confident;
  5. otherwise one kind clarifying question, then an offer to skip.
"""
from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError, OperationalError

from .. import interpret, need_words, reminders, start_keywords
from ..clock import utc_now
from ..crisis import CrisisReading, read_crisis, read_safety_reply
from ..config import DEFAULT_PUBLIC_BASE_URL
from ..citation_date import parse_citation_date
from ..instrument import Instrument, Item, default_instrument
from ..interpret import OptionChoice
from ..language_id import guess_language
from ..languages import ALL as ALL_LANGUAGES, LANGUAGE_COMMANDS, SMS_FOLDS_ACCENTS
from ..location import resolve_location
from ..needs import NEED_CATEGORIES
from ..program import Program, load_program
from ..records.repository import DuplicateTurn, Repository, ScreeningRow, Unit
from ..records.sms_tables import phone_hash_of
from ..scoring import positive_needs, score_all
from ..sms_text import WEB_CHAT_LINK
from ..text_normalize import MAX_MESSAGE_CHARS, clean_message
from . import plan
from .catalog import LANGUAGES, Catalog
from .reading import command_from_intent, option_named_over_command, read_item_answer, yes_or_no
from .replies import Choice, Reply
from .directory_referrals import DirectoryReferrals
from .reminder_words import finish_by
from .summary import ReferralSource, referral_lines, summary_needs, summary_replies

PROGRAM_TIMEZONE = ZoneInfo("America/New_York")
# One clock: the deadline is 45 days from the date on the ticket (see Turn.closing_day).
DEADLINE_DAYS = reminders.DEADLINE_DAYS

# The numbered language menu: every language, each in its own name.
LANGUAGE_OPTIONS = tuple((language.code, language.own_name) for language in ALL_LANGUAGES)
CONTACT_OPTIONS = ("text", "call", "email", "none")
AFTER_SUMMARY_COMMANDS = {"more", "town"}
# Steps the person cannot go back to with BACK.
NOT_REVISITED = {"consent", "reminders", "language"}
REMINDER_COMMANDS = ("reminders_on", "reminders_off")
# The check-in a week after completion: "1 Yes 2 No 3 I need other help".
CHECK_IN_ANSWERS = (
    ("reached", 1, ("yes", "si", "sí", "i did", "i reached them", "i was able to", "pude", "sí pude")),
    ("not_reached", 2, ("no", "i could not", "i couldn't", "no pude", "not yet", "todavía no")),
    ("other_help", 3, ("i need other help", "other help", "need other help", "something else",
                       "necesito otra ayuda", "otra ayuda", "otra cosa")),
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Incoming:
    channel: str                  # "rest", "sms", "web", "test"
    sender_id: str                # the channel's id for the person (never stored in clear)
    text: str
    message_key: str | None = None   # the channel's message id: the same key is processed once
    intent: str | None = None        # the NLU model's reading, a hint only
    confidence: float = 0.0


class ScreeningEngine:
    def __init__(self, repository: Repository, *, instrument: Instrument | None = None,
                 catalog: Catalog | None = None, referrals: ReferralSource | None = None,
                 clock: Callable[[], datetime] = utc_now, web_chat_url: str | None = None,
                 program: Program | None = None, verify_url: str | None = None):
        self.repository = repository
        # Offered by SMS before the first sensitive part; without it the SMS gateway fills the link in.
        self.web_chat_url = web_chat_url or WEB_CHAT_LINK
        # Who runs the screening and how (PROGRAM_* settings): its name, mode, staff hours, retention.
        self.program = program or load_program()
        # The public page where a person or a court clerk checks a completion code.
        self.verify_url = verify_url or (
            (os.environ.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL).rstrip("/") + "/verify")
        self.instrument = instrument or default_instrument()
        self.catalog = catalog or Catalog(self.program)
        self.referrals = referrals or DirectoryReferrals(self.catalog)
        self.clock = clock

    def handle(self, incoming: Incoming) -> list[Reply]:
        now = self.clock()
        message_key = incoming.message_key or f"generated:{uuid.uuid4()}"
        conflict: Exception | None = None
        for _ in range(3):
            try:
                with self.repository.transaction() as unit:
                    participant = unit.participant_id(incoming.channel, incoming.sender_id, now)
                    stored = unit.stored_replies(participant, message_key)
                    if stored is not None:
                        return [Reply.from_dict(r) for r in stored]
                    turn = Turn(self, unit, participant, incoming, now)
                    replies = turn.sms_folding(turn.run())
                    turn.save(message_key, replies)
                    return replies
            except DuplicateTurn:
                continue  # another process stored this message first: read its replies
            except (IntegrityError, OperationalError) as exc:
                # Two first messages from one person created them twice, or the
                # database chose this turn to give way in a lock conflict: try again.
                conflict = exc
        raise conflict or RuntimeError("a turn could not be stored")


class Turn:
    """One message being handled: the screening, what it holds, and the replies so far."""

    def __init__(self, engine: ScreeningEngine, unit: Unit, participant_id: str, incoming: Incoming,
                 now: datetime):
        self.engine = engine
        self.instrument = engine.instrument
        self.catalog = engine.catalog
        self.unit = unit
        self.participant_id = participant_id
        self.incoming = incoming
        self.now = now
        self.raw_text = incoming.text or ""
        self.text = clean_message(self.raw_text)
        self.said = self.text         # what the person sent (self.text may become a kept answer)
        self.replies: list[Reply] = []
        self.row: ScreeningRow | None = unit.latest_screening(participant_id)
        self.answers = unit.current_answers(self.row.id) if self.row else {}
        self.needs: list[str] = list(unit.needs(self.row.id)) if self.row else []

    # ---------------------------------------------------------------- basics
    @property
    def lang(self) -> str:
        return self.row.language if self.row else "en"

    @property
    def state(self) -> dict:
        return self.row.state

    @property
    def today(self) -> date:
        return self.now.replace(tzinfo=timezone.utc).astimezone(PROGRAM_TIMEZONE).date()

    def say(self, key: str, *, choices=(), footer: str = "", **values) -> None:
        self.replies.append(Reply(self.catalog.say(self.lang, key, **values), tuple(choices), footer))

    def option_sets(self) -> dict[str, tuple[str, ...]]:
        return {item_id: a.option_ids for item_id, a in self.answers.items()}

    def path(self) -> list[str]:
        return plan.steps(
            self.instrument, needs=self.needs, answers=self.option_sets(), state=self.state,
            ask_language=not self.state.get("language_chosen_early"),
            ask_contact_detail=bool(self.state.get("ask_contact_detail")),
            ask_citation=self.engine.program.has_deadline, ask_reminders=self.row.channel == "sms")

    def save(self, message_key: str, replies: list[Reply]) -> None:
        self.row.updated_at = self.now
        self.unit.save_screening(self.row)
        self.keep_reminders_true()
        turn_id = self.unit.save_turn(self.participant_id, message_key, self.row.id,
                                      [r.as_dict() for r in replies], self.now)
        channel = self.incoming.channel
        self.unit.add_message(self.row.id, turn_id, "in", channel, self.said, self.now)
        for reply in replies:
            self.unit.add_message(self.row.id, turn_id, "out", channel, reply.for_channel(channel), self.now)

    def sms_folding(self, replies: list[Reply]) -> list[Reply]:
        """By SMS in a language that reads well without accents GSM-7 lacks, every reply but
        validated item wording is marked to go GSM-7 (see Reply.for_channel)."""
        if self.incoming.channel != "sms" or self.row is None or self.lang not in SMS_FOLDS_ACCENTS:
            return replies
        return [reply if reply.verbatim else replace(reply, sms_folds_accents=True) for reply in replies]

    # ------------------------------------------------------------- dispatch
    def run(self) -> list[Reply]:
        if self.row is not None and self.unit.held_by(self.row.id) is not None:
            # A trained person holds this conversation (screening/talkback.py): the message is
            # stored for them (see save), read for danger (a crisis flag, and so the on-call
            # alert), and never answered by the assistant.
            danger = self.read_danger()
            for kind in (danger.kinds or (danger.kind or "self_harm",)) if danger.imminent else ():
                self.flag("crisis", kind)
            if interpret.detect_command(self.text, self.lang) == "reminders_off":
                self.set_reminders(False)       # at once, even now; the screener sees it in the transcript
            return self.replies
        if self.row is None:
            self.start()
            return self.replies
        if not self.text:
            self.say("empty_message")
            return self.replies
        if len(self.raw_text) > MAX_MESSAGE_CHARS:
            self.say("long_message")
        danger = self.read_danger()
        if self.state.get("crisis"):
            self.support(danger)
            return self.replies
        if danger.imminent:
            self.crisis(danger)
            return self.replies
        if danger.possible:
            self.check_safety(danger)
            return self.replies
        self.dispatch()
        return self.replies

    def read_danger(self) -> CrisisReading:
        in_support = bool(self.row and self.state.get("crisis"))
        danger = read_crisis(self.text, step=self.row.step if self.row else "",
                             intent=None if in_support else self.incoming.intent,
                             confidence=self.incoming.confidence, learned=not in_support)
        if danger.learned_only and self.reads_as_item_answer():
            return CrisisReading()     # a plain answer to the question asked is not a guess about danger
        return danger

    def reads_as_item_answer(self) -> bool:
        kind, _, name = (self.row.step if self.row else "").partition(":")
        if kind != "item":
            return False
        # The word lists only: a guess from examples must never outweigh a guess about danger.
        return read_item_answer(self.instrument.item(name), self.text, self.lang, learned=False) is not None

    def names_an_option_over(self, command: str | None) -> bool:
        kind, _, name = (self.row.step if self.row else "").partition(":")
        return kind == "item" and option_named_over_command(self.instrument.item(name), self.text,
                                                            self.lang, command)

    def dispatch(self) -> None:
        """The message read in context, once no danger holds it (see the module docstring)."""
        command = interpret.detect_command(self.text, self.lang)
        if command in REMINDER_COMMANDS:
            self.reminders_command(command)
            return
        if self.row.step == "done" and command is None and self.check_in_answer():
            return          # an answer to the check-in, even after the screening's window closed
        if self.window_over():
            self.after_window(command)
            return
        if command in AFTER_SUMMARY_COMMANDS and self.row.step != "done":
            command = None          # "more", "town" mean something only after the summary
        if self.names_an_option_over(command):
            command = None          # "prefer not to say" answers the gender item
        if self.lang == "en" and command is None and interpret.looks_spanish(self.text):
            self.set_language("es")
            self.say("language_switched")
        switch_to = LANGUAGE_COMMANDS.get(command or "") or self.keyword_language(command)
        if switch_to:
            self.set_language(switch_to)
            if self.row.step == "language":
                self.say("language_set")
                self.advance()
            else:
                self.say("language_switched")
                self.prompt(self.row.step)
        elif self.row.step == "done":
            self.after_completion(command)
        elif self.row.status in ("paused", "stopped") and self.row.consent is not False:
            self.resume(command)
        elif self.back_after_a_nudge():
            self.resume(command)
        elif command:
            self.command(command)
        elif not self.answer_step():
            intended = self.intent_command()
            if intended and intended != "crisis":    # the crisis intent was read with the words
                self.command(intended)
            else:
                self.not_understood()

    def intent_command(self) -> str | None:
        return command_from_intent(self.incoming.intent, self.incoming.confidence)

    def intent_yes_no(self) -> str | None:
        return yes_or_no(self.text, self.lang, self.incoming.intent, self.incoming.confidence)

    # ----------------------------------------------------------- life cycle
    def start(self, language: str | None = None) -> None:
        """A new screening; `language` when the person already chose one (starting over)."""
        command = interpret.detect_command(self.text, "en")
        language = language or self.first_message_language(command)
        named = LANGUAGE_COMMANDS.get(command or "")
        spanish = command == "spanish" or (named is None and interpret.looks_spanish(self.text)) \
            or self.incoming.intent == "language_spanish"
        chosen = language or named or ("es" if spanish else "en")
        self.row = self.unit.create_screening(
            self.participant_id, language=chosen, channel=self.incoming.channel,
            instrument_id=self.instrument.id, instrument_version=self.instrument.version,
            step="consent", now=self.now)
        if language or spanish or named:
            self.state["language_chosen_early"] = True
        danger = self.read_danger()
        if danger.imminent:
            self.crisis(danger)
        elif danger.possible:
            self.check_safety(danger)
        else:
            self.prompt("consent")

    def first_message_language(self, command: str | None) -> str | None:
        """The language a first message chooses: the insert's start word for it (SCREEN, EVALUAR...),
        else the language it is written in when it says more than a greeting
        (screening/language_id.py); only a language the assistant speaks."""
        named = start_keywords.language_of(self.text, self.engine.program.start_keywords)
        if named is not None or command is not None:
            return named if named in LANGUAGES else None
        guessed = guess_language(self.text, LANGUAGES)
        return guessed[0] if guessed else None

    def keyword_language(self, command: str | None) -> str | None:
        """Another language's start word sent during a screening: a switch to that language."""
        if command is not None:
            return None
        named = start_keywords.language_of(self.text, self.engine.program.start_keywords)
        return named if named in LANGUAGES and named != self.lang else None

    def closing_day(self) -> date:
        """The last day of this screening: one clock, the deadline.

        The deadline is DEADLINE_DAYS from the citation date when the person gave it.
        Without it, DEADLINE_DAYS from the day the screening started: the date on the
        ticket is on or before that day, so its 45 days are over by then as well. A person
        whose deadline had already passed when they gave the date was asked to finish
        anyway (a screener looks at a late screening): theirs stays open DEADLINE_DAYS from
        its start. A voluntary program has no deadline; an old screening still closes
        after DEADLINE_DAYS, so a person can start a new one, and nothing says when.
        """
        return reminders.closing_day(self.row.started_at, self.row.deadline, bool(self.state.get("late")))

    def window_over(self) -> bool:
        """Past the closing day: this screening is closed, a new one may start."""
        return self.today > self.closing_day()

    def finish_by(self) -> str:
        """When to finish, for the messages: the date when known, else 45 days from the ticket."""
        return finish_by(self.catalog, self.lang, self.row.deadline, bool(self.state.get("late")))

    def after_window(self, command: str | None) -> None:
        done = self.row.step == "done"
        if self.state.get("window_over_told") and command is None and self.intent_yes_no() == "yes":
            self.start_over()
        elif done and command is not None:
            self.after_completion(command)
        else:
            self.state["window_over_told"] = True
            if done:
                self.say("window_over_done", code=self.row.completion_code)
            elif self.row.deadline:
                self.say("window_over", days_over=self.catalog.say(
                    self.lang, "days_over.date", deadline=self.catalog.long_date(self.lang, self.row.deadline)))
            else:
                self.say("window_over", days_over=self.catalog.say(self.lang, "days_over.ticket"))

    def start_over(self) -> None:
        """A new screening for the same person; the closed one stays as it was."""
        language = self.lang
        self.state.pop("window_over_told", None)
        self.row.updated_at = self.now
        self.unit.save_screening(self.row)
        self.row, self.answers, self.needs = None, {}, []
        self.replies.append(Reply(self.catalog.say(language, "start_over")))
        self.start(language)

    def resume(self, command: str | None) -> None:
        if command in ("pause", "stop", "help"):
            self.command(command)
            return
        self.row.status = "started"
        if command == "human":
            self.flag("person_requested", "asked")
            self.say("human_ack")
        elif command == "bot_question":
            self.say("bot_answer")
        else:
            self.say("welcome_back")
        self.prompt(self.row.step)

    def after_completion(self, command: str | None) -> None:
        if command == "more":
            self.more_referrals()
        elif command == "town":
            self.state["awaiting_town"] = True
            self.say("town_ask")
        elif command is None and self.state.get("awaiting_town"):
            self.referrals_near_town()
        elif command == "human" or self.intent_command() == "human":
            self.flag("person_requested", "asked")
            self.say("human_ack")
        elif command == "help":
            self.say("help_text")
        elif command == "bot_question":
            self.say("bot_answer")
        else:
            self.say("already_done", code=self.row.completion_code)

    # ------------------------------------------------------- after the summary
    def referral_place(self):
        where = self.state.get("referral_place") or self.row.location_zip or self.row.location_town or ""
        return resolve_location(where).place

    def find_referrals(self, needs, place, skip=()):
        return self.engine.referrals.referrals(
            needs, latitude=place.latitude if place else None, longitude=place.longitude if place else None,
            language=self.lang, conn=self.unit.conn, skip=skip)

    @staticmethod
    def referred_needs(shown: list[tuple[str, str]]) -> list[str]:
        return list(dict.fromkeys(need for need, _ in shown))

    def more_referrals(self) -> None:
        shown = self.unit.shown_referrals(self.row.id)
        found = self.find_referrals(self.referred_needs(shown), self.referral_place(),
                                    skip=[key for _, key in shown])
        if not found:
            self.say("more_none")
            return
        self.unit.add_referrals(self.row.id, found, self.now)
        self.replies += referral_lines(self.catalog, self.lang, found, "more_for")

    def referrals_near_town(self) -> None:
        place = resolve_location(self.text).place
        if place is None:
            self.say("location_unknown")
            return
        self.state.pop("awaiting_town", None)
        self.state["referral_place"] = place.zip_code or place.town
        found = self.find_referrals(self.referred_needs(self.unit.shown_referrals(self.row.id)), place)
        self.unit.add_referrals(self.row.id, found, self.now)
        self.say("town_results", town=place.town)
        self.replies += referral_lines(self.catalog, self.lang, found, "summary_help_for")

    def set_language(self, language: str) -> None:
        self.row.language = language
        self.state["language_chosen_early"] = self.state.get("language_chosen_early") or \
            self.row.step == "consent"

    def flag(self, kind: str, reason: str) -> None:
        self.unit.add_flag(self.row.id, kind, reason, self.now, step=self.row.step)

    # ------------------------------------------------------------- reminders
    def set_reminders(self, wanted: bool) -> None:
        """Yes or no to reminders (screening/reminders.py); no withdraws everything scheduled at once."""
        self.row.reminders_opt_in = wanted
        if not wanted:
            reminders.cancel(self.unit.conn, self.row.id, "reminders_off", self.now)

    def reminders_command(self, command: str) -> None:
        """REMINDERS ON / REMINDERS OFF, any time; at the question itself it is the answer."""
        if self.row.step == "reminders":
            self.on_reminders_said("yes" if command == "reminders_on" else "no")
            return
        self.set_reminders(command == "reminders_on")
        self.say("reminders.turned_on" if command == "reminders_on" else "reminders.turned_off")
        if self.row.step != "done" and self.row.status == "started" and not self.window_over():
            self.prompt(self.row.step)

    def back_after_a_nudge(self) -> bool:
        """The person's first message since a nudge: go on where they left off, whatever it says."""
        return bool(self.row.reminders_opt_in) and self.row.step != "done" and \
            reminders.nudged_since(self.unit.conn, self.row.id, self.row.updated_at)

    def check_in_answer(self) -> bool:
        """The answer to a check-in ("Were you able to reach ...? 1 Yes 2 No 3 I need other help"):
        stored with the referral; no or other help flags the case and offers the next place."""
        open_check_in = reminders.open_check_in(self.unit.conn, self.row.id)
        if open_check_in is None:
            return False
        referral_id, need, _name = open_check_in
        choices = [OptionChoice(outcome, number, phrases) for outcome, number, phrases in CHECK_IN_ANSWERS]
        outcome = interpret.match_single(self.text, choices, self.lang)
        if outcome is None:
            said = self.intent_yes_no()
            outcome = {"yes": "reached", "no": "not_reached"}.get(said or "")
        if outcome is None:
            return False
        reminders.record_outcome(self.unit.conn, referral_id, outcome, self.now)
        self.say(f"reminders.{outcome}")
        if outcome != "reached":
            self.flag("referral_follow_up", outcome)
            self.next_referral_for(need)
        return True

    def next_referral_for(self, need: str) -> None:
        """As MORE does, for the one need the check-in asked about."""
        shown = self.unit.shown_referrals(self.row.id)
        found = self.find_referrals([need], self.referral_place(), skip=[key for _, key in shown])
        if not found:
            self.say("reminders.next_none", need=self.catalog.need_label(self.lang, need).lower())
            return
        self.unit.add_referrals(self.row.id, found, self.now)
        self.replies += referral_lines(self.catalog, self.lang, found, "more_for")

    def keep_reminders_true(self) -> None:
        """After the turn, the schedule follows the screening (moved on, finished, stopped)."""
        row = self.row
        if row.reminders_opt_in is not True:
            return
        reminders.after_turn(self.unit.conn, reminders.ScreeningFacts(
            id=row.id, status=row.status, consent=row.consent, opted_in=row.reminders_opt_in,
            started_at=row.started_at, completed_at=row.completed_at, deadline=row.deadline,
            late=bool(row.state.get("late")), has_deadline=self.engine.program.has_deadline), self.now)

    # ---------------------------------------------------------------- crisis
    def crisis(self, danger: CrisisReading) -> None:
        """The right help first for this kind of crisis, a flag for staff, then "are you safe?"."""
        kind = danger.kind or "self_harm"
        held = self.state.get("crisis") or {}
        flagged = list(held.get("flagged", []))
        for each in danger.kinds or (kind,):
            if each not in flagged:             # one flag per kind while the person is in support
                self.flag("crisis", each)
                flagged.append(each)
        self.replies += [Reply(p) for p in self.catalog.paragraphs(self.lang, f"crisis_first.{kind}")]
        self.say("crisis_flagged")
        self.say(f"crisis_safety_ask.{kind}")
        self.hold_crisis(kind, "asked", danger, flagged=flagged)

    def check_safety(self, danger: CrisisReading) -> None:
        """Words that may mean danger: ask gently before anything else."""
        self.say("crisis_check")
        self.hold_crisis(danger.kind, "check", danger)

    def hold_crisis(self, kind: str | None, stage: str, danger: CrisisReading, **more) -> None:
        held = self.state.get("crisis") or {"since": self.now.isoformat(), "step": self.row.step}
        if danger.rest and not held.get("kept"):
            # The rest of the message, kept (encrypted) to use as the answer once they go on.
            held["kept"] = self.unit.cipher.encrypt(danger.rest).decode("ascii")
        held.update(kind=kind or held.get("kind"), stage=stage, **more)
        self.state["crisis"] = held

    def support(self, danger: CrisisReading) -> None:
        """Stay with the person until they say they are safe and want to go on."""
        held = self.state["crisis"]
        kind = held.get("kind") or "self_harm"
        stage = held.get("stage", "asked")
        returning = self.row.status == "paused"
        if returning:
            self.row.status = "started"
        if danger.imminent:
            self.crisis(danger)
            return
        said = "not_ok" if danger.possible else read_safety_reply(self.text)
        command = None if said == "leave" else interpret.detect_command(self.text, self.lang)
        if command in LANGUAGE_COMMANDS:
            self.set_language(LANGUAGE_COMMANDS[command])
            self.say("language_switched")
            self.say(f"crisis_safety_ask.{kind}" if stage != "check" else "crisis_check")
            return
        if command in ("pause", "stop"):
            self.row.status = "paused" if command == "pause" else "stopped"
            self.say("crisis_pause")
            return
        if command in REMINDER_COMMANDS:
            self.set_reminders(command == "reminders_on")
            self.say("reminders.turned_on" if command == "reminders_on" else "reminders.turned_off")
            self.say(f"crisis_safety_ask.{kind}" if stage != "check" else "crisis_check")
            return
        if command == "human":
            self.flag("person_requested", "asked")
            self.say_staff_hours("crisis_person_ack")
            return
        if command == "help":
            said = "not_ok"
        if stage == "check":
            self.after_check(said, danger)
        elif said == "safe_go_on" or (stage == "safe" and said in ("safe", "go_on", "ack")):
            self.leave_support("crisis_resume")
        elif said == "safe":
            held["stage"] = "safe"
            self.say("crisis_safe_glad")
        elif said == "go_on":
            held["go_on_asked"] = held.get("go_on_asked", 0) + 1
            if held["go_on_asked"] >= 2:    # asked twice: their choice, staff still follow up
                self.leave_support("crisis_resume")
            else:
                self.say("crisis_safe_first")
        elif said == "leave":
            self.row.status = "paused"
            self.say("crisis_leave")
        elif said == "not_ok":
            held["stage"] = "asked"
            held["support_turns"] = held.get("support_turns", 0) + 1
            if held["support_turns"] == 1:
                self.say(f"crisis_support_line.{kind}")
                self.say_staff_hours("crisis_person_offer")
            else:                    # not the same two messages again: shorter, still there
                self.say(f"crisis_still_here.{kind}")
        elif stage == "safe":
            self.say("crisis_go_on_hint")
        elif returning:
            self.say("crisis_welcome_back")
        else:
            self.say("crisis_reask")

    def after_check(self, said: str, danger: CrisisReading) -> None:
        held = self.state["crisis"]
        if said in ("not_ok", "leave"):
            kind = danger.kind or held.get("kind") or "self_harm"
            self.crisis(CrisisReading("imminent", kind, "not safe after a check", danger.rest, (kind,)))
        elif said in ("safe", "safe_go_on", "go_on", "ack"):
            self.leave_support("crisis_check_thanks")
        else:
            # Not an answer to the check (an answer to the question, most often): read it as one.
            self.state.pop("crisis", None)
            self.dispatch()

    def leave_support(self, key: str) -> None:
        """Back to the screening exactly where the person was, with what they had said."""
        held = self.state.pop("crisis")
        if self.row.status in ("paused", "stopped") and self.row.consent is not False:
            self.row.status = "started"
        if self.row.step == "done":
            self.say("crisis_resume_done", code=self.row.completion_code)
            return
        self.say(key)
        kept = held.get("kept")
        if kept:
            self.text = self.unit.cipher.decrypt(kept.encode("ascii"))
            misses = self.state.get("misses")
            if self.answer_step():
                return
            self.state["misses"] = misses or 0
        self.prompt(self.row.step)

    def say_staff_hours(self, key: str) -> None:
        hours = self.engine.program.staff_hours
        if hours.is_open(self.now):
            self.say(f"{key}_open")
        else:
            self.say(f"{key}_closed", when=self.catalog.staff_back(self.lang, hours.next_open(self.now),
                                                                     self.today))

    # -------------------------------------------------------------- moving
    def advance(self, ask: bool = True) -> None:
        """On to the next step; `ask=False` moves without asking it yet (after crisis lines)."""
        current = self.row.step
        following = plan.next_step(self.path(), current)
        if current not in NOT_REVISITED:
            self.state.setdefault("history", []).append(current)
        self.go(following, ask)

    def go(self, step: str, ask: bool = True) -> None:
        self.row.step = step
        self.state.pop("misses", None)
        if step == "done":
            self.finish()
        elif ask:
            self.prompt(step)

    def finish(self) -> None:
        self.row.status = "completed"
        self.row.completed_at = self.now
        code = self.row.completion_code or self.unit.issue_completion_code(self.row)
        screened = positive_needs(score_all(self.instrument, self.option_sets()))
        referrals = self.find_referrals(summary_needs(self.needs, screened), self.referral_place())
        self.unit.add_referrals(self.row.id, referrals, self.now)
        self.replies += summary_replies(
            self.catalog, referrals, language=self.lang, own_needs=self.needs,
            screened_needs=screened, code=code, completed_on=self.today, deadline=self.row.deadline,
            verify_url=self.engine.verify_url, texted_when_confirmed=self.texted_when_confirmed(),
            reach_out=self.row.contact_preference in ("text", "call", "email"))

    def texted_when_confirmed(self) -> bool:
        """True when the screener console texts this person once completion is confirmed:
        the program has a deadline, and they screened by SMS and chose to be texted or
        called (the core keeps their SMS id as the way to reach them)."""
        if not self.engine.program.has_deadline or self.row.contact_preference not in ("text", "call"):
            return False
        detail = self.unit.cipher.decrypt(self.row.contact_detail_enc) if self.row.contact_detail_enc else None
        return phone_hash_of(detail or "") is not None

    # ------------------------------------------------------------- prompts
    @staticmethod
    def numbered(labels) -> list[Choice]:
        return [Choice(n, label, label) for n, label in enumerate(labels, start=1)]

    def prompt(self, step: str) -> None:
        kind, _, name = step.partition(":")
        if kind == "consent":
            if not self.state.get("welcomed"):
                keep_for = self.catalog.keep_for(self.lang, self.engine.program.retention_days)
                self.replies += [Reply(p) for p in self.catalog.paragraphs(self.lang, "welcome", keep_for=keep_for)]
                self.state["welcomed"] = True
            self.say("consent_ask")
        elif kind == "reminders":
            self.say("reminders.ask")
        elif kind == "language":
            self.say("language_ask", choices=self.numbered(label for _, label in LANGUAGE_OPTIONS))
        elif kind == "citation":
            self.say("citation_ask")
        elif kind == "needs":
            labels = [self.catalog.need_label(self.lang, n) for n in NEED_CATEGORIES]
            self.say("needs_ask", choices=self.numbered(labels), footer=self.hint_once("multi"))
        elif kind == "needs_rank":
            labels = [self.catalog.need_label(self.lang, n) for n in self.needs]
            example = " ".join(str(n) for n in range(len(self.needs), 0, -1))
            self.say("needs_rank_ask", example=example,
                     choices=self.numbered(labels))
        elif kind == "permission":
            if not self.state.get("privacy_noted"):
                if self.incoming.channel == "sms":
                    self.say("privacy_note_sms", web_link=self.engine.web_chat_url)
                else:
                    self.say("privacy_note")
                self.state["privacy_noted"] = True
            self.say("block_permission", topic=self.catalog.say(self.lang, f"block_topic.{name}"))
        elif kind == "item":
            self.ask_item(self.instrument.item(name))
        elif kind == "item_text":
            self.say("item_text_ask")
        elif kind == "location":
            self.say("location_ask")
        elif kind == "location_choice":
            towns = self.state.get("candidates", [])
            self.say("location_choose", choices=self.numbered(towns))
        elif kind == "contact":
            labels = [self.catalog.say(self.lang, f"contact_option.{o}") for o in CONTACT_OPTIONS]
            self.say("contact_ask", choices=self.numbered(labels),
                     footer=self.hint_once("single", count=len(CONTACT_OPTIONS)))
        elif kind == "contact_detail":
            self.say("contact_detail_email" if self.row.contact_preference == "email" else "contact_detail_phone")

    def item_wording(self, item: Item) -> str:
        gender = self.answers.get("gender")
        if item.text_for_man and gender and "man" in gender.option_ids:
            return item.text_for_man[self.lang]
        return item.text[self.lang]

    def item_footer(self, item: Item) -> str:
        if item.kind == "multi":
            return self.catalog.say(self.lang, "reply_multi")
        return self.catalog.say(self.lang, "reply_single", count=len(item.options))

    def hint_once(self, kind: str, **values) -> str:
        """How to reply to a numbered list ("single": one number, "multi": several), said the
        first time this screening shows that kind of list; after that the numbered options
        speak for themselves, and the hint comes back when a reply was not understood or
        the person asks why."""
        given = self.state.setdefault("hints_given", [])
        if kind in given:
            return ""
        given.append(kind)
        return self.catalog.say(self.lang, f"reply_{kind}", **values)

    def ask_item(self, item: Item) -> None:
        block = self.instrument.block_of(item.id)
        if block.lead_in and item.id == block.items[0]:
            self.replies.append(Reply(block.lead_in[self.lang]))
        path = self.path()
        numbers = plan.question_numbers(path)
        progress = self.catalog.say(self.lang, "question_progress", number=numbers.get(f"item:{item.id}", 0),
                                    total=len(numbers))
        parts = [progress]
        if item.stem:
            parts.append(item.stem[self.lang])
        parts.append(self.item_wording(item))
        if item.help:
            parts.append(item.help[self.lang])
        choices = tuple(Choice(o.number, o.label[self.lang], o.short[self.lang]) for o in item.options)
        hint = self.hint_once("multi") if item.kind == "multi" else \
            self.hint_once("single", count=len(item.options))
        self.replies.append(Reply("\n".join(parts), choices, hint, verbatim=item.validated))

    # ------------------------------------------------------------ commands
    def command(self, command: str) -> None:
        step = self.row.step
        if command in ("skip", "dont_know"):
            self.skip(command)
        elif command == "why":
            self.explain()
        elif command == "pause":
            self.row.status = "paused"
            self.say("pause_ack", finish_by=self.finish_by())
        elif command == "stop":
            if step == "consent":
                self.decline()
            else:
                self.row.status = "stopped"
                self.say("stop_ack", finish_by=self.finish_by())
        elif command == "help":
            self.say("help_text")
        elif command == "bot_question":
            # "Is this a bot?": a true answer, then the question again. Never a request for a person.
            self.say("bot_answer")
            self.prompt(step)
        elif command == "human":
            self.flag("person_requested", "asked")
            self.say("human_ack")
            self.prompt(step)
        elif command == "back":
            self.back()

    def skip(self, how: str) -> None:
        kind, _, name = self.row.step.partition(":")
        if kind == "consent":
            self.say("consent_explain")
            self.say("consent_reask")
            return
        if kind == "reminders":
            self.on_reminders_said("no")
            return
        if kind == "item":
            self.store_answer(self.instrument.item(name), (), None, skip_reason=how)
        elif kind == "permission":
            self.decline_block(name)
            return
        self.say("dont_know" if how == "dont_know" else "skipped")
        self.advance()

    def explain(self) -> None:
        kind, _, name = self.row.step.partition(":")
        if kind == "item":
            item = self.instrument.item(name)
            self.replies.append(Reply(item.why[self.lang], footer=self.item_footer(item)))
            return
        key = {"consent": "why_consent", "language": "why_language", "citation": "why_citation",
               "needs": "why_needs", "needs_rank": "why_needs", "location": "why_location",
               "location_choice": "why_location", "contact": "why_contact", "contact_detail": "why_contact",
               "permission": "why_block"}.get(kind, "why_default")
        if kind == "reminders":
            self.say("reminders.why")
            self.prompt("reminders")
            return
        self.say(key)
        if kind == "consent":
            self.say("consent_reask")

    def back(self) -> None:
        history = self.state.get("history") or []
        if not history:
            self.say("back_nothing")
            self.prompt(self.row.step)
            return
        previous = history.pop()
        if previous.startswith("permission:"):
            self.state["declined_blocks"] = [b for b in self.state.get("declined_blocks", [])
                                             if b != previous.split(":", 1)[1]]
        self.say("back_ack")
        self.go(previous)

    def decline(self) -> None:
        self.row.consent = False
        self.row.status = "stopped"
        self.say("consent_declined", finish_by=self.finish_by())

    def decline_block(self, block_id: str) -> None:
        block = self.instrument.block(block_id)
        declined = self.state.setdefault("declined_blocks", [])
        if block_id not in declined:
            declined.append(block_id)
        for item_id in block.items:
            if plan.item_is_asked(self.instrument, item_id, self.option_sets()):
                self.store_answer(self.instrument.item(item_id), (), None, skip_reason=plan.ANSWERED_SKIP_BLOCK)
        self.say("block_skipped")
        self.advance()

    def not_understood(self) -> None:
        misses = self.state.get("misses", 0) + 1
        self.state["misses"] = misses
        kind, _, name = self.row.step.partition(":")
        if kind == "consent":
            self.say("consent_explain")
            self.say("consent_reask")
            return
        hints = {"citation": "citation_unreadable", "location": "location_unknown",
                 "location_choice": "location_unknown", "contact_detail": "contact_detail_bad"}
        if kind in hints and misses < 2:
            self.say(hints[kind])
            return
        if kind == "item":
            hint = self.item_footer(self.instrument.item(name))
        elif kind in ("permission", "reminders"):
            hint = self.catalog.say(self.lang, "reply_yes_no")
        elif kind in ("language", "contact"):
            hint = self.catalog.say(self.lang, "reply_single", count=len(
                LANGUAGE_OPTIONS if kind == "language" else CONTACT_OPTIONS))
        else:
            hint = ""
        self.say("clarify_offer_skip" if misses >= 2 else "clarify", hint=hint)

    # ------------------------------------------------------------- answers
    def answer_step(self) -> bool:
        """Read the message as the answer the current step expects; False when it is not one."""
        kind, _, name = self.row.step.partition(":")
        handler = {
            "consent": self.on_consent, "reminders": self.on_reminders, "language": self.on_language,
            "citation": self.on_citation,
            "needs": self.on_needs, "needs_rank": self.on_needs_rank, "permission": self.on_permission,
            "item": self.on_item, "item_text": self.on_item_text, "location": self.on_location,
            "location_choice": self.on_location_choice, "contact": self.on_contact,
            "contact_detail": self.on_contact_detail,
        }[kind]
        return handler(name)

    def on_consent(self, _name: str) -> bool:
        said = self.intent_yes_no()
        if said == "yes":
            self.row.consent = True
            self.row.status = "started"
            self.advance()
            return True
        if said == "no":
            self.decline()
            return True
        if self.row.consent is False:
            self.say("declined_return")
            return True
        return False

    def on_reminders(self, _name: str) -> bool:
        said = self.intent_yes_no()
        if said is None:
            return False
        self.on_reminders_said(said)
        return True

    def on_reminders_said(self, said: str) -> None:
        self.set_reminders(said == "yes")
        self.say("reminders.said_yes" if said == "yes" else "reminders.said_no")
        self.advance()

    def on_language(self, _name: str) -> bool:
        choices = [OptionChoice(code, n, (label, code)) for n, (code, label) in enumerate(LANGUAGE_OPTIONS, 1)]
        chosen = interpret.match_single(self.text, choices, self.lang)
        if not chosen:
            return False
        self.row.language = chosen
        self.say("language_set")
        self.advance()
        return True

    def on_citation(self, _name: str) -> bool:
        parsed = parse_citation_date(self.text, self.today, self.lang)
        if parsed.value is None:
            if parsed.problem in ("future", "too_old"):
                self.say(f"citation_{parsed.problem}")
                return True
            return False
        self.row.citation_date = parsed.value
        self.row.deadline = parsed.value + timedelta(days=DEADLINE_DAYS)
        late = self.row.deadline < self.today
        self.state["late"] = late       # finishing late: the screening stays open (see closing_day)
        self.say("citation_late" if late else "citation_saved",
                 deadline=self.catalog.long_date(self.lang, self.row.deadline))
        self.advance()
        return True

    def on_needs(self, _name: str) -> bool:
        pending = self.pending_needs()
        if pending is not None:
            said = self.intent_yes_no()
            if said == "yes":
                return self.keep_needs(pending)
            if said == "no":
                self.state.pop("needs_pending", None)
                labels = [self.catalog.need_label(self.lang, n) for n in NEED_CATEGORIES]
                self.say("needs_retry", choices=self.numbered(labels),
                         footer=self.catalog.say(self.lang, "reply_multi"))
                return True
        reading = need_words.read_needs(self.text, self.lang)
        found = list(reading.needs)
        if found == ["other"] and self.intent_command():
            return False
        if found:
            self.unit.add_need_statement(self.row.id, self.text, self.now)
        if found and not reading.sure:
            # Not sure what they meant: say what we understood and ask, rather than guess.
            self.state["needs_pending"] = found
            self.say("needs_confirm", needs=self.catalog.need_list(self.lang, found))
            return True
        return self.keep_needs(found)

    def pending_needs(self) -> list[str] | None:
        """The unsure reading our last reply asked the person to confirm, if it did."""
        pending = self.state.get("needs_pending")
        if not pending:
            return None
        asked = self.catalog.say(self.lang, "needs_confirm", needs=self.catalog.need_list(self.lang, pending))
        last = self.unit.latest_replies(self.participant_id) or []
        return list(pending) if any(reply.get("text") == asked for reply in last) else None

    def keep_needs(self, found: list[str]) -> bool:
        """Store the person's needs (maybe none), say so, and go on."""
        self.state.pop("needs_pending", None)
        self.needs = found
        self.unit.replace_needs(self.row.id, found, self.now)
        if found:
            self.say("needs_got", needs=self.catalog.need_list(self.lang, found))
        else:
            self.say("needs_none")
        self.advance()
        return True

    def on_needs_rank(self, _name: str) -> bool:
        ranked = need_words.parse_ranking(self.text, self.needs)
        if ranked is None:
            return False
        self.needs = list(ranked)
        self.unit.replace_needs(self.row.id, ranked, self.now)
        self.say("needs_ranked", first=self.catalog.need_label(self.lang, ranked[0]).lower())
        self.advance()
        return True

    def on_permission(self, name: str) -> bool:
        said = self.intent_yes_no()
        if said == "yes":
            self.advance()
            return True
        if said == "no":
            self.decline_block(name)
            return True
        return False

    def on_item(self, name: str) -> bool:
        item = self.instrument.item(name)
        chosen = read_item_answer(item, self.text, self.lang, self.incoming.intent, self.incoming.confidence)
        if not chosen:
            return False
        self.store_answer(item, tuple(chosen), self.text)
        if item.crisis_when_positive and any(item.option(o).positive for o in chosen):
            self.crisis(CrisisReading("imminent", "self_harm", f"answer to {item.id}", "", ("self_harm",)))
            self.advance(ask=False)
            return True
        self.advance()
        return True

    def on_item_text(self, name: str) -> bool:
        item = self.instrument.item(name)
        previous = self.answers.get(name)
        self.store_answer(item, previous.option_ids if previous else (), self.text)
        self.advance()
        return True

    def store_answer(self, item: Item, option_ids: tuple[str, ...], free_text: str | None,
                     skip_reason: str | None = None) -> None:
        self.unit.add_answer(self.row.id, item.id, option_ids=option_ids, free_text=free_text,
                             skip_reason=skip_reason, language=self.lang, now=self.now)
        self.answers = self.unit.current_answers(self.row.id)
        self.unit.save_domain_results(self.row.id, score_all(self.instrument, self.option_sets()), self.now)

    def on_location(self, _name: str) -> bool:
        found = resolve_location(self.text)
        if found.place:
            self.set_place(found.place.zip_code, found.place.town)
            return True
        if found.problem == "ambiguous" and found.candidates:
            self.state["candidates"] = list(found.candidates)
            self.row.step = "location_choice"
            self.prompt("location_choice")
            return True
        if found.problem == "not_massachusetts":
            self.say("location_not_ma")
            return True
        return False

    def on_location_choice(self, _name: str) -> bool:
        towns = self.state.get("candidates", [])
        chosen = interpret.match_single(
            self.text, [OptionChoice(t, n, (t,)) for n, t in enumerate(towns, start=1)], self.lang)
        if chosen:
            found = resolve_location(chosen)
            if found.place:
                self.set_place(found.place.zip_code, found.place.town)
                return True
        return self.on_location("")

    def set_place(self, zip_code: str | None, town: str) -> None:
        self.row.location_zip = zip_code
        self.row.location_town = town
        self.state.pop("candidates", None)
        self.say("location_saved", town=town)
        self.advance()

    def on_contact(self, _name: str) -> bool:
        labels = [(o, self.catalog.say(self.lang, f"contact_option.{o}")) for o in CONTACT_OPTIONS]
        chosen = interpret.match_single(
            self.text, [OptionChoice(o, n, (label, o)) for n, (o, label) in enumerate(labels, start=1)], self.lang)
        if not chosen:
            return False
        self.row.contact_preference = chosen
        if chosen in ("text", "call") and self.incoming.channel == "sms":
            self.row.contact_detail_enc = self.unit.cipher.encrypt(self.incoming.sender_id)
        self.state["ask_contact_detail"] = chosen == "email" or (
            chosen in ("text", "call") and self.incoming.channel != "sms")
        self.advance()
        return True

    def on_contact_detail(self, _name: str) -> bool:
        detail = self.text.strip()
        digits = re.sub(r"\D", "", detail)
        if self.row.contact_preference == "email":
            valid = bool(EMAIL.match(detail))
        else:
            valid = len(digits) == 10 or (len(digits) == 11 and digits.startswith("1"))
        if not valid:
            return False
        self.row.contact_detail_enc = self.unit.cipher.encrypt(detail)
        self.say("contact_saved")
        self.advance()
        return True

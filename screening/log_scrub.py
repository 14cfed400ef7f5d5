"""Log lines without what people wrote, their phone numbers or the ids that stand for them.

Every process installs this first thing (the app in `screening.app`, Rasa through
`rasa_channels`, the action server in `actions.server`): `install()` scrubs each log
record when it is made, whichever library logs it (Rasa, Sanic, SQLAlchemy, ours) and
whichever handler writes it later, then adds the same filter to the handlers already
there (for fields libraries attach after the record is made).

What goes, replaced by a mark that says what was there:
- the values of fields that carry words or ids, wherever they appear: JSON and Python
  dict text (`"text": "..."`, `'sender_id': '...'`), key=value pairs, and Rasa's
  structured log lines (the same keys Rasa's own anonymizer lists, plus ids);
- the message in Rasa's and Sanic's sentences that quote it ("Received user message
  '...'"), and any quoted text that is more than a plain identifier;
- SQL parameters in database errors (`[parameters: (...)]`), which hold bodies and answers;
- phone numbers (E.164 and North American forms), sender ids (`sms:...`, `web:...`)
  and 64-character keyed hashes.

Kept: log levels, logger names, intent and action names, counts, times, status codes,
exception types and tracebacks' code lines, so a failure can still be found.
"""
from __future__ import annotations

import logging
import re
import traceback

REDACTED = "[redacted]"

# Keys whose values are a person's words, the assistant's words or who the person is.
# Rasa's structured logs (rasa/utils/log_utils.py) use the first group.
SENSITIVE_KEYS = (
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "body", "Body", "From", "To", "sender", "sender_id", "conversation_id", "recipient_id",
    "phone", "from_number", "to_number", "request_body", "latest_message", "events", "slots",
    "entities", "buttons", "value", "answer", "answers", "free_text", "metadata", "input_channel",
)
_KEYS = "|".join(sorted((re.escape(k) for k in SENSITIVE_KEYS), key=len, reverse=True))

# A quoted key, then : or =, then a value: a quoted string, or a bracketed structure
# (balanced one level deep is enough: anything deeper is inside the value and goes with it).
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_KEYED_VALUE = re.compile(
    rf"(?P<key>(?P<q>['\"]?)(?:{_KEYS})(?P=q)\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]|\{{[^{{}}]*(?:\{{[^{{}}]*\}}[^{{}}]*)*\}}"
    rf"|[^\s,;)}}\]]+)")

# SQLAlchemy appends the statement's parameters to database errors.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background on this error|\n|$))", re.S)

# Sentences libraries log with the message quoted in them.
_QUOTED_MESSAGE = re.compile(
    r"(?<![\w'\"])(?P<lead>(?:user message|message text|utterance|text|message|sender id|sender_id|conversation(?: id| ID)?"
    r"|conversation_id|tracker for|tracker matching sender id)\s+)(?P<value>" + _QUOTED + ")", re.I)

# Any other quoted text that is not a plain identifier (intent, action, file or module name).
_ANY_QUOTED = re.compile(_QUOTED)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]{0,80}$")

_PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d ().-]{7,17}\d|(?:1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4})(?![\w])")
_SENDER_ID = re.compile(r"\b(?:sms|web|whatsapp|rest|test):[A-Za-z0-9_\-.=]{6,}")
_KEYED_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def _quoted_value(match: re.Match) -> str:
    value = match.group("value")
    if value[:1] in "'\"":
        return f"{match.group('key')}{value[0]}{REDACTED}{value[0]}"
    return f"{match.group('key')}{REDACTED}"


def _quoted_message(match: re.Match) -> str:
    value = match.group("value")
    return f"{match.group('lead')}{value[0]}{REDACTED}{value[0]}"


def _any_quoted(match: re.Match) -> str:
    value = match.group(0)
    inner = value[1:-1]
    if not inner or inner == REDACTED or _IDENTIFIER.match(inner):
        return value
    return f"{value[0]}{REDACTED}{value[0]}"


def scrub(text: str) -> str:
    """The text with words, numbers and ids that identify or quote a person taken out."""
    if not text:
        return text
    text = _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    text = _KEYED_VALUE.sub(_quoted_value, text)
    text = _QUOTED_MESSAGE.sub(_quoted_message, text)
    text = _ANY_QUOTED.sub(_any_quoted, text)
    text = _SENDER_ID.sub(f"{REDACTED}-sender", text)
    text = _KEYED_HASH.sub(f"{REDACTED}-hash", text)
    return _PHONE.sub(f"{REDACTED}-phone", text)


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Scrub a record in place (once): its message with arguments, its traceback, string extras."""
    if getattr(record, "_scrubbed", False):
        for key, value in list(vars(record).items()):      # extras a library attached afterwards
            if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, scrub(value))
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not break logging
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = scrub(str(message)), ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    record._scrubbed = True
    return record


_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "_scrubbed"}


class SensitiveTextFilter(logging.Filter):
    """A logging filter that scrubs every record it sees and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


_installed = False


def install() -> None:
    """Scrub every log record this process makes from now on. Safe to call more than once."""
    global _installed
    if not _installed:
        make_record = logging.getLogRecordFactory()

        def scrubbed_record(*args, **kwargs) -> logging.LogRecord:
            return scrub_record(make_record(*args, **kwargs))
        logging.setLogRecordFactory(scrubbed_record)
        _installed = True
    add_to_handlers()


def add_to_handlers() -> None:
    """Also filter at every handler present now (extras attached after a record is made)."""
    known = [item for item in list(logging.root.manager.loggerDict.values()) if isinstance(item, logging.Logger)]
    for logger in [logging.getLogger(), *known]:
        for handler in getattr(logger, "handlers", ()):
            if not any(isinstance(f, SensitiveTextFilter) for f in handler.filters):
                handler.addFilter(SensitiveTextFilter())

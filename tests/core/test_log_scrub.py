"""The log scrubber every process installs: what a person wrote, their number and the ids that
stand for them never reach a log line, whichever library logs them; what a failure needs to be
found (levels, names, intents, actions, exception types) stays."""
from __future__ import annotations

import io
import logging

import pytest

from screening import internal_token, log_scrub

PHONE = "+16175551234"


@pytest.fixture
def captured():
    """A logger with its own handler, scrubbed the way install() scrubs (the factory is process-wide)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(log_scrub.SensitiveTextFilter())
    logger = logging.getLogger("scrub-test")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_rasa_and_sanic_style_lines_lose_the_words_and_keep_the_names(captured):
    logger, stream = captured
    logger.debug("Received user message '%s' with intent '%s'", "my landlord Zeb wants me out", "inform_need")
    logger.debug('{"event": "processor.actions.log", "action_name": "action_take_answer", '
                 '"sender_id": "sms:9f2c7a1b", "text": "I use every day", "rasa_events": [{"event": "user"}]}')
    logger.info("Starting a new session for conversation ID 'web:3b1f5e2a9c'.")
    logger.info("texting %s now", PHONE)
    logger.info("call me at (617) 555-1234 or 617.555.1234")
    logger.info("Predicted next action 'action_take_answer' with confidence 1.00.")
    written = stream.getvalue()
    for secret in ("Zeb", "every day", "sms:9f2c7a1b", "web:3b1f5e2a9c", PHONE, "555-1234", "555.1234", "(617)"):
        assert secret not in written, secret
    assert "action_take_answer" in written and "processor.actions.log" in written and "confidence 1.00" in written


def test_a_database_error_keeps_its_type_and_statement_not_its_parameters(captured):
    logger, stream = captured
    try:
        raise RuntimeError("(sqlite3.OperationalError) no such table: screenings\n[SQL: INSERT INTO messages "
                           "(body_enc, sender) VALUES (?, ?)]\n[parameters: ('I was hit last night', "
                           "'sms:abc123def')]\n(Background on this error at: https://sqlalche.me/e/14/e3q8)")
    except RuntimeError:
        logger.exception("the turn failed")
    written = stream.getvalue()
    assert "hit last night" not in written and "abc123def" not in written
    assert "no such table: screenings" in written and "RuntimeError" in written and "[SQL: INSERT" in written


def test_an_action_servers_error_body_loses_the_tracker(captured):
    logger, stream = captured
    logger.error("500, Internal Server Error, body='{\"error\": \"x\", \"request_body\": {\"tracker\": "
                 "{\"latest_message\": {\"text\": \"no one knows I use\"}}}}'")
    assert "no one knows" not in stream.getvalue()


def test_install_scrubs_records_of_every_logger_from_then_on():
    factory = logging.getLogRecordFactory()
    try:
        log_scrub.install()
        record = logging.getLogger("any.library").makeRecord(
            "any.library", logging.INFO, __file__, 1, "from %s: %r", (PHONE, {"text": "my words"}), None)
        assert PHONE not in record.getMessage() and "my words" not in record.getMessage()
    finally:
        logging.setLogRecordFactory(factory)
        log_scrub._installed = False


@pytest.mark.parametrize("presented, expected, status", [
    ("Bearer s3cret", "s3cret", None),
    ("bearer s3cret", "s3cret", None),
    (None, "s3cret", 401),
    ("", "s3cret", 401),
    ("Basic s3cret", "s3cret", 401),
    ("Bearer", "s3cret", 401),
    ("Bearer wrong", "s3cret", 403),
    ("Bearer s3cretx", "s3cret", 403),
    ("Bearer é", "s3cret", 403),
    ("Bearer s3cret", "", 403),          # no token set: everything is refused
])
def test_the_internal_token_check(presented, expected, status):
    assert internal_token.refusal(presented, expected) == status

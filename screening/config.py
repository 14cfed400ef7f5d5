"""Settings from the environment or a `.env` file (see `.env.example`)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_DIR / 'var' / 'screening.db'}"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
# Rasa's working memory when it does not share the database (SQLite set-up); RASA_TRACKER_DB moves it.
DEFAULT_RASA_TRACKER_DB = PROJECT_DIR / "var" / "rasa_tracker.db"


def rasa_tracker_db() -> Path:
    return Path(os.environ.get("RASA_TRACKER_DB") or DEFAULT_RASA_TRACKER_DB)


@dataclass(frozen=True)
class Settings:
    database_url: str
    encryption_key: str
    secret_key: str
    redis_url: str | None
    public_base_url: str
    app_port: int
    rasa_url: str = "http://127.0.0.1:5005"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    quick_exit_url: str = "https://www.weather.gov/"
    # Web chat: other sites allowed to embed the widget (CORS on /chat/api), and how long
    # an idle chat session lasts before the person needs their resume code.
    web_chat_allowed_origins: tuple[str, ...] = ()
    web_chat_session_minutes: int = 30
    metrics_token: str = ""        # GET /metrics needs it when set; else only this machine may ask
    # Where the app POSTs "crisis case waiting" (kind and console link only) for the on-call person;
    # empty: no alert is sent (the /metrics gauges of crisis cases waiting remain the signal).
    crisis_alert_webhook_url: str = ""
    # A conversation a screener took over and then left untouched (no reply) this long goes back
    # to the assistant, with a note to the person, so no one waits in silence.
    hold_idle_minutes: int = 30
    # Signs the audit log's hash chain; kept apart from SECRET_KEY (several keys, comma-separated,
    # newest first, to rotate it). Only the app and the `screening` command need it.
    audit_key: str = ""
    # How long an enrolment code for the console's second factor stays good.
    enrolment_code_hours: int = 24
    # Shared by the app, Rasa and the action server: the app presents it to Rasa's channel and
    # Rasa to the action server (screening/internal_token.py); without it each refuses.
    internal_token: str = ""
    # The id this app process leases SMS work under (APP_WORKER_ID, up to 36 characters; unique
    # among running app processes). `make run` gives its app a fixed one, so after a crash the
    # restarted app takes back the conversations it held at once instead of waiting out the
    # lease; empty: a new random id per process.
    app_worker_id: str = ""

    @property
    def web_chat_url(self) -> str:
        """Where a person can continue privately in a browser (offered by SMS)."""
        return f"{self.public_base_url}/chat"

    @property
    def verify_url(self) -> str:
        """The public page where a person or a court clerk checks a completion code."""
        return f"{self.public_base_url}/verify"


def load_settings(env_file: Path | None = None) -> Settings:
    # Values already in the environment win over the file.
    load_dotenv(env_file or PROJECT_DIR / ".env", override=False)
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        encryption_key=os.environ.get("ENCRYPTION_KEY", ""),
        secret_key=os.environ.get("SECRET_KEY", ""),
        redis_url=os.environ.get("REDIS_URL") or None,
        public_base_url=(os.environ.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL).rstrip("/"),
        app_port=int(os.environ.get("APP_PORT") or 8000),
        rasa_url=(os.environ.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
        twilio_account_sid=os.environ.get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=os.environ.get("TWILIO_AUTH_TOKEN", ""),
        twilio_from_number=os.environ.get("TWILIO_FROM_NUMBER", ""),
        twilio_api_base_url=(os.environ.get("TWILIO_API_BASE_URL") or "https://api.twilio.com").rstrip("/"),
        quick_exit_url=os.environ.get("QUICK_EXIT_URL") or "https://www.weather.gov/",
        web_chat_allowed_origins=tuple(o.strip().rstrip("/") for o in
                                       (os.environ.get("WEB_CHAT_ALLOWED_ORIGINS") or "").split(",") if o.strip()),
        web_chat_session_minutes=int(os.environ.get("WEB_CHAT_SESSION_MINUTES") or 30),
        metrics_token=os.environ.get("METRICS_TOKEN", ""),
        crisis_alert_webhook_url=(os.environ.get("CRISIS_ALERT_WEBHOOK_URL") or "").strip(),
        hold_idle_minutes=max(1, int(os.environ.get("HOLD_IDLE_MINUTES") or 30)),
        audit_key=os.environ.get("AUDIT_KEY", ""),
        enrolment_code_hours=max(1, int(os.environ.get("ENROLMENT_CODE_HOURS") or 24)),
        internal_token=os.environ.get("INTERNAL_TOKEN", "").strip(),
        app_worker_id=os.environ.get("APP_WORKER_ID", "").strip()[:36],
    )

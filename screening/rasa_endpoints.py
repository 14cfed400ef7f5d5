"""Rasa's endpoints file, made from the project's settings.

- action server on 127.0.0.1;
- tracker store (Rasa's working memory): the project's PostgreSQL database when
  DATABASE_URL is PostgreSQL (Rasa adds its own `events` table), else a SQLite file;
  events are saved without message text (rasa_channels/tracker_store.py);
- the action server is called with the internal token: the file names the environment
  variable (`Bearer ${INTERNAL_TOKEN}`), Rasa fills it in when it reads the file, so the
  token is never written to disk;
- lock store: Redis when REDIS_URL is set, so several Rasa processes can share
  conversations and one conversation's messages are handled by one process at a
  time; unset, Rasa's in-process lock store.

`screening.stack` (make run, the end-to-end tests, the benchmarks) always writes
the file from here. `endpoints.yml` in the repository is the default case
(SQLite, no Redis, default ports), for running Rasa by hand.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from .internal_token import ENV_VAR, HEADER, SCHEME

LOCK_KEY_PREFIX = "screening"
# Rasa expands ${...} from its environment when it reads the endpoints file.
ACTION_SERVER_AUTHORIZATION = f"{SCHEME} ${{{ENV_VAR}}}"
# Rasa's SQL tracker store, saving events without the words people and the assistant wrote.
TRACKER_STORE_TYPE = "rasa_channels.tracker_store.WordlessSQLTrackerStore"


def tracker_store(database_url: str, sqlite_path: Path) -> dict:
    parts = urlsplit(database_url)
    if parts.scheme.startswith("postgresql"):
        store = {"type": TRACKER_STORE_TYPE, "dialect": "postgresql", "url": parts.hostname or "127.0.0.1",
                 "port": parts.port or 5432, "db": parts.path.lstrip("/")}
        if parts.username:
            store["username"] = unquote(parts.username)
        if parts.password:
            store["password"] = unquote(parts.password)
        return store
    return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "db": str(sqlite_path)}


def lock_store(redis_url: str | None, key_prefix: str = LOCK_KEY_PREFIX) -> dict | None:
    if not redis_url:
        return None
    parts = urlsplit(redis_url)
    store = {"type": "redis", "url": parts.hostname or "127.0.0.1", "port": parts.port or 6379,
             "db": int(parts.path.lstrip("/") or 0), "key_prefix": key_prefix}
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def endpoints(action_port: int, database_url: str, sqlite_tracker: Path, redis_url: str | None,
              key_prefix: str = LOCK_KEY_PREFIX, action_url: str | None = None) -> dict:
    """`action_url` replaces the local action server (e.g. http://actions:5055/webhook in a deployment)."""
    config = {"action_endpoint": {"url": action_url or f"http://127.0.0.1:{action_port}/webhook",
                                  "headers": {HEADER: ACTION_SERVER_AUTHORIZATION}},
              "tracker_store": tracker_store(database_url, sqlite_tracker)}
    locks = lock_store(redis_url, key_prefix)
    if locks:
        config["lock_store"] = locks
    return config


def write_endpoints(path: Path, **settings) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Made by screening.rasa_endpoints from the settings; do not edit.\n"
                    + yaml.safe_dump(endpoints(**settings), sort_keys=False))
    return path


def main(argv: list[str] | None = None) -> int:
    """Write the endpoints file for a deployment from DATABASE_URL and REDIS_URL (see deploy/)."""
    import argparse

    from .config import load_settings, rasa_tracker_db

    parser = argparse.ArgumentParser(prog="python -m screening.rasa_endpoints", description=main.__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--action-url", help="the action server's webhook (default http://127.0.0.1:5055/webhook)")
    args = parser.parse_args(argv)
    settings = load_settings()
    write_endpoints(args.out, action_port=5055, database_url=settings.database_url,
                    sqlite_tracker=rasa_tracker_db(), redis_url=settings.redis_url,
                    action_url=args.action_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

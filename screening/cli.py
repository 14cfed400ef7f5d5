"""The `screening` command.

  screening db upgrade                      create or update the database schema
  screening export --format json|fhir       every screening, one JSON object per line
  screening keys                            print new ENCRYPTION_KEY, SECRET_KEY and INTERNAL_TOKEN lines for .env
  screening directory import PATH           load an Open Referral HSDS 3.0 package (CSV + datapackage.json)
  screening nlu-options                     regenerate data/nlu/instrument_options.yml
  screening users add --role R --username N create a console account (prints the TOTP enrolment QR)
  screening audit verify                    check the audit log's hash chain
  screening purge --older-than DAYS         delete screenings past retention, keep counts
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys

from pathlib import Path

from . import internal_token
from .config import PROJECT_DIR, load_settings
from .crypto import KeySettingError, new_encryption_key
from .export import questionnaire_response, screening_records
from .records import migrate
from .service import build_repository
from .training_data import generated_options_file


def _db_upgrade(args) -> int:
    migrate.upgrade(load_settings().database_url)
    print("database schema is up to date")
    return 0


def _export(args) -> int:
    repository = build_repository()
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        with repository.transaction() as unit:
            for record in screening_records(unit, include_text=args.include_text):
                document = questionnaire_response(record) if args.format == "fhir" else record
                out.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _directory_import(args) -> int:
    # Imported here so the other subcommands do not load the directory code.
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from .directory import PackageRefused, import_package
    from .records.db import make_engine

    def progress(stage: str, done: int, total: int | None) -> None:
        if total is None and not done:
            print(f"{stage} ...", file=sys.stderr, flush=True)
            return
        of = f"/{total}" if total is not None else ""
        print(f"{stage}: {done}{of}", file=sys.stderr, flush=True)

    engine = make_engine(load_settings().database_url)
    if args.if_empty:
        from .directory.services import latest_import_id

        with engine.connect() as conn:
            if latest_import_id(conn) is not None:
                print("a directory is already loaded; nothing imported")
                return 0
    try:
        report = import_package(engine, args.path, progress=progress, package_name=args.name)
    except PackageRefused as refused:
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        print(f"screening: package refused with {len(refused.problems)} problem(s); nothing was written",
              file=sys.stderr)
        return 1
    except (OperationalError, ProgrammingError) as exc:
        print(f"screening: the database is not ready ({exc.orig.__class__.__name__}: "
              f"{str(exc.orig).strip().splitlines()[0]}); run `screening db upgrade` first", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print("\n".join(report.summary_lines()))
    return 0


def _keys(args) -> int:
    print(f"ENCRYPTION_KEY={new_encryption_key()}")
    print(f"SECRET_KEY={secrets.token_urlsafe(48)}")
    print(f"INTERNAL_TOKEN={internal_token.new_token()}")
    return 0


def _nlu_options(args) -> int:
    path, text = generated_options_file(Path(args.nlu_dir))
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _users_add(args) -> int:
    import getpass

    import segno

    from .accounts import AccountError, AccountStore, totp_uri
    from .clock import utc_now

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (12 or more characters): ")
        if getpass.getpass("Same password again: ") != password:
            print("screening: the two passwords differ; no account was created", file=sys.stderr)
            return 1
    repository = build_repository()
    try:
        with repository.transaction() as unit:
            account = AccountStore(unit.conn, unit.cipher).add(args.username, args.role, password, utc_now())
    except AccountError as exc:
        print(f"screening: {exc}; no account was created", file=sys.stderr)
        return 1
    uri = totp_uri(account.totp_secret, account.username)
    print(f"created {account.role} account {account.username!r}")
    print("Add it to an authenticator app now (or scan the QR code shown at first sign-in):")
    print(uri)
    segno.make(uri, error="m").terminal(compact=True)
    return 0


def _audit_verify(args) -> int:
    from .audit import verify

    repository = build_repository()
    with repository.transaction() as unit:
        report = verify(unit.conn, repository.secret_key)
    if report.intact:
        print(f"audit chain intact: {report.count} events")
        return 0
    print(f"audit chain BROKEN at event {report.broken_at}: {report.reason}", file=sys.stderr)
    return 1


def _purge(args) -> int:
    from .clock import utc_now
    from .retention import purge

    from .config import rasa_tracker_db

    settings = load_settings()
    tracker = rasa_tracker_db()
    # On PostgreSQL Rasa shares the database (purged with it); with SQLite it has its own file.
    separate = not settings.database_url.startswith("postgresql") and tracker.exists()
    try:
        report = purge(build_repository(), args.older_than, utc_now(),
                       rasa_tracker_url=f"sqlite:///{tracker}" if separate else None)
    except ValueError as exc:
        print(f"screening: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.summary_lines()))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="screening", description="Needs-screening intake assistant.")
    commands = root.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply every migration").set_defaults(run=_db_upgrade)

    export = commands.add_parser("export", help="export screenings")
    export.add_argument("--format", choices=("json", "fhir"), default="json")
    export.add_argument("--output", "-o", help="write to this file instead of standard output")
    export.add_argument("--include-text", action="store_true",
                        help="include what people typed (decrypted); handle the file as confidential")
    export.set_defaults(run=_export)

    directory = commands.add_parser("directory", help="the service directory").add_subparsers(
        dest="directory_command", required=True)
    directory_import = directory.add_parser(
        "import", help="load an Open Referral HSDS 3.0 package (a folder of CSV files and datapackage.json)")
    directory_import.add_argument("path", help="the package folder")
    directory_import.add_argument("--name", help="the package's name (default: its datapackage.json name, "
                                  "else the folder's name); re-imports under the same name replace it")
    directory_import.add_argument("--if-empty", action="store_true",
                                  help="import only when no directory has been loaded yet (used by `make run`)")
    directory_import.set_defaults(run=_directory_import)

    commands.add_parser("keys", help="print new secret keys for .env").set_defaults(run=_keys)

    options = commands.add_parser("nlu-options", help="write the NLU examples derived from the instrument")
    options.add_argument("--nlu-dir", default=str(PROJECT_DIR / "data" / "nlu"))
    options.set_defaults(run=_nlu_options)
    users = commands.add_parser("users", help="console accounts").add_subparsers(dest="users_command", required=True)
    users_add = users.add_parser("add", help="create a screener, supervisor or admin account")
    users_add.add_argument("--role", required=True, choices=("screener", "supervisor", "admin"))
    users_add.add_argument("--username", required=True)
    users_add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users_add.set_defaults(run=_users_add)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the hash chain (exit 1 when broken)").set_defaults(run=_audit_verify)

    purge = commands.add_parser("purge", help="delete screenings past the retention period, keep counts")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS",
                       help="screenings whose last activity is older than DAYS days")
    purge.set_defaults(run=_purge)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeySettingError as exc:
        print(f"screening: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

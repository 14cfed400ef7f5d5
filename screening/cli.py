"""The `screening` command.

  screening db upgrade                      create or update the database schema
  screening export --format json|fhir       every screening, one JSON object per line
  screening export --format fhir-bundle     every case as one FHIR transaction Bundle per line
  screening export --format fhir-questionnaire   the instrument as a FHIR Questionnaire
  screening keys                            print new ENCRYPTION_KEY, SECRET_KEY, AUDIT_KEY and INTERNAL_TOKEN lines for .env
  screening keys reencrypt                  re-encrypt every stored value with the newest ENCRYPTION_KEY
                                            (and encrypt any sensitive value still in clear)
  screening directory import PATH           load an Open Referral HSDS 3.0 package (CSV + datapackage.json)
  screening nlu-options                     regenerate data/nlu/instrument_options.yml
  screening users add --role R --username N create a console account (prints its one-time enrolment code)
  screening users list                      every console account, its role and state
  screening users disable|enable USERNAME   turn an account off (its sessions end at once) or back on
  screening users reset-password USERNAME   set a new password (sessions end)
  screening users reset-2fa USERNAME        a new second factor: prints a new enrolment code
  screening users set-role USERNAME ROLE    screener, supervisor or admin
  screening users end-sessions USERNAME     sign the account out everywhere
  screening audit verify                    check the audit log's hash chain
  screening purge --older-than DAYS         delete screenings past retention, keep counts
  screening reminders list [--json] [--due-before ISO-DATETIME]
                                            what is scheduled: screening id, kind, due time (no personal details)
  screening insert --out FILE.pdf [--language en,es,...] [--size letter|half-letter|card]
                                            the printable citation insert: how to start, in each language
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
from .fhir.questionnaire import questionnaire
from .instrument import default_instrument
from .export import case_bundle, questionnaire_response, screening_records
from .records import migrate
from .service import build_repository
from .training_data import generated_options_file


def _db_upgrade(args) -> int:
    settings = load_settings()
    migrate.upgrade(settings.database_url, encryption_key=settings.encryption_key)
    print("database schema is up to date")
    return 0


def _cli_actor() -> str:
    """Who ran the command, for the audit log: "cli" and the operating-system user."""
    import getpass
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _export(args) -> int:
    if args.format == "fhir-questionnaire":     # the instrument only: no database, no keys needed
        document = json.dumps(questionnaire(default_instrument()), ensure_ascii=False, sort_keys=True) + "\n"
        if args.output:
            Path(args.output).write_text(document, encoding="utf-8")
        else:
            sys.stdout.write(document)
        return 0

    from . import audit
    from .clock import utc_now

    repository = build_repository()
    # Audited before anything is written (and refused when AUDIT_KEY is missing).
    with repository.transaction() as unit:
        audit.append(unit.conn, repository.audit_keys, actor=_cli_actor(), action="export", now=utc_now(),
                     details={"format": args.format, "include_text": bool(args.include_text),
                              "to": "file" if args.output else "standard output"})
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        with repository.transaction() as unit:
            # FHIR never carries what people typed, whatever --include-text says.
            include_text = args.include_text and args.format == "json"
            for record in screening_records(unit, include_text=include_text):
                if args.format == "fhir":
                    document = questionnaire_response(record)
                elif args.format == "fhir-bundle":
                    document = case_bundle(unit, record)
                else:
                    document = record
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
    print(f"AUDIT_KEY={secrets.token_urlsafe(48)}")
    print(f"INTERNAL_TOKEN={internal_token.new_token()}")
    return 0


def _keys_reencrypt(args) -> int:
    from collections import Counter

    from . import audit
    from .clock import utc_now
    from .records.resealing import reencrypt_all, seal_clear_rows

    repository = build_repository()
    with repository.transaction() as unit:
        audit.append(unit.conn, repository.audit_keys, actor=_cli_actor(), action="keys.reencrypt", now=utc_now(),
                     details={"stage": "started"})
        sealed = seal_clear_rows(unit.conn, unit.cipher, unit.sensitivity)

    def progress(table: str, done: int) -> None:
        print(f"{table}: {done}", file=sys.stderr, flush=True)

    rotated: Counter = reencrypt_all(repository.engine, repository.cipher, progress=progress)
    with repository.transaction() as unit:
        audit.append(unit.conn, repository.audit_keys, actor=_cli_actor(), action="keys.reencrypt", now=utc_now(),
                     details={"stage": "finished", "values": sum(rotated.values()), "sealed": sum(sealed.values())})
    for table, count in sorted(sealed.items()):
        print(f"sealed (were in clear): {table}: {count}")
    for table, count in sorted(rotated.items()):
        print(f"re-encrypted: {table}: {count}")
    print(f"{sum(rotated.values())} values now use the newest key; older keys can be removed from ENCRYPTION_KEY")
    return 0


def _nlu_options(args) -> int:
    path, text = generated_options_file(Path(args.nlu_dir))
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _read_password(args, what: str = "Password") -> str | None:
    """From standard input (--password-stdin) or typed twice; None when the two differ."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"{what} (12 or more characters): ")
    if getpass.getpass("Same password again: ") != password:
        return None
    return password


def _account_admin(run):
    """Run `run(admin)` in one transaction with the audit log, printing a plain error
    (and changing nothing) when the change is refused."""
    from datetime import timedelta

    from .account_admin import AccountAdmin
    from .accounts import AccountError
    from .clock import utc_now

    settings = load_settings()
    repository = build_repository(settings)
    try:
        with repository.transaction() as unit:
            admin = AccountAdmin(unit, repository.audit_keys, _cli_actor(), utc_now(),
                                 timedelta(hours=settings.enrolment_code_hours))
            return run(admin), settings
    except AccountError as exc:
        print(f"screening: {exc}; nothing was changed", file=sys.stderr)
        return None, settings


def _print_enrolment(enrolment, settings) -> None:
    print(f"One-time enrolment code for {enrolment.account.username!r}: {enrolment.code}")
    print(f"Good once, until {enrolment.expires_at:%Y-%m-%d %H:%M} UTC. Give it to the person yourself "
          f"(not by email); they sign in at {settings.public_base_url}/review/login with their password, "
          "enter the code, and then set up their authenticator app.")


def _new_password_hash(args, what: str) -> str | None:
    from .accounts import AccountError, check_password, hash_password

    password = _read_password(args, what)
    if password is None:
        print("screening: the two passwords differ; nothing was changed", file=sys.stderr)
        return None
    try:
        check_password(password)
    except AccountError as exc:
        print(f"screening: {exc}; nothing was changed", file=sys.stderr)
        return None
    return hash_password(password)          # argon2 runs before the transaction opens


def _users_add(args) -> int:
    password_hash = _new_password_hash(args, "Password")
    if password_hash is None:
        return 1
    enrolment, settings = _account_admin(lambda admin: admin.add(args.username, args.role, password_hash))
    if enrolment is None:
        return 1
    print(f"created {enrolment.account.role} account {enrolment.account.username!r}")
    _print_enrolment(enrolment, settings)
    return 0


def _users_list(args) -> int:
    from .accounts import AccountStore

    repository = build_repository()
    with repository.transaction() as unit:
        accounts = AccountStore(unit.conn, unit.cipher).all()
    if not accounts:
        print("no accounts yet; add one with `screening users add --role admin --username NAME`")
        return 0
    print(f"{'username':24} {'role':11} {'state':19} last sign-in")
    for account in accounts:
        last = f"{account.last_login_at:%Y-%m-%d %H:%M} UTC" if account.last_login_at else "never"
        print(f"{account.username:24} {account.role:11} {account.status:19} {last}")
    return 0


def _account_change(change, say) -> int:
    """Run one account change (see `_account_admin`) and print what it did, or exit 1."""
    result, _ = _account_admin(change)
    if result is None:
        return 1
    print(say(result))
    return 0


def _users_disable(args) -> int:
    return _account_change(lambda admin: admin.disable(args.username),
                           lambda ended: f"disabled {args.username!r}; {ended} session(s) ended")


def _users_enable(args) -> int:
    return _account_change(lambda admin: admin.enable(args.username) or True,
                           lambda _: f"enabled {args.username!r}; they sign in as before")


def _users_reset_password(args) -> int:
    password_hash = _new_password_hash(args, "New password")
    if password_hash is None:
        return 1
    return _account_change(lambda admin: admin.reset_password(args.username, password_hash),
                           lambda ended: f"new password set for {args.username!r}; {ended} session(s) ended")


def _users_reset_2fa(args) -> int:
    enrolment, settings = _account_admin(lambda admin: admin.reset_second_factor(args.username))
    if enrolment is None:
        return 1
    print(f"second factor reset for {enrolment.account.username!r}; their old authenticator no longer works")
    _print_enrolment(enrolment, settings)
    return 0


def _users_set_role(args) -> int:
    return _account_change(lambda admin: admin.set_role(args.username, args.role) or True,
                           lambda _: f"{args.username!r} is now a {args.role}")


def _users_end_sessions(args) -> int:
    return _account_change(lambda admin: admin.end_sessions(args.username),
                           lambda ended: f"{ended} session(s) of {args.username!r} ended")


def _audit_verify(args) -> int:
    from .audit import verify

    repository = build_repository()
    with repository.transaction() as unit:
        report = verify(unit.conn, repository.audit_keys)
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


def _due_before(text: str):
    """An ISO date or date-time; a time without a zone is UTC, as every stored time is."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time like 2026-12-01T09:00:00Z") from None
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def _reminders_list(args) -> int:
    from . import reminders

    repository = build_repository()
    with repository.transaction() as unit:
        waiting = reminders.scheduled(unit.conn, args.due_before)
    for each in waiting:
        due = each.due_at.isoformat() + "Z"
        if args.json:
            print(json.dumps({"screening_id": each.screening_id, "kind": each.kind, "due_at": due,
                              "status": each.status}, sort_keys=True))
        else:
            print(f"{due}  {each.kind:<8}  {each.screening_id}  {each.status}")
    if not args.json:
        print(f"{len(waiting)} reminder(s) scheduled", file=sys.stderr)
    return 0


def _insert(args) -> int:
    import os
    import tempfile

    from .insert import FontMissing, InsertError, find_fonts, insert_blocks, render_insert
    from .insert.texts import NOT_REVIEWED
    from .program import ProgramSettingsError, load_program

    settings = load_settings()
    try:
        program = load_program()
        blocks = insert_blocks(args.language.split(","), program, number=settings.twilio_from_number,
                               public_base_url=settings.public_base_url)
        web_address = blocks[0].chat_url.split("://", 1)[1].split("?", 1)[0]
        document = render_insert(blocks, args.size, find_fonts(), program_name=program.name, web_address=web_address)
    except (InsertError, FontMissing, ProgramSettingsError) as exc:
        print(f"screening: {exc}; no insert was written", file=sys.stderr)
        return 2
    out = Path(args.out)
    # Written whole or not at all: a half-written PDF never replaces a good one.
    handle, partial = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", suffix=".pdf.tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(document)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)       # a file to share with the printer, not a secret
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    print(f"wrote {out}: {args.size}, {', '.join(b.language for b in blocks)} "
          f"({program.mode.replace('_', ' ')} wording)")
    unreviewed = [b.language for b in blocks if b.review == NOT_REVIEWED]
    if unreviewed:
        print(f"{NOT_REVIEWED}: {', '.join(unreviewed)} (have a fluent reader check it before printing)",
              file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="screening", description="Needs-screening intake assistant.")
    commands = root.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply every migration").set_defaults(run=_db_upgrade)

    export = commands.add_parser("export", help="export screenings")
    export.add_argument("--format", choices=("json", "fhir", "fhir-bundle", "fhir-questionnaire"), default="json",
                        help="json: the export contract; fhir: one QuestionnaireResponse per screening; "
                             "fhir-bundle: one transaction Bundle per case; fhir-questionnaire: the instrument")
    export.add_argument("--output", "-o", help="write to this file instead of standard output")
    export.add_argument("--include-text", action="store_true",
                        help="json only: include what people typed (decrypted); handle the file as confidential")
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

    keys = commands.add_parser("keys", help="print new secret keys for .env")
    keys.set_defaults(run=_keys)
    keys.add_subparsers(dest="keys_command").add_parser(
        "reencrypt", help="re-encrypt every stored value with the newest ENCRYPTION_KEY (the first listed), "
                          "so older keys can be dropped").set_defaults(run=_keys_reencrypt)

    options = commands.add_parser("nlu-options", help="write the NLU examples derived from the instrument")
    options.add_argument("--nlu-dir", default=str(PROJECT_DIR / "data" / "nlu"))
    options.set_defaults(run=_nlu_options)
    users = commands.add_parser("users", help="console accounts").add_subparsers(dest="users_command", required=True)
    users_add = users.add_parser("add", help="create a screener, supervisor or admin account")
    users_add.add_argument("--role", required=True, choices=("screener", "supervisor", "admin"))
    users_add.add_argument("--username", required=True)
    users_add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users_add.set_defaults(run=_users_add)
    users.add_parser("list", help="every account, its role and state").set_defaults(run=_users_list)
    for name, run, help_text in (
            ("disable", _users_disable, "turn an account off; its sessions end at once"),
            ("enable", _users_enable, "turn a disabled account back on"),
            ("reset-password", _users_reset_password, "set a new password; its sessions end"),
            ("reset-2fa", _users_reset_2fa, "issue a new enrolment code; the old authenticator stops working"),
            ("set-role", _users_set_role, "change an account's role"),
            ("end-sessions", _users_end_sessions, "sign an account out everywhere")):
        command = users.add_parser(name, help=help_text)
        command.add_argument("username")
        if name == "set-role":
            command.add_argument("role", choices=("screener", "supervisor", "admin"))
        if name == "reset-password":
            command.add_argument("--password-stdin", action="store_true",
                                 help="read the new password from standard input")
        command.set_defaults(run=run)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the hash chain (exit 1 when broken)").set_defaults(run=_audit_verify)

    purge = commands.add_parser("purge", help="delete screenings past the retention period, keep counts")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS",
                       help="screenings whose last activity is older than DAYS days")
    purge.set_defaults(run=_purge)

    reminders = commands.add_parser("reminders", help="reminders and check-ins").add_subparsers(
        dest="reminders_command", required=True)
    reminders_list = reminders.add_parser(
        "list", help="what is scheduled, soonest first: screening id, kind, due time (no personal details)")
    reminders_list.add_argument("--json", action="store_true", help="one JSON object per line")
    reminders_list.add_argument("--due-before", type=_due_before, metavar="ISO-DATETIME",
                                help="only those due before this time (UTC unless a zone is given)")
    reminders_list.set_defaults(run=_reminders_list)

    insert = commands.add_parser("insert", help="the printable citation insert (PDF): how to start, in each language")
    insert.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    insert.add_argument("--language", default="en,es,pt,ht,zh,vi,kea", metavar="CODES",
                        help="comma-separated, in print order (default: en,es,pt,ht,zh,vi,kea)")
    insert.add_argument("--size", choices=("letter", "half-letter", "card"), default="letter",
                        help="letter (8.5x11 in), half-letter (5.5x8.5 in) or card (4x6 in); default letter")
    insert.set_defaults(run=_insert)
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

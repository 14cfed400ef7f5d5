"""The `screening` command.

  screening db upgrade                      create or update the database schema
  screening export --format json|fhir       every screening, one JSON object per line
  screening keys                            print new ENCRYPTION_KEY and SECRET_KEY lines for .env
  screening nlu-options                     regenerate data/nlu/instrument_options.yml
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys

from pathlib import Path

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


def _keys(args) -> int:
    print(f"ENCRYPTION_KEY={new_encryption_key()}")
    print(f"SECRET_KEY={secrets.token_urlsafe(48)}")
    return 0


def _nlu_options(args) -> int:
    path, text = generated_options_file(Path(args.nlu_dir))
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
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

    commands.add_parser("keys", help="print new secret keys for .env").set_defaults(run=_keys)

    options = commands.add_parser("nlu-options", help="write the NLU examples derived from the instrument")
    options.add_argument("--nlu-dir", default=str(PROJECT_DIR / "data" / "nlu"))
    options.set_defaults(run=_nlu_options)
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

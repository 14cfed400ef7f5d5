"""Screenings as data for a program: JSON lines, and FHIR R4 (see screening/fhir/)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterator

from sqlalchemy import select

from .directory import tables as directory
from .fhir.bundle import case_bundle as fhir_case_bundle
from .fhir.codes import NOTICE_42_CFR_PART_2  # noqa: F401  (kept importable from here)
from .fhir.response import questionnaire_response as fhir_response
from .instrument import Instrument, default_instrument
from .records import models as m
from .records.repository import Unit
from .records.sealing import open_flag, open_result


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() + ("Z" if isinstance(value, datetime) else "")


def _option_text(item, option_id: str, which: str) -> str | None:
    """The option's English label or short label; None for an item or option this instrument lacks."""
    option = next((o for o in item.options if o.id == option_id), None) if item is not None else None
    return getattr(option, which)["en"] if option is not None else None


def screening_records(unit: Unit, instrument: Instrument | None = None,
                      include_text: bool = False) -> Iterator[dict[str, Any]]:
    """One dict per screening, oldest first, in the export contract's shape."""
    instrument = instrument or default_instrument()
    ids = unit.conn.execute(select(m.screenings.c.id).order_by(m.screenings.c.started_at, m.screenings.c.id)).scalars()
    for screening_id in list(ids):
        yield screening_record(unit, screening_id, instrument, include_text)


def screening_record(unit: Unit, screening_id: str, instrument: Instrument,
                     include_text: bool = False) -> dict[str, Any]:
    row = unit.screening(screening_id)
    answers: dict[str, Any] = {}
    texts = {}
    if include_text:
        for r in unit.conn.execute(select(m.answers.c.item_id, m.answers.c.version, m.answers.c.free_text_enc)
                                   .where(m.answers.c.screening_id == screening_id)):
            texts[(r.item_id, r.version)] = unit.cipher.decrypt(r.free_text_enc)
    for item_id, answer in unit.current_answers(screening_id).items():
        # An answer an older instrument version stored may name an item or option this one has not:
        # it is exported as stored, without the labels.
        item = instrument.items.get(item_id)
        entry = {
            "option_ids": list(answer.option_ids),
            "short_labels": [_option_text(item, o, "short") for o in answer.option_ids],
            "skipped": answer.skipped,
            "skip_reason": answer.skip_reason,
            "language": answer.language,
            "translation_review": instrument.translation_review(answer.language, item_id),
            "translation_source": instrument.translation_source(answer.language, item_id),
            "answered_at": _iso(answer.answered_at),
            "times_changed": answer.version - 1,
        }
        if item is not None and item.loinc:
            entry["loinc"] = item.loinc
        if include_text:
            entry["free_text"] = texts.get((item_id, answer.version))
        answers[item_id] = entry
    domains = {}
    for r in unit.conn.execute(select(m.domain_results).where(m.domain_results.c.screening_id == screening_id)):
        result = open_result(unit.cipher, r)      # sensitive domains are stored encrypted
        domains[r.domain] = {"need": r.need, "positive": result.positive, "complete": result.complete,
                             "score": result.score}
    flags = []
    for r in unit.conn.execute(select(m.flags).where(m.flags.c.screening_id == screening_id).order_by(m.flags.c.id)):
        reason, step = open_flag(unit.cipher, r)
        flags.append({"kind": r.kind, "reason": reason, "step": step, "created_at": _iso(r.created_at)})
    return {
        "id": row.id,
        "person_id": row.participant_id,     # pseudonymous: a random id, never the phone number
        "status": row.status,
        "consent": row.consent,
        "language": row.language,
        "channel": row.channel,
        "instrument": {"id": row.instrument_id, "version": row.instrument_version},
        "started_at": _iso(row.started_at),
        "completed_at": _iso(row.completed_at),
        "citation_date": _iso(row.citation_date),
        "deadline": _iso(row.deadline),
        "location": {"zip": row.location_zip, "town": row.location_town},
        "contact_preference": row.contact_preference,
        "completion_code": row.completion_code,
        "answers": answers,
        "domains": domains,
        "self_identified_needs": list(unit.needs(screening_id)),
        "flags": flags,
        "referrals": [_referral(r) for r in unit.conn.execute(
            select(m.referrals).where(m.referrals.c.screening_id == screening_id).order_by(m.referrals.c.id))],
    }


def _referral(r) -> dict[str, Any]:
    entry = {"need": r.need, "rank": r.rank, "service_id": r.service_id, "location_id": r.location_id,
             "name": r.name, "town": r.town, "phone": r.phone, "miles": r.miles, "reason": r.reason,
             "shown_at": _iso(r.shown_at), "outcome": r.outcome, "outcome_at": _iso(r.outcome_at)}
    return entry


def questionnaire_response(record: dict[str, Any], instrument: Instrument | None = None) -> dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse for one exported screening record (`--format fhir`)."""
    return fhir_response(record, instrument or default_instrument())


def service_providers(unit: Unit, service_ids) -> dict[str, dict[str, Any]]:
    """HSDS service id -> the organization providing it, for the services the loaded directory still has."""
    wanted = sorted({s for s in service_ids if s})
    if not wanted:
        return {}
    rows = unit.conn.execute(
        select(directory.directory_services.c.id, directory.directory_organizations.c.id.label("org_id"),
               directory.directory_organizations.c.name)
        .join(directory.directory_organizations,
              directory.directory_organizations.c.id == directory.directory_services.c.organization_id)
        .where(directory.directory_services.c.id.in_(wanted)))
    return {r.id: {"organization_id": r.org_id, "organization_name": r.name} for r in rows}


def case_bundle(unit: Unit, record: dict[str, Any], instrument: Instrument | None = None) -> dict[str, Any]:
    """The whole case as one FHIR transaction Bundle (`--format fhir-bundle`, the console's export)."""
    providers = service_providers(unit, (r["service_id"] for r in record["referrals"]))
    return fhir_case_bundle(record, instrument or default_instrument(), providers)

"""The whole case as one FHIR R4 transaction `Bundle`.

Every entry is a PUT of a resource whose id is derived from the screening, so sending the
same case again (after more answers, or a check-in outcome) updates it in place.
"""
from __future__ import annotations

from typing import Any

from ..instrument import Instrument
from .codes import SCREENING_SYSTEM, person, protected, resource_id
from .needs import need_condition_id, need_conditions
from .observations import domain_observation_id, observations
from .referrals import referral_task, service_request, service_resources, task_state
from .response import questionnaire_response


def case_resources(record: dict[str, Any], instrument: Instrument,
                   providers: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every resource of one case: the person (pseudonymous id only), the response, the observations,
    the person's needs, and for each referral its service, request and task.

    `providers` maps an HSDS service id to its organization (`organization_id`, `organization_name`)
    where the directory still has it."""
    providers = providers or {}
    resources: list[dict[str, Any]] = [person(record["person_id"]), questionnaire_response(record, instrument)]
    resources += observations(record, instrument)
    resources += need_conditions(record)
    positive_domains = {d.id: d.need for d in instrument.domains if (record["domains"].get(d.id) or {}).get("positive")}
    seen: set[tuple[str, str]] = {(r["resourceType"], r["id"]) for r in resources}
    for position, referral in enumerate(record["referrals"]):
        reasons = []
        if referral["need"] in record["self_identified_needs"]:
            reasons.append(f"Condition/{need_condition_id(record['id'], referral['need'])}")
        reasons += [f"Observation/{domain_observation_id(record['id'], d)}"
                    for d, need in positive_domains.items() if need == referral["need"]]
        outcome, outcome_at = referral.get("outcome"), referral.get("outcome_at")
        for resource in service_resources(record["id"], position, referral, providers.get(referral.get("service_id") or "")):
            if (resource["resourceType"], resource["id"]) not in seen:
                seen.add((resource["resourceType"], resource["id"]))
                resources.append(resource)
        resources.append(service_request(record, position, referral, reasons, task_state(outcome)))
        resources.append(referral_task(record["id"], record["person_id"], position, referral, outcome, outcome_at))
    return resources


def case_bundle(record: dict[str, Any], instrument: Instrument,
                providers: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    entries = [{"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
               for r in case_resources(record, instrument, providers)]
    return protected({
        "resourceType": "Bundle",
        "id": resource_id(record["id"], "bundle"),
        "identifier": {"system": SCREENING_SYSTEM, "value": record["id"]},
        "type": "transaction",
        "entry": entries,
    })

"""Each referral shown to the person, in the Gravity SDOH Clinical Care shape.

- the service: a `HealthcareService` with its HSDS service id, the `Location` (HSDS location id,
  town) and the `Organization` that provides it when the loaded directory still has it; a
  statewide line (no HSDS id) is a HealthcareService with its name and number only;
- the referral: a `ServiceRequest` for the need (SDOH category and the project's need code) to
  that service, with the short reason the person read and its rank for the need;
- the person's part: a `Task` ("make contact" with the service), whose status is the person's
  check-in outcome (`task_state`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .codes import (
    HSDS_LOCATION_SYSTEM, HSDS_ORGANIZATION_SYSTEM, HSDS_SERVICE_SYSTEM, NEED_CATEGORIES, OUTCOME_SYSTEM,
    SDOH_CATEGORY, need_concept, person_reference, protected, rank_extension, resource_id, sdoh_categories,
)

OUTCOMES = ("reached", "not_reached", "other_help")


@dataclass(frozen=True)
class TaskState:
    task_status: str          # R4 Task.status
    request_status: str       # R4 ServiceRequest.status
    outcome: str              # the project's outcome code ("pending" before any check-in)
    display: str
    reason: str | None = None # Task.statusReason, in words


_STATES = {
    None: TaskState("requested", "active", "pending", "No check-in answer yet"),
    "reached": TaskState("completed", "completed", "reached", "The person reached the service"),
    "not_reached": TaskState("failed", "active", "not_reached", "The person did not reach the service",
                             "The person could not reach the service yet"),
    "other_help": TaskState("cancelled", "revoked", "other_help", "The person got help elsewhere",
                            "The person got help from somewhere else"),
}


def task_state(outcome: str | None) -> TaskState:
    """The check-in outcome ('reached' | 'not_reached' | 'other_help', None before any check-in)
    as FHIR statuses. An outcome this version does not know is treated as no answer yet."""
    return _STATES.get(outcome, _STATES[None])


def service_ids(screening_id: str, position: int, referral: dict[str, Any]) -> dict[str, str]:
    key = (referral.get("service_id") or f"line:{referral['name']}:{referral.get('phone') or ''}",
           referral.get("location_id") or "")
    return {
        "service": resource_id("healthcare-service", *key),
        "location": resource_id("location", referral.get("location_id") or ""),
        "request": resource_id(screening_id, "referral", str(position), referral["need"], str(referral["rank"])),
        "task": resource_id(screening_id, "referral-task", str(position), referral["need"], str(referral["rank"])),
    }


def organization(provider: dict[str, Any]) -> dict[str, Any]:
    return protected({
        "resourceType": "Organization", "id": resource_id("organization", provider["organization_id"]),
        "identifier": [{"system": HSDS_ORGANIZATION_SYSTEM, "value": provider["organization_id"]}],
        "active": True, "name": provider["organization_name"],
    })


def service_resources(screening_id: str, position: int, referral: dict[str, Any],
                      provider: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The HealthcareService, and its Location and Organization where known."""
    ids = service_ids(screening_id, position, referral)
    resources: list[dict[str, Any]] = []
    service: dict[str, Any] = {"resourceType": "HealthcareService", "id": ids["service"], "active": True,
                               "name": referral["name"], "category": [need_concept(referral["need"])]}
    if referral.get("service_id"):
        service["identifier"] = [{"system": HSDS_SERVICE_SYSTEM, "value": referral["service_id"]}]
    if referral.get("phone"):
        # The service's own published number (from the directory), never the person's.
        service["telecom"] = [{"system": "phone", "value": referral["phone"], "use": "work"}]
    if provider:
        org = organization(provider)
        service["providedBy"] = {"reference": f"Organization/{org['id']}", "display": org["name"]}
        resources.append(org)
    if referral.get("location_id") or referral.get("town"):
        location: dict[str, Any] = {"resourceType": "Location", "id": ids["location"], "status": "active",
                                    "mode": "instance"}
        if not referral.get("location_id"):
            location["id"] = resource_id("location", ids["service"], referral.get("town") or "")
        else:
            location["identifier"] = [{"system": HSDS_LOCATION_SYSTEM, "value": referral["location_id"]}]
        if referral.get("town"):
            location["address"] = {"city": referral["town"], "state": "MA", "country": "US"}
        service["location"] = [{"reference": f"Location/{location['id']}"}]
        resources.append(protected(location))
    resources.append(protected(service))
    return resources


def service_request(record: dict[str, Any], position: int, referral: dict[str, Any],
                    reasons: list[str], state: TaskState) -> dict[str, Any]:
    ids = service_ids(record["id"], position, referral)
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": ids["request"],
        "extension": rank_extension(referral["rank"]),
        "status": state.request_status, "intent": "order",
        "category": sdoh_categories(NEED_CATEGORIES, referral["need"]),
        "code": need_concept(referral["need"]),
        "subject": person_reference(record["person_id"]),
        "authoredOn": referral["shown_at"],
        "performer": [{"reference": f"HealthcareService/{ids['service']}", "display": referral["name"]}],
        "supportingInfo": [{"reference": f"QuestionnaireResponse/{record['id']}"}],
    }
    if reasons:
        request["reasonReference"] = [{"reference": r} for r in reasons]
    if referral.get("reason"):
        request["patientInstruction"] = referral["reason"]      # what the person read: "0.4 miles away · free"
    return protected(request)


def referral_task(record_id: str, person_id: str, position: int, referral: dict[str, Any],
                  outcome: str | None, outcome_at: datetime | str | None) -> dict[str, Any]:
    """The person's task of contacting the service, its status their check-in outcome."""
    if isinstance(outcome_at, datetime):
        outcome_at = outcome_at.isoformat() + ("Z" if outcome_at.tzinfo is None else "")
    ids = service_ids(record_id, position, referral)
    state = task_state(outcome)
    person = person_reference(person_id)
    task: dict[str, Any] = {
        "resourceType": "Task", "id": ids["task"],
        "status": state.task_status, "intent": "order",
        "businessStatus": {"coding": [{"system": OUTCOME_SYSTEM, "code": state.outcome, "display": state.display}],
                           "text": state.display},
        "code": {"coding": [{"system": SDOH_CATEGORY, "code": "make-contact", "display": "Make Contact"}]},
        "focus": {"reference": f"ServiceRequest/{ids['request']}"},
        "for": person, "owner": person,
        "authoredOn": referral["shown_at"],
        "lastModified": (outcome_at if state.outcome != "pending" and outcome_at else referral["shown_at"]),
        "input": [{"type": {"coding": [{"system": SDOH_CATEGORY, "code": "contact-entity",
                                        "display": "Contact Entity"}]},
                   "valueReference": {"reference": f"HealthcareService/{ids['service']}"}}],
    }
    if state.reason:
        task["statusReason"] = {"text": state.reason}
    return protected(task)

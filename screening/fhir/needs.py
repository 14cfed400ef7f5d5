"""The person's own ranked needs as health concerns (`Condition`, category health-concern).

They are what the person said they want help with, in their order: asserted by the person,
not confirmed by a clinician (`verificationStatus` unconfirmed), and each carries its rank.
"""
from __future__ import annotations

from typing import Any

from .codes import (
    CONDITION_CATEGORY, CONDITION_CLINICAL, CONDITION_VERIFICATION, NEED_CATEGORIES, need_concept, person_reference,
    protected, rank_extension, resource_id, sdoh_categories,
)


def need_condition_id(screening_id: str, need: str) -> str:
    return resource_id(screening_id, "need", need)


def need_conditions(record: dict[str, Any]) -> list[dict[str, Any]]:
    person = person_reference(record["person_id"])
    conditions = []
    for rank, need in enumerate(record["self_identified_needs"], start=1):
        conditions.append(protected({
            "resourceType": "Condition",
            "id": need_condition_id(record["id"], need),
            "extension": rank_extension(rank),
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "unconfirmed"}]},
            "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "health-concern",
                                      "display": "Health Concern"}]}] + sdoh_categories(NEED_CATEGORIES, need),
            "code": need_concept(need),
            "subject": person,
            "asserter": person,
            "recordedDate": record["started_at"],
        }))
    return conditions

"""What a screening shows, as Observations in the Gravity SDOH Clinical Care shape.

- one screening-response Observation per answer given to an item that counts for a domain
  (question code, answer as a coding, SDOH category, `POS` when the answer is a positive one);
  a multi-select answer gives one Observation per option chosen;
- one Observation per domain result (positive or not, or the total score where LOINC has a code);
- the AHC HRSN panel (LOINC 96777-8) grouping them, derived from the QuestionnaireResponse.
"""
from __future__ import annotations

from typing import Any

from ..instrument import Instrument
from .codes import (
    DATA_ABSENT_REASON, DOMAIN_CATEGORIES, INTERPRETATION, LOINC, PROJECT, domain_system, observation_categories,
    person_reference, protected, resource_id, sdoh_categories,
)
from .questionnaire import answer_coding

POSITIVE = {"coding": [{"system": INTERPRETATION, "code": "POS", "display": "Positive"}]}


def observation_status(record: dict[str, Any]) -> str:
    return "final" if record["status"] in ("completed", "stopped") else "preliminary"


def _item_code(instrument: Instrument, item_id: str) -> dict[str, Any]:
    item = instrument.item(item_id)
    coding = ({"system": LOINC, "code": item.loinc} if item.loinc
              else {"system": f"{PROJECT}:{instrument.id}:item", "code": item_id})
    return {"coding": [coding], "text": item.text["en"]}


def _domain_code(instrument: Instrument, domain_id: str) -> dict[str, Any]:
    domain = instrument.domain(domain_id)
    words = f"{domain_id.replace('_', ' ').capitalize()} screen"
    if domain.loinc:
        return {"coding": [{"system": LOINC, "code": domain.loinc}], "text": f"{words}: total score"}
    return {"coding": [{"system": domain_system(instrument.id), "code": domain_id}], "text": words}


def _base(record: dict[str, Any], obs_id: str, code: dict[str, Any], categories: list[dict[str, Any]],
          when: str | None) -> dict[str, Any]:
    person = person_reference(record["person_id"])
    observation: dict[str, Any] = {
        "resourceType": "Observation", "id": obs_id, "status": observation_status(record),
        "category": categories, "code": code, "subject": person,
        "effectiveDateTime": when or record["completed_at"] or record["started_at"],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{record['id']}"}],
    }
    return observation


def answer_observation_id(screening_id: str, item_id: str, option_id: str) -> str:
    return resource_id(screening_id, "answer", item_id, option_id)


def domain_observation_id(screening_id: str, domain_id: str) -> str:
    return resource_id(screening_id, "domain", domain_id)


def observations(record: dict[str, Any], instrument: Instrument) -> list[dict[str, Any]]:
    """The panel first, then the domain results, then the answers."""
    answers: list[dict[str, Any]] = []
    answers_by_domain: dict[str, list[str]] = {}
    for domain in instrument.domains:
        for item_id in domain.items:
            answer = record["answers"].get(item_id)
            if not answer or answer["skipped"] or not answer["option_ids"]:
                continue
            item = instrument.item(item_id)
            for option_id in answer["option_ids"]:
                option = item.option(option_id)
                obs = _base(record, answer_observation_id(record["id"], item_id, option_id), _item_code(instrument, item_id),
                            observation_categories("social-history", "survey") + sdoh_categories(DOMAIN_CATEGORIES, domain.id),
                            answer["answered_at"])
                obs["performer"] = [person_reference(record["person_id"])]
                obs["valueCodeableConcept"] = {"coding": [answer_coding(instrument, item, option)],
                                               "text": option.label["en"]}
                if option.positive:       # scored items (safety, PHQ-2) are positive only as a domain
                    obs["interpretation"] = [POSITIVE]
                answers.append(obs)
                answers_by_domain.setdefault(domain.id, []).append(obs["id"])
    domains: list[dict[str, Any]] = []
    for domain in instrument.domains:
        result = record["domains"].get(domain.id)
        if result is None:
            continue
        obs = _base(record, domain_observation_id(record["id"], domain.id), _domain_code(instrument, domain.id),
                    observation_categories("social-history", "survey") + sdoh_categories(DOMAIN_CATEGORIES, domain.id),
                    None)
        if domain.loinc and result["score"] is not None:
            obs["valueInteger"] = result["score"]
        elif result["positive"] is not None:
            obs["valueBoolean"] = bool(result["positive"])
        else:
            obs["dataAbsentReason"] = {"coding": [{"system": DATA_ABSENT_REASON, "code": "unknown", "display": "Unknown"}],
                                       "text": "not every question of this domain was answered"}
        if result["positive"]:
            obs["interpretation"] = [POSITIVE]
        obs["derivedFrom"] += [{"reference": f"Observation/{i}"} for i in answers_by_domain.get(domain.id, [])]
        domains.append(obs)
    members = domains + answers
    if not members:
        return []
    panel = _base(record, resource_id(record["id"], "panel"),
                  {"coding": [{"system": LOINC, "code": instrument.panel_loinc,
                               "display": "Accountable health communities (AHC) health-related social needs screening (HRSN) tool"}]},
                  observation_categories("social-history", "survey"), None)
    panel["hasMember"] = [{"reference": f"Observation/{o['id']}"} for o in members]
    return [protected(o) for o in [panel, *members]]

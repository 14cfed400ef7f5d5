"""One screening as a FHIR R4 `QuestionnaireResponse` of the instrument's `Questionnaire`."""
from __future__ import annotations

from typing import Any

from ..instrument import Instrument
from .codes import SCREENING_SYSTEM, person_reference, protected
from .questionnaire import answer_coding, questionnaire_canonical, total_link_id

# The screening's status -> the response's (R4 QuestionnaireResponse.status).
RESPONSE_STATUS = {"completed": "completed", "stopped": "stopped"}


def given_answers(record: dict[str, Any]) -> dict[str, list[str]]:
    """item id -> option ids, for the items the person answered (skipped ones are left out, as R4 asks)."""
    return {item_id: list(a["option_ids"]) for item_id, a in record["answers"].items()
            if a["option_ids"] and not a["skipped"]}


def questionnaire_response(record: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    answered = given_answers(record)
    # In the Questionnaire's order, so a reader sees the answers as the instrument lists them.
    for block in instrument.blocks:
        for item_id in block.items:
            item = instrument.item(item_id)
            known = [o for o in item.options if o.id in answered.get(item_id, ())]
            if not known:       # unanswered, or only options an older version had (the JSON export keeps those)
                continue
            items.append({"linkId": item_id, "text": item.text["en"], "answer": [
                {"valueCoding": answer_coding(instrument, item, option)} for option in known]})
    for domain in instrument.domains:
        result = record["domains"].get(domain.id)
        if domain.loinc and result and result["score"] is not None:
            items.append({"linkId": total_link_id(domain.id), "answer": [{"valueInteger": result["score"]}]})
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": record["id"],
        "identifier": {"system": SCREENING_SYSTEM, "value": record["id"]},
        "questionnaire": questionnaire_canonical(record["instrument"]["id"], record["instrument"]["version"]),
        "status": RESPONSE_STATUS.get(record["status"], "in-progress"),
        "subject": person_reference(record["person_id"]),
        "author": person_reference(record["person_id"]),
        "source": person_reference(record["person_id"]),
        "authored": record["completed_at"] or record["started_at"],
        "language": record["language"],
    }
    if items:
        response["item"] = items
    return protected(response)

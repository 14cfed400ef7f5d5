"""The instrument as a FHIR R4 `Questionnaire`, and the coding of its answers."""
from __future__ import annotations

import re
from typing import Any

from ..instrument import Instrument, Item, Option
from .codes import LOINC, PROJECT, answer_system

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"


def questionnaire_url(instrument_id: str) -> str:
    return f"{PROJECT}:questionnaire:{instrument_id}"


def questionnaire_version(instrument_version: str) -> str:
    """The instrument's recorded version as a canonical version ("AHC HRSN 2018, LHC-Forms rendition"
    becomes "ahc-hrsn-2018-lhc-forms-rendition"), so each response names the wording it was asked in."""
    return re.sub(r"[^a-z0-9]+", "-", instrument_version.lower()).strip("-")


def questionnaire_canonical(instrument_id: str, instrument_version: str) -> str:
    return f"{questionnaire_url(instrument_id)}|{questionnaire_version(instrument_version)}"


def total_link_id(domain_id: str) -> str:
    return f"{domain_id}_total"


def answer_coding(instrument: Instrument, item: Item, option: Option, language: str = "en") -> dict[str, Any]:
    """LOINC's answer code (LA...) for the option where the item has a LOINC code and the option one,
    else the project's own code for it."""
    label = option.label.get(language) or option.label["en"]
    if item.loinc and option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": label}
    return {"system": answer_system(instrument.id, item.id), "code": option.id, "display": label}


def _translated(text: dict[str, str], languages) -> dict[str, Any]:
    """`_text`: the other languages' wording as FHIR translation extensions."""
    return {"extension": [
        {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text[lang]}]}
        for lang in languages if lang != "en" and text.get(lang)]}


def questionnaire(instrument: Instrument) -> dict[str, Any]:
    others = [lang for lang in instrument.languages if lang != "en"]
    items: list[dict[str, Any]] = []
    for block in instrument.blocks:
        for item_id in block.items:
            item = instrument.item(item_id)
            entry: dict[str, Any] = {"linkId": item.id, "text": item.text["en"], "_text": _translated(item.text, others),
                                     "type": "choice", "required": False}
            if item.loinc:
                entry["code"] = [{"system": LOINC, "code": item.loinc}]
            if item.kind == "multi":
                entry["repeats"] = True
            entry["answerOption"] = []
            for option in item.options:
                coding = answer_coding(instrument, item, option)
                answer: dict[str, Any] = {"valueCoding": coding}
                translations = _translated(option.label, others)
                if translations["extension"]:
                    answer["valueCoding"] = dict(coding, _display=translations)
                entry["answerOption"].append(answer)
            if not entry["_text"]["extension"]:
                del entry["_text"]
            items.append(entry)
    for domain in instrument.domains:
        if domain.loinc:
            items.append({"linkId": total_link_id(domain.id), "text": f"{domain.id.replace('_', ' ').capitalize()} total score",
                          "type": "integer", "readOnly": True, "required": False,
                          "code": [{"system": LOINC, "code": domain.loinc}]})
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire_version(f"{instrument.id} {instrument.version}"),
        "url": questionnaire_url(instrument.id),
        "version": questionnaire_version(instrument.version),
        "name": "NeedsScreeningAHCHRSN",
        "title": f"Needs screening: {instrument.version}",
        "status": "active",
        "subjectType": ["Patient"],
        "language": "en",
        "derivedFrom": [f"{LOINC}/q/{instrument.panel_loinc}"],
        "code": [{"system": LOINC, "code": instrument.panel_loinc,
                  "display": "Accountable health communities (AHC) health-related social needs screening (HRSN) tool"}],
        "description": ("The CMS AHC HRSN screening tool as this program asks it (LHC-Forms rendition, with the "
                        "supplemental items and a legal-needs checklist). Item and answer codes are LOINC where "
                        "LOINC has them, else this program's own."),
        "item": items,
    }

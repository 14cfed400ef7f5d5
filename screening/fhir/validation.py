"""Checking exported FHIR against R4 with a maintained library (`fhir.resources`, R4B models).

R4B changed none of the resources exported here from R4 in ways that matter to a reader;
the library's R4B models are the closest maintained R4 models that run on pydantic 1.
"""
from __future__ import annotations

from typing import Any

from fhir.resources.R4B import construct_fhir_element


class InvalidFhir(ValueError):
    """A resource FHIR R4 does not allow; the message names the resource and the problem."""


def validate(resource: dict[str, Any]) -> Any:
    """The library's model of `resource`, or InvalidFhir. A Bundle's entries are checked one by one too."""
    kind = resource.get("resourceType")
    try:
        model = construct_fhir_element(kind, resource)
    except Exception as problem:   # the library raises pydantic's ValidationError, or KeyError for an unknown type
        raise InvalidFhir(f"{kind}/{resource.get('id')}: {problem}") from problem
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            validate(entry["resource"])
    return model

"""Screenings as FHIR R4 that a FHIR server accepts.

- `questionnaire.py`: the instrument as a `Questionnaire` (canonical URL and version,
  LOINC item and answer codes where they exist, the project's own codes elsewhere).
- `response.py`: one screening as a `QuestionnaireResponse` that points at it.
- `observations.py`: what the response shows, in the Gravity SDOH Clinical Care shape
  (the AHC HRSN panel, one Observation per answer and per domain result).
- `needs.py`: the person's own ranked needs as health concerns (`Condition`).
- `referrals.py`: each referral shown as a `ServiceRequest` to a `HealthcareService`
  (HSDS ids as identifiers), and its status and check-in outcome as a `Task`.
- `bundle.py`: the whole case as one transaction `Bundle`.

Every function here is pure: it turns the export record (`screening.export`) into FHIR
JSON. Every resource carries the 42 CFR Part 2 notice and security labels, and names the
person only by the pseudonymous id; no message text, phone number or name of the person
is ever put in.
"""

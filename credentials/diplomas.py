"""Diploma templates: recipient-field schemas and the Open Badges 3.0 document they produce.

No Django here: the portal, the CSV importer, the API and the benchmark all build
credentials through :func:`recipient_validate` and :func:`achievement_credential`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# OB 3.0 achievementType for each template kind.
ACHIEVEMENT_TYPES = {
    "bachelor": "BachelorDegree",
    "master": "MasterDegree",
    "doctor": "DoctoralDegree",
    "degree_certificate": "Degree",
}

# The CSV columns / API fields of a recipient, in order.
FIELDS = ("student_number", "name", "major", "honours", "gpa", "date_of_award", "date_of_birth", "email", "holder_did")
REQUIRED = ("student_number", "name", "major", "date_of_award")

_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

RECIPIENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Diploma recipient",
    "type": "object",
    "additionalProperties": False,
    "required": list(REQUIRED),
    "properties": {
        "student_number": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"},
        "name": _TEXT,
        "major": _TEXT,
        "honours": {"type": "string", "maxLength": 100},
        "gpa": {"type": "string", "pattern": r"^(?:[0-4](?:\.\d{1,2})?|5(?:\.0{1,2})?)$"},
        "date_of_award": _DATE,
        "date_of_birth": _DATE,
        "email": {"type": "string", "maxLength": 254, "pattern": r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$"},
        # The holder's DID when it is known at issuance (credentialSubject.id);
        # otherwise the holder binds a DID later, when claiming into a wallet.
        "holder_did": {"type": "string", "maxLength": 512, "pattern": r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$"},
    },
}
# GPA: 0–5 with up to two decimals (Chinese universities use 4- and 5-point scales).

_VALIDATOR = Draft202012Validator(RECIPIENT_SCHEMA)
# Characters no one-line field of a diploma may hold: controls (tab and newlines
# included), invisible format characters (zero-width, bidi overrides and marks,
# soft hyphen, tags), surrogates, and line/paragraph separators. Other spaces
# (U+3000 in "张　三") and private-use characters (rare hanzi) stay allowed.
_BANNED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

# Messages are keys the portal translates (credentials.forms / the batch page).
ERROR_REQUIRED = "required"
ERROR_INVALID = "invalid"
ERROR_UNKNOWN = "unknown field"
ERROR_DATE = "not a valid date (YYYY-MM-DD)"
ERROR_FUTURE = "date is in the future"
ERROR_CONTROL = "contains control characters"


@dataclass(frozen=True)
class FieldError:
    """A problem with one recipient field."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"field": self.field, "message": self.message}


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a character of :data:`_BANNED_CATEGORIES`."""
    if value.isprintable():  # the common case, at C speed
        return False
    return any(unicodedata.category(c) in _BANNED_CATEGORIES for c in value if not c.isprintable())


def _scalar(value: Any) -> bool:
    # Numbers are accepted for convenience (a student number or GPA sent as a
    # JSON number); a list, object or boolean would be signed as its Python repr.
    return isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))


def recipient_normalise(raw: dict[str, Any]) -> dict[str, str]:
    """Trim strings, NFC-normalise, and drop empty optional fields (and values that are not text or numbers)."""
    clean: dict[str, str] = {}
    for key, value in raw.items():
        if value is None or not _scalar(value):
            continue
        text = unicodedata.normalize("NFC", value if isinstance(value, str) else str(value)).strip()
        if text == "" and key not in REQUIRED:
            continue
        clean[str(key)] = text
    return clean


def recipient_validate(raw: dict[str, Any], *, today: date) -> tuple[dict[str, str], list[FieldError]]:
    """Normalise and validate one recipient; returns (fields, errors)."""
    fields = recipient_normalise(raw)
    errors: list[FieldError] = [
        FieldError(str(key), ERROR_INVALID) for key, value in raw.items() if value is not None and not _scalar(value)
    ]
    for field, value in fields.items():
        if has_control_characters(field) or has_control_characters(value):
            errors.append(FieldError(field, ERROR_CONTROL))
    for error in _VALIDATOR.iter_errors(fields):
        if error.validator == "required":
            missing = re.search(r"'([^']+)' is a required property", error.message)
            errors.append(FieldError(missing.group(1) if missing else "", ERROR_REQUIRED))
        elif error.validator == "additionalProperties":
            for extra in sorted(set(fields) - set(RECIPIENT_SCHEMA["properties"])):
                errors.append(FieldError(extra, ERROR_UNKNOWN))
        else:
            field = str(error.path[0]) if error.path else ""
            errors.append(FieldError(field, ERROR_DATE if field.startswith("date_") else ERROR_INVALID))
    for field in ("date_of_award", "date_of_birth"):
        if field in fields and not any(e.field == field for e in errors):
            try:
                value = date.fromisoformat(fields[field])
            except ValueError:
                errors.append(FieldError(field, ERROR_DATE))
                continue
            if value > today:
                errors.append(FieldError(field, ERROR_FUTURE))
    for field in REQUIRED:
        if fields.get(field, "") == "" and not any(e.field == field for e in errors):
            errors.append(FieldError(field, ERROR_REQUIRED))
    # One message per field is enough for a person fixing a spreadsheet.
    seen: set[str] = set()
    unique = [e for e in errors if not (e.field in seen or seen.add(e.field))]  # type: ignore[func-returns-value]
    return fields, unique


@dataclass(frozen=True)
class Achievement:
    """The template-level part of a diploma."""

    id: str
    kind: str
    name: str
    description: str
    criteria: str
    degree_type: str
    field_of_study: str


@dataclass(frozen=True)
class Issuer:
    """The issuing organisation as the credential names it."""

    id: str
    name: str
    url: str = ""
    image: str = ""


def achievement_credential(
    *,
    credential_id: str,
    issuer: Issuer,
    achievement: Achievement,
    recipient: dict[str, str],
    valid_from: str,
    status_entries: list[dict[str, Any]],
    holder: str | None = None,
) -> dict[str, Any]:
    """The unsigned OB 3.0 ``AchievementCredential`` of one recipient."""
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityHash": recipient["student_number"],
            "identityType": "studentId",
            "hashed": False,
        }
    ]
    if recipient.get("date_of_birth"):
        identifiers.append(
            {"type": "IdentityObject", "identityHash": recipient["date_of_birth"], "identityType": "ext:dateOfBirth", "hashed": False}
        )
    achievement_node: dict[str, Any] = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES.get(achievement.kind, "Degree"),
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria},
        "specialization": recipient["major"],
        "tag": [achievement.degree_type],
    }
    if achievement.field_of_study:
        achievement_node["fieldOfStudy"] = achievement.field_of_study
    subject: dict[str, Any] = {}
    if holder:
        subject["id"] = holder
    subject.update(
        {
            "type": ["AchievementSubject"],
            "name": recipient["name"],
            "identifier": identifiers,
            "achievement": achievement_node,
        }
    )
    results: list[dict[str, Any]] = []
    descriptions: list[dict[str, Any]] = []
    if recipient.get("gpa"):
        rd = f"{achievement.id}#gpa"
        descriptions.append({"id": rd, "type": ["ResultDescription"], "name": "GPA", "resultType": "GradePointAverage"})
        results.append({"type": ["Result"], "resultDescription": rd, "value": recipient["gpa"]})
    if recipient.get("honours"):
        rd = f"{achievement.id}#honours"
        descriptions.append({"id": rd, "type": ["ResultDescription"], "name": "Honours", "resultType": "ext:Honours"})
        results.append({"type": ["Result"], "resultDescription": rd, "value": recipient["honours"]})
    if descriptions:
        achievement_node["resultDescription"] = descriptions
        subject["result"] = results
    issuer_node: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        issuer_node["url"] = issuer.url
    if issuer.image:
        issuer_node["image"] = {"id": issuer.image, "type": "Image"}
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": achievement.name,
        "issuer": issuer_node,
        "validFrom": valid_from,
        "awardedDate": f"{recipient['date_of_award']}T00:00:00Z",
        "credentialSubject": subject,
    }
    if status_entries:
        credential["credentialStatus"] = status_entries if len(status_entries) > 1 else status_entries[0]
    return credential

"""Issuer API serializers: request shapes (checked here) and response shapes (documented here).

Recipient fields are validated by the service (``credentials.diplomas.recipient_validate``),
not here, so that the portal, the CSV importer and the API report the same
``{field, message}`` errors; the serializers only check the envelope.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from credentials import diplomas
from credentials.api.serializers import StrictBooleanField, StrictCharField, StrictSlugField
from credentials.models import Batch, Credential

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# The recipient's JSON Schema, as OpenAPI 3.0 understands it (no $schema, no title).
RECIPIENT_OPENAPI: dict[str, Any] = {
    key: value for key, value in diplomas.RECIPIENT_SCHEMA.items() if key not in {"$schema", "title"}
} | {
    "description": "A diploma recipient. Required: " + ", ".join(diplomas.REQUIRED) + ". Dates are YYYY-MM-DD.",
    "example": {
        "student_number": "2021001234",
        "name": "张三",
        "major": "Computer Science",
        "honours": "First Class",
        "gpa": "3.80",
        "date_of_award": "2025-06-30",
        "email": "zhang.san@example.edu.cn",
    },
}


@extend_schema_field(RECIPIENT_OPENAPI)
class RecipientField(serializers.DictField):
    """A JSON object of recipient fields, passed as given to the service's validation."""

    default_error_messages = {"not_a_dict": "must be a JSON object", "too_many": "has too many fields"}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        if len(data) > 32:
            self.fail("too_many")
        return data


@extend_schema_field({"type": "object", "additionalProperties": True, "description": "A signed W3C Verifiable Credential (JSON-LD, Data Integrity proof)."})
class DocumentField(serializers.JSONField):
    """A signed credential document (documented as a free-form object)."""


# --------------------------------------------------------------------------- requests


class CredentialIssueRequest(serializers.Serializer):
    """``POST /api/v1/credentials``."""

    template = StrictSlugField(
        required=False, max_length=63, help_text="Template slug; the organisation's default template when omitted."
    )
    recipient = RecipientField()


class StatusChangeRequest(serializers.Serializer):
    """``POST /api/v1/credentials/{id}/revoke|suspend|reinstate``."""

    reason = StrictCharField(required=False, allow_blank=True, max_length=500, help_text="Kept in the audit log.")


class BatchCreateRequest(serializers.Serializer):
    """``POST /api/v1/batches`` as JSON."""

    template = StrictSlugField(required=False, max_length=63, help_text="Template slug; default template when omitted.")
    rows = serializers.ListField(child=RecipientField(), allow_empty=False, help_text="One recipient object per row.")
    onlyValid = StrictBooleanField(
        required=False, default=False, help_text="Issue the valid rows even when others have errors."
    )


class BatchCSVQuery(serializers.Serializer):
    """Query parameters of ``POST /api/v1/batches`` with a raw ``text/csv`` body."""

    template = serializers.SlugField(required=False, max_length=63)
    onlyValid = serializers.BooleanField(required=False, default=False)


class BatchUploadRequest(serializers.Serializer):
    """``POST /api/v1/batches`` as a multipart upload (a ``text/csv`` body works too)."""

    file = serializers.FileField(help_text="UTF-8 CSV with the header " + ",".join(diplomas.FIELDS) + ".")
    template = serializers.SlugField(required=False, max_length=63)
    onlyValid = serializers.BooleanField(required=False, default=False)


def _cursor_encode(issued_at: datetime, public_id: str) -> str:
    raw = json.dumps([issued_at.isoformat(), public_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_for(credential: Credential) -> str:
    """The opaque cursor that continues a listing after ``credential``."""
    return _cursor_encode(credential.issued_at, credential.public_id)


class CursorField(serializers.CharField):
    """An opaque listing cursor: (issued_at, public id) of the last item seen."""

    default_error_messages = {"bad": "not a valid cursor"}

    def to_internal_value(self, data: Any) -> tuple[datetime, str]:
        text = super().to_internal_value(data)
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            issued, public_id = json.loads(raw)
            when = datetime.fromisoformat(issued)
        except (ValueError, TypeError):
            self.fail("bad")
        if not isinstance(public_id, str) or len(public_id) > 64 or when.tzinfo is None:
            self.fail("bad")
        return when, public_id


class CredentialFilter(serializers.Serializer):
    """Query parameters of ``GET /api/v1/credentials``."""

    status = serializers.ChoiceField(choices=Credential.Status.choices, required=False)
    template = serializers.SlugField(required=False, max_length=63)
    student_number = serializers.CharField(required=False, max_length=64)
    batch = serializers.CharField(required=False, max_length=64)
    issued_after = serializers.DateTimeField(required=False, help_text="Issued at or after (ISO 8601).")
    issued_before = serializers.DateTimeField(required=False, help_text="Issued strictly before (ISO 8601).")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)
    cursor = CursorField(required=False, max_length=200, help_text="The `next` cursor of the previous page.")
    organisation = serializers.SlugField(
        required=False, help_text="Session callers only: the organisation to read (API keys act for their own)."
    )


# --------------------------------------------------------------------------- responses


class CredentialOut(serializers.Serializer):
    """A credential as the API shows it."""

    id = serializers.CharField(source="public_id", help_text="Opaque credential id (128 random bits).")
    status = serializers.ChoiceField(choices=Credential.Status.choices)
    template = serializers.CharField(source="template.slug")
    studentNumber = serializers.CharField(source="student_number")
    recipientName = serializers.CharField(source="recipient_name")
    issuedAt = serializers.DateTimeField(source="issued_at")
    batch = serializers.SerializerMethodField()
    verificationUrl = serializers.SerializerMethodField()
    credential = DocumentField(source="document")

    def get_batch(self, obj: Credential) -> str | None:
        return obj.batch.public_id if obj.batch_id else None  # type: ignore[union-attr]

    def get_verificationUrl(self, obj: Credential) -> str:  # noqa: N802  (the field's JSON name)
        from credentials.services import verification_url

        return verification_url(obj.public_id)


class CredentialIssueOut(CredentialOut):
    """The answer to an issue request."""

    existed = serializers.BooleanField(help_text="True when the credential had been issued before (no new one was made).")
    idempotentReplay = serializers.BooleanField(
        help_text="True when the Idempotency-Key had been used before and this is the first request's credential."
    )


class CredentialPage(serializers.Serializer):
    """One page of credentials."""

    results = CredentialOut(many=True)
    next = serializers.CharField(allow_null=True, help_text="Cursor for the next page, or null on the last page.")
    nextUrl = serializers.CharField(allow_null=True, help_text="The next page's URL, or null.")


class RowErrorOut(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class BatchRowErrorsOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based data row number.")
    errors = RowErrorOut(many=True)


class BatchOut(serializers.Serializer):
    """A batch and its progress."""

    id = serializers.CharField()
    state = serializers.ChoiceField(choices=Batch.State.choices)
    template = serializers.CharField()
    onlyValid = serializers.BooleanField()
    totalRows = serializers.IntegerField()
    validRows = serializers.IntegerField()
    issuedRows = serializers.IntegerField()
    skippedRows = serializers.IntegerField()
    percent = serializers.FloatField()
    rowsPerSecond = serializers.FloatField(allow_null=True)
    secondsLeft = serializers.FloatField(allow_null=True)
    createdAt = serializers.DateTimeField()
    startedAt = serializers.DateTimeField(allow_null=True)
    finishedAt = serializers.DateTimeField(allow_null=True)
    errors = serializers.ListField(child=serializers.DictField(), help_text="File-level problems (encoding, header).")
    rowErrors = BatchRowErrorsOut(many=True, help_text="Rows with errors (at most 100).")
    rowErrorCount = serializers.IntegerField()


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "array",
                "description": "The issuer API's field errors.",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            },
            {
                "type": "object",
                "additionalProperties": True,
                "description": "The VC-API's field errors: each field's messages (nested for nested fields).",
            },
        ]
    }
)
class ProblemErrorsField(serializers.JSONField):
    """``errors`` of a problem: ``[{field, message}]`` (issuer API) or ``{field: [messages]}`` (VC-API, DRF's shape)."""


class ProblemOut(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ProblemErrorsField(required=False)


# --------------------------------------------------------------------------- VC-API


class VCAPIIssueOptions(serializers.Serializer):
    template = StrictSlugField(required=False, max_length=63, help_text="Template slug instead of the default.")
    recipient = RecipientField(required=False, help_text="Recipient fields; they take precedence over the mapped ones.")


@extend_schema_field({"type": "object", "additionalProperties": True, "description": "An unsigned credential; see the operation for the fields read."})
class UnsignedCredentialField(serializers.JSONField):
    default_error_messages = {"not_a_dict": "must be a JSON object"}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        return data


class VCAPIIssueRequest(serializers.Serializer):
    """VC-API ``POST /credentials/issue``."""

    credential = UnsignedCredentialField()
    options = VCAPIIssueOptions(required=False)


class VCAPIIssueOut(serializers.Serializer):
    verifiableCredential = DocumentField()



def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def recipient_from_credential(credential: dict[str, Any]) -> dict[str, Any]:
    """The recipient fields an unsigned VC-API credential carries (see the issue operation's table).

    Only the fields found are returned; the service's validation reports the
    missing ones by their recipient names.
    """
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        return {}
    found: dict[str, Any] = {}
    holder = _text(subject.get("id"))
    if holder is not None and holder.startswith("did:"):
        found["holder_did"] = holder
    identifiers = subject.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    for item in identifiers if isinstance(identifiers, list) else []:
        if not isinstance(item, dict) or item.get("hashed") is True:
            continue
        kind = item.get("identityType")
        value = _text(item.get("identityHash"))
        if value is None:
            continue
        if kind == "studentId":
            found.setdefault("student_number", value)
        elif kind in {"ext:dateOfBirth", "dateOfBirth"}:
            found.setdefault("date_of_birth", value)
    achievement = subject.get("achievement")
    if isinstance(achievement, dict) and _text(achievement.get("specialization")):
        found["major"] = achievement["specialization"]
    awarded = _text(credential.get("awardedDate"))
    if awarded:
        found["date_of_award"] = awarded[:10]
    direct = {
        "studentNumber": "student_number",
        "name": "name",
        "major": "major",
        "honours": "honours",
        "gpa": "gpa",
        "dateOfAward": "date_of_award",
        "dateOfBirth": "date_of_birth",
        "email": "email",
        "holderDid": "holder_did",
    }
    for source, target in direct.items():
        value = subject.get(source)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found[target] = str(value)
    return found


class CheckOut(serializers.Serializer):
    check = serializers.CharField()
    status = serializers.CharField(help_text="passed, failed or skipped")
    code = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)


class CheckErrorOut(serializers.Serializer):
    check = serializers.CharField()
    code = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)


class VerificationResultOut(serializers.Serializer):
    """The result of a verification: every check in order, the verdict, the verified document."""

    verified = serializers.BooleanField()
    format = serializers.CharField()
    checks = CheckOut(many=True)
    errors = CheckErrorOut(many=True)
    warnings = CheckErrorOut(many=True)
    document = DocumentField(allow_null=True, help_text="The verified document; null unless verified.")
    credentials = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="For a presentation: each credential's result."
    )


class ResolutionResultOut(serializers.Serializer):
    """A DID resolution result (the Universal Resolver's shape)."""

    didDocument = serializers.DictField(allow_null=True)
    didResolutionMetadata = serializers.DictField()
    didDocumentMetadata = serializers.DictField()

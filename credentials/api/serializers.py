"""Input serializers for the VC-API verification endpoints."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from credentials.vc.verify import CHECKS

# header.payload.signature, each base64url without padding (RFC 7515 §7.1).
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class StrictCharField(serializers.CharField):
    """A CharField that takes JSON strings only.

    DRF's own turns a number into its text (``{"reason": 1e145}`` became the
    reason "1e+145"); the API documents these fields as strings.
    """

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


class StrictSlugField(serializers.SlugField):
    """A SlugField that takes JSON strings only (see :class:`StrictCharField`)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean; DRF's own also takes 0, 1, "yes", "off", ... which the schema does not allow."""

    default_error_messages = {"invalid": "must be true or false"}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class CredentialOrTokenField(serializers.Field):
    """A credential or presentation: a JSON object (Data Integrity) or a compact VC-JWT.

    A string is accepted only in the compact JWS shape, three non-empty base64url
    segments, so that a string holding JSON text or anything else is refused here
    as a malformed value rather than reaching a parser that would call it bad JSON.
    """

    default_error_messages = {
        "type": "must be a JSON object or a compact VC-JWT",
        "empty": "must not be empty",
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            if not data:
                self.fail("empty")
            return data
        if isinstance(data, str) and _COMPACT_JWS.fullmatch(data):
            return data
        self.fail("type")

    def to_representation(self, value: Any) -> Any:
        return value


class VerifyOptionsSerializer(serializers.Serializer):
    checks = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHECKS)),
        required=False,
        allow_empty=False,
        min_length=1,  # says allow_empty=False in the OpenAPI schema (minItems)
        max_length=len(CHECKS),
    )


class PresentationOptionsSerializer(VerifyOptionsSerializer):
    challenge = StrictCharField(required=False, allow_blank=False, min_length=1, max_length=1024, trim_whitespace=False)
    domain = StrictCharField(required=False, allow_blank=False, min_length=1, max_length=1024, trim_whitespace=False)


class VerifyCredentialRequest(serializers.Serializer):
    """``POST /credentials/verify`` body."""

    verifiableCredential = CredentialOrTokenField()
    options = VerifyOptionsSerializer(required=False)


class VerifyPresentationRequest(serializers.Serializer):
    """``POST /presentations/verify`` body."""

    verifiablePresentation = CredentialOrTokenField()
    options = PresentationOptionsSerializer(required=False)

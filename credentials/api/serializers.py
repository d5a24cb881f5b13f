"""Input serializers for the VC-API verification endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from credentials.vc.verify import CHECKS


class CredentialOrTokenField(serializers.Field):
    """A credential or presentation: a JSON object (Data Integrity) or a compact JWT string."""

    default_error_messages = {
        "type": "must be a JSON object or a compact JWT string",
        "empty": "must not be empty",
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            if not data:
                self.fail("empty")
            return data
        if isinstance(data, str):
            if not data.strip():
                self.fail("empty")
            return data
        self.fail("type")

    def to_representation(self, value: Any) -> Any:
        return value


class VerifyOptionsSerializer(serializers.Serializer):
    checks = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHECKS)),
        required=False,
        allow_empty=False,
        max_length=len(CHECKS),
    )


class PresentationOptionsSerializer(VerifyOptionsSerializer):
    challenge = serializers.CharField(required=False, allow_blank=False, max_length=1024, trim_whitespace=False)
    domain = serializers.CharField(required=False, allow_blank=False, max_length=1024, trim_whitespace=False)


class VerifyCredentialRequest(serializers.Serializer):
    """``POST /credentials/verify`` body."""

    verifiableCredential = CredentialOrTokenField()
    options = VerifyOptionsSerializer(required=False)


class VerifyPresentationRequest(serializers.Serializer):
    """``POST /presentations/verify`` body."""

    verifiablePresentation = CredentialOrTokenField()
    options = PresentationOptionsSerializer(required=False)

"""VC-API verification endpoints: input serializer, service call, result.

200 with the result when verified, 422 with the result when the input was a
credential (or presentation) that did not verify, 400 problem+json when the
request itself is malformed.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credentials import services
from credentials.api.serializers import VerifyCredentialRequest, VerifyPresentationRequest
from credentials.problems import VCProblem
from credentials.vc.errors import PARSING_ERROR, VCError
from credentials.vc.verify import VerificationResult


class _PublicAPIView(APIView):
    # Verification is open to anyone without an account, and no session means
    # no CSRF exposure. Being open, it is rate-limited per client address.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "verify"

    @staticmethod
    def request_body(request: Request) -> Any:
        """The parsed body; an empty one is a parsing error.

        DRF hands an empty body to the view as ``{}`` without calling a parser,
        which would otherwise surface as a misleading "field required".
        """
        if request.stream is None:
            raise VCProblem(PARSING_ERROR, "empty body")
        return request.data


def _result_response(result: VerificationResult) -> Response:
    return Response(result.as_dict(), status=200 if result.verified else 422)


class VerifyCredentialView(_PublicAPIView):
    """``POST /credentials/verify``."""

    def post(self, request: Request) -> Response:
        serializer = VerifyCredentialRequest(data=self.request_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        options = data.get("options") or {}
        try:
            result = services.credential_verify(
                credential=data["verifiableCredential"], checks=options.get("checks")
            )
        except VCError as exc:
            raise VCProblem(exc.code, exc.message) from None
        return _result_response(result)


class VerifyPresentationView(_PublicAPIView):
    """``POST /presentations/verify``."""

    def post(self, request: Request) -> Response:
        serializer = VerifyPresentationRequest(data=self.request_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        options = data.get("options") or {}
        try:
            result = services.presentation_verify(
                presentation=data["verifiablePresentation"],
                challenge=options.get("challenge"),
                domain=options.get("domain"),
                checks=options.get("checks"),
            )
        except VCError as exc:
            raise VCProblem(exc.code, exc.message) from None
        return _result_response(result)

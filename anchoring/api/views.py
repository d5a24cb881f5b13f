"""The public anchor receipt: ``GET /api/v1/credentials/{id}/anchor``."""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from anchoring.selectors import anchor_receipt_for


class CredentialAnchorView(APIView):
    """The receipt of one credential by its public id; open to anyone who holds the id.

    200 with ``"status": "anchored"`` and the chain fields once a chain reached
    finality, 200 with ``"status": "pending"`` before; 404 problem+json for an
    unknown id.
    """

    # Like the public verification page: no account, no session (so no CSRF), rate-limited.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "verify"

    def get(self, request: Request, public_id: str) -> Response:
        receipt = anchor_receipt_for(ref=public_id) if len(public_id) <= 64 else None
        if receipt is None:
            raise NotFound("no credential with this id")
        return Response(receipt)

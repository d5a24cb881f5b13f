"""DID resolution over HTTP, shaped like the Universal Resolver's ``/1.0/identifiers/{did}``."""

from __future__ import annotations

from typing import Any

from django.utils.cache import patch_vary_headers
from rest_framework import permissions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.did.resolver import DID_DOCUMENT_CONTENT_TYPE, resolution_result
from identity.selectors import did_resolver

RESOLUTION_CONTENT_TYPE = 'application/ld+json;profile="https://w3id.org/did-resolution"'


class _JSONAlways(BaseContentNegotiation):
    """The body is always JSON; the Accept header only picks result or bare document."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> tuple:
        return (JSONRenderer(), JSONRenderer.media_type)


def _wants_bare_document(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    wanted = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    return bool(wanted & {"application/did+ld+json", "application/did+json"}) and "application/ld+json" not in wanted


class DIDResolutionView(APIView):
    """``GET /1.0/identifiers/{did}``: a DID resolution result.

    The DID is taken from the decoded path, so a DID containing ``%`` (did:web with
    a port, ``did:web:example.com%3A8443``) must be sent with the ``%`` itself
    percent-encoded (``%253A``).
    """

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    # Open to anyone, and a did:web resolution costs an outbound request.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "resolve"
    content_negotiation_class = _JSONAlways

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """Every answer, errors included, says it depends on Accept, so caches keep both forms apart."""
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Accept",))
        return response

    def get(self, request: Request, did: str) -> Response:
        status, result = resolution_result(did, did_resolver())
        if status == 200 and _wants_bare_document(request):
            return Response(result["didDocument"], content_type=DID_DOCUMENT_CONTENT_TYPE)
        return Response(result, status=status, content_type=RESOLUTION_CONTENT_TYPE)

"""Request body limit, applied before any view or parser reads the body."""

from __future__ import annotations

from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from credentials.problems import PAYLOAD_TOO_LARGE, problem_response
from credentials.vc.errors import PARSING_ERROR

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodySizeLimitMiddleware:
    """Answer 413 problem+json when a body exceeds ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

    The declared Content-Length is checked first, so an oversized upload is
    refused without reading it. The read itself is then capped too, because a
    server may hand over more than was declared (or, under ASGI, a body with no
    length at all); the bytes read are kept as the request body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.method in _BODY_METHODS:
            raw_length = request.META.get("CONTENT_LENGTH") or "0"
            try:
                length = int(raw_length)
                if length < 0:
                    raise ValueError
            except ValueError:
                return problem_response(400, PARSING_ERROR, "invalid Content-Length header")
            if length > limit:
                return self._too_large(limit)
            if length:
                data = request.read(limit + 1)
                if len(data) > limit:
                    return self._too_large(limit)
                # Reading the stream marks it consumed; keeping the bytes as the
                # body lets request.body, request.POST and DRF's parsers use them.
                request._body = data  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _too_large(limit: int) -> HttpResponse:
        return problem_response(413, PAYLOAD_TOO_LARGE, f"the request body exceeds {limit} bytes")

"""RFC 9457 problem details: the shapes every app's error answers share.

A problem carries ``type``, ``title``, ``status``, ``detail`` and ``code``. When the
error is one of the VC error codes (``identity.errors``) the ``type`` is that
code's specification URI; errors that are only HTTP (404, 405, 413, 415, 500, ...)
use ``about:blank``, which RFC 9457 §4.2.1 reserves for "nothing more than the
status code says", with the status phrase as title. It lives in identity, the base
layer, so that every app can answer with it; credentials.problems adds DRF's side.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

from identity import errors
from identity.jsonutil import dumps

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Paths answered with problem details rather than HTML error pages.
API_PATH_PREFIXES = ("/credentials/", "/presentations/", "/1.0/", "/api/")

# HTTP-level codes: not VC processing errors, so their type is about:blank.
BAD_REQUEST = "BAD_REQUEST"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
LENGTH_REQUIRED = "LENGTH_REQUIRED"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
PERMISSION_DENIED = "PERMISSION_DENIED"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
INTERNAL_ERROR = "INTERNAL_ERROR"
HTTP_CODES = frozenset(
    {
        BAD_REQUEST,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        NOT_ACCEPTABLE,
        UNSUPPORTED_MEDIA_TYPE,
        LENGTH_REQUIRED,
        PAYLOAD_TOO_LARGE,
        NOT_AUTHENTICATED,
        PERMISSION_DENIED,
        TOO_MANY_REQUESTS,
        INTERNAL_ERROR,
    }
)


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (and so gets problem details)."""
    return path.startswith(API_PATH_PREFIXES)


def problem(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The problem-details body for ``code`` at HTTP ``status``."""
    if code in HTTP_CODES:
        type_ = "about:blank"
        title = HTTPStatus(status).phrase
    else:
        type_ = errors.type_uri(code)
        title = errors.TITLES.get(code, code)
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail, "code": code}
    body.update(extra)
    return body


def problem_response(status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    """A plain Django response carrying a problem (for middleware and error handlers)."""
    return HttpResponse(
        dumps(problem(status, code, detail, **extra)).encode("utf-8"),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )

"""RFC 9457 problem details for every API error.

A problem carries ``type``, ``title``, ``status``, ``detail`` and ``code``. When the
error is one of the VC error codes (``credentials.vc.errors``) the ``type`` is that
code's specification URI; errors that are only HTTP (404, 405, 413, 415, 500, ...)
use ``about:blank``, which RFC 9457 §4.2.1 reserves for "nothing more than the
status code says", with the status phrase as title.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework.response import Response

from credentials.vc import errors
from credentials.vc.jsonutil import dumps

logger = logging.getLogger(__name__)

from identity.problems import (  # noqa: F401  (re-exported: the API's problem shapes)
    PROBLEM_CONTENT_TYPE,
    API_PATH_PREFIXES,
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
    HTTP_CODES,
    is_api_path,
    problem,
    problem_response,
)

class VCProblem(exceptions.APIException):
    """An API error carrying a VC error code (raised by views and parsers)."""

    def __init__(self, code: str, detail: str, *, status: int = 400, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.vc_code = code
        self.extra = extra or {}


_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, errors.PARSING_ERROR),
    (exceptions.ValidationError, errors.MALFORMED_VALUE_ERROR),
    (exceptions.UnsupportedMediaType, UNSUPPORTED_MEDIA_TYPE),
    (exceptions.MethodNotAllowed, METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, NOT_ACCEPTABLE),
    (exceptions.NotFound, NOT_FOUND),
    (exceptions.NotAuthenticated, NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, NOT_AUTHENTICATED),
    (exceptions.PermissionDenied, PERMISSION_DENIED),
    (exceptions.Throttled, TOO_MANY_REQUESTS),
]


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    """DRF validation details as "field: message" lines."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                out.extend(_flatten(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
            else:
                out.extend(_flatten(value, prefix))
        return out
    text = str(detail)
    if prefix and prefix != "non_field_errors":
        return [f"{prefix}: {text}"]
    return [text]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every DRF and Django API exception as problem+json.

    Anything else returns ``None`` so that it reaches Django's 500 handler (which
    also answers API paths with a problem) and gets logged there.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    # Imported here: rest_framework.views loads the parser classes, which import this module.
    from rest_framework.views import set_rollback

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = "%d" % exc.wait  # type: ignore[attr-defined]

    extra: dict[str, Any] = {}
    if isinstance(exc, VCProblem):
        code = exc.vc_code
        detail = str(exc.detail)
        extra = exc.extra
    else:
        code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), INTERNAL_ERROR)
        if isinstance(exc, exceptions.ValidationError):
            detail = "; ".join(_flatten(exc.detail)) or "invalid request"
            extra = {"errors": exc.detail}
        else:
            detail = str(exc.detail)
    set_rollback()
    return Response(
        problem(exc.status_code, code, detail, **extra),
        status=exc.status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def problem_400(request: HttpRequest) -> HttpResponse:
    """The 400 body for an API path rejected by Django itself (a disallowed Host, ...)."""
    return problem_response(400, BAD_REQUEST, "the request was rejected")


def problem_403(request: HttpRequest) -> HttpResponse:
    """The 403 body for an API path."""
    return problem_response(403, PERMISSION_DENIED, "the request is not allowed")


def problem_404(request: HttpRequest) -> HttpResponse:
    """The 404 body for an API path."""
    return problem_response(404, NOT_FOUND, "no such resource")


def problem_500(request: HttpRequest) -> HttpResponse:
    """The 500 body for an API path; the details stay in the server log."""
    return problem_response(500, INTERNAL_ERROR, "the server failed to process the request")


# Platform codes (issuer API): not VC processing errors and more than an HTTP
# status says, so each has its own type URI in the platform's namespace.
INVALID_STATUS_CHANGE = "INVALID_STATUS_CHANGE"
TEMPLATE_INACTIVE = "TEMPLATE_INACTIVE"
DUPLICATE_ROW = "DUPLICATE_ROW"
BATCH_HAS_ERRORS = "BATCH_HAS_ERRORS"
PLATFORM_TITLES: dict[str, str] = {
    INVALID_STATUS_CHANGE: "The credential's status does not allow this change",
    TEMPLATE_INACTIVE: "The template is not active",
    DUPLICATE_ROW: "A student number appears twice",
    BATCH_HAS_ERRORS: "The batch has errors",
}


def platform_problem(code: str, detail: str, *, status: int = 400, **extra: Any) -> VCProblem:
    """A :class:`VCProblem` for a platform code, typed ``urn:lianzheng:problem:<code>``."""
    typed = {"type": f"urn:lianzheng:problem:{code.lower().replace('_', '-')}", "title": PLATFORM_TITLES.get(code, code)}
    return VCProblem(code, detail, status=status, extra={**typed, **extra})

"""Site-wide middleware: request body limits (WSGI and ASGI) and the Content-Security-Policy header."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest

from credentials.problems import BAD_REQUEST, LENGTH_REQUIRED, PAYLOAD_TOO_LARGE, is_api_path, problem_response
from credentials.vc.errors import PARSING_ERROR

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def body_limit(path: str) -> int:
    """The largest body accepted for ``path``: the batch-upload endpoints take
    ``BATCH_MAX_BYTES``, everything else ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    if any(path.startswith(prefix) and path.rstrip("/").endswith(suffix) for prefix, suffix in _UPLOAD_PATHS):
        return max(int(settings.BATCH_MAX_BYTES), int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


# (prefix, suffix) pairs of the paths that take CSV uploads or batch JSON.
_UPLOAD_PATHS = (("/api/v1/batches", "/api/v1/batches"), ("/portal/", "/batches/new"))


class BodySizeLimitMiddleware:
    """Answer 413 problem+json when a body exceeds ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

    The declared Content-Length is checked first, so an oversized upload is
    refused without reading it. The read itself is then capped too, because a
    server may hand over more than was declared; the bytes read are kept as the
    request body.

    A body without a Content-Length (``Transfer-Encoding: chunked``) depends on
    the server interface. Under WSGI Django reads exactly Content-Length bytes,
    so such a body would silently arrive empty and the client would be told a
    field is missing: it is refused with 411 Length Required instead. Under ASGI
    the server has already de-chunked the body, so it is read up to the limit
    (413 beyond it) and its length recorded, which lets DRF's parsers see it;
    :class:`ASGIBodyLimit` caps it earlier, while it arrives.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in _BODY_METHODS:
            refused = self._limit_body(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _limit_body(self, request: HttpRequest) -> HttpResponse | None:
        limit = body_limit(request.path)
        raw_length = request.META.get("CONTENT_LENGTH", "")
        if raw_length == "":
            if isinstance(request, ASGIRequest):
                return self._read_capped(request, limit, record_length=True)
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return self._length_required(request)
            return None
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            return problem_response(400, PARSING_ERROR, "invalid Content-Length header")
        if length > limit:
            return self._too_large(limit)
        if length:
            return self._read_capped(request, limit, record_length=False)
        return None

    def _read_capped(self, request: HttpRequest, limit: int, *, record_length: bool) -> HttpResponse | None:
        data = request.read(limit + 1)
        if len(data) > limit:
            return self._too_large(limit)
        # Reading the stream marks it consumed; keeping the bytes as the body
        # lets request.body, request.POST and DRF's parsers use them.
        request._body = data  # type: ignore[attr-defined]
        if record_length and data:
            # DRF treats a request without Content-Length as having no body.
            request.META["CONTENT_LENGTH"] = str(len(data))
        return None

    @staticmethod
    def _too_large(limit: int) -> HttpResponse:
        return problem_response(413, PAYLOAD_TOO_LARGE, f"the request body exceeds {limit} bytes")

    @staticmethod
    def _length_required(request: HttpRequest) -> HttpResponse:
        detail = "a request body must be sent with a Content-Length header, not chunked"
        if is_api_path(request.path):
            return problem_response(411, LENGTH_REQUIRED, detail)
        return HttpResponse(detail, status=411, content_type="text/plain; charset=utf-8")


class RejectNulMiddleware:
    """NUL characters in an address: 404 in the path, 400 in the query string.

    PostgreSQL cannot store or compare text holding NUL: any lookup with one
    would end in a database error (a 500) instead of "not found". One check here
    covers every view's path parameters and filters (form and JSON bodies are
    checked by their validators). No object's address holds a NUL, so such a
    path is simply not found; DID resolution keeps its own answer (invalidDid).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path and not request.path.startswith("/1.0/identifiers/"):
            raise Http404("no object has a NUL character in its address")
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            if is_api_path(request.path):
                return problem_response(400, BAD_REQUEST, "the query string holds a NUL character")
            return HttpResponseBadRequest("Bad request: NUL character in the query.", content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send ``settings.CONTENT_SECURITY_POLICY`` on every response that has none.

    Django 5.2 has no CSP support of its own. Placed first in MIDDLEWARE, it also
    covers static files served by WhiteNoise, redirects and error pages. The
    pages and the admin load scripts and styles only from files, never inline,
    so one strict policy fits the whole site; a view that needs another policy
    sets the header itself. With ``CONTENT_SECURITY_POLICY_REPORT_ONLY`` (on with
    DEBUG) the browser only reports violations, because Django's debug error
    pages are built from inline styles and scripts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY
        report_only: bool = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
        self.header = "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and not response.has_header("Content-Security-Policy") and not response.has_header(
            "Content-Security-Policy-Report-Only"
        ):
            response[self.header] = self.policy
        return response


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ASGIBodyLimit:
    """ASGI wrapper that caps a request body while it arrives.

    Django's ASGI handler reads the whole body into a temporary file (spilling
    to disk) before any middleware runs, whatever its size, when the client
    sends no Content-Length. Wrapped around the application (``config/asgi.py``),
    this reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, answers 413 beyond
    that without reading on, and hands the body to Django in one message.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message, body = body, None
                return message
            # Later calls are Django listening for a disconnect.
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        response = BodySizeLimitMiddleware._too_large(limit)
        if not is_api_path(scope.get("path", "")):
            response = HttpResponse(f"the request body exceeds {limit} bytes", status=413, content_type="text/plain; charset=utf-8")
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
        headers.append((b"content-length", str(len(response.content)).encode("ascii")))
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content})


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a non-negative integer, if it is one."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
            return length if length >= 0 else None
    return None

"""Issuer API (``/api/v1/...``) and VC-API issue: thin views over the issuance services.

Every request acts for one organisation, the tenant: an API key's own, or (for
reads only) one a portal user belongs to (identity.api.authentication.HasScope).
Every lookup goes through an organisation-scoped selector, so another
organisation's credential or batch is a 404 exactly like a missing one.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.extensions import OpenApiSerializerFieldExtension, OpenApiViewExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credentials import batches, selectors, services
from credentials.api import issuer_serializers as s
from credentials.api.parsers import StrictJSONLDParser, StrictJSONParser
from credentials.models import Batch, BatchRow, Credential, CredentialTemplate
from credentials.problems import (
    BATCH_HAS_ERRORS,
    PROBLEM_CONTENT_TYPE,
    INVALID_STATUS_CHANGE,
    VCProblem,
    platform_problem,
)
from credentials.vc.errors import MALFORMED_VALUE_ERROR, PARSING_ERROR
from identity.api.authentication import (
    SCOPE_ISSUE,
    SCOPE_READ,
    SCOPE_REVOKE,
    ApiKeyAuthentication,
    ApiKeyRateThrottle,
    HasScope,
    request_actor,
    request_organisation,
)
from identity.models import Organisation
from identity.selectors import organisation_did

IDEMPOTENCY_KEY = "Idempotency-Key"
# Printable ASCII without spaces at the ends, as Stripe-style clients send (a UUID, a hash).
_IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")
ROW_ERRORS_SHOWN = 100
# Every public id's shape (credentials.services.new_public_id; the public pages match
# the same). Anything else is a 404 before the lookup: a NUL in a path reached
# PostgreSQL as a text parameter and was a 500 (psycopg DataError).
_PUBLIC_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
PUBLIC_ID_PARAMETER = OpenApiParameter(
    "public_id", str, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The opaque public id."
)


def _problem_responses(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """Error answers as documented: problem+json, which is what api_exception_handler sends."""
    texts = {
        400: "Malformed request or invalid fields (problem+json with `errors: [{field, message}]`).",
        401: "No, malformed, unknown or revoked API key.",
        403: "The API key lacks the scope.",
        404: "No such object in this organisation (the same answer for another organisation's).",
        409: "The credential's status does not allow this change.",
        422: "The batch has errors; nothing was issued (BATCH_HAS_ERRORS).",
        429: "Too many requests for this API key (Retry-After).",
    }
    return {(code, PROBLEM_CONTENT_TYPE): OpenApiResponse(s.ProblemOut, description=texts[code]) for code in statuses}


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF validation details as ``[{field, message}]``."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            out.extend(_field_errors(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                out.extend(_field_errors(value, f"{prefix}[{index}]"))
            else:
                out.extend(_field_errors(value, prefix))
        return out
    return [{"field": prefix, "message": str(detail)}]


def _invalid(errors: list[dict[str, str]], detail: str = "the request has invalid fields") -> VCProblem:
    return VCProblem(MALFORMED_VALUE_ERROR, detail, status=400, extra={"errors": errors})


def _validated(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise _invalid(_field_errors(serializer.errors))
    return serializer.validated_data  # type: ignore[no-any-return]


def _issue_error(exc: services.IssueError, *, prefix: str = "") -> VCProblem:
    errors = [{**e, "field": f"{prefix}{e.get('field', '')}"} for e in exc.errors]
    if exc.code == MALFORMED_VALUE_ERROR:
        return _invalid(errors, str(exc))
    extra = {"errors": errors} if errors else {}
    return platform_problem(exc.code, str(exc), status=409 if exc.code == INVALID_STATUS_CHANGE else 400, **extra)


def _template(organisation: Organisation, slug: str | None, *, field: str = "template") -> CredentialTemplate:
    if slug:
        template = selectors.template_get_for_org(organisation=organisation, slug=slug)
        if template is None or not template.active:
            raise _invalid([{"field": field, "message": "no such active template"}])
        return template
    template = selectors.template_default_for_org(organisation=organisation)
    if template is None:
        raise _invalid([{"field": field, "message": "the organisation has no active template"}])
    return template


def _query(request: Request) -> dict[str, str]:
    """The query string as a plain mapping, for an input serializer.

    Given the QueryDict itself, DRF reads ``?template=`` as "not given" (HTML form
    rules), so an empty value slipped past fields the schema documents as
    non-empty slugs, choices, booleans and integers; a plain mapping is checked
    value by value. A repeated parameter counts by its last value, as before.
    """
    return dict(request.query_params.items())


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise _invalid([{"field": IDEMPOTENCY_KEY, "message": "must be 1-255 printable ASCII characters"}])
    return key


def _body(request: Request) -> Any:
    if request.stream is None:
        raise VCProblem(PARSING_ERROR, "empty body")
    return request.data


# Writes take API keys only (a session may read).
KEY_ONLY = [{"apiKey": []}]

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes a retry safe: a request repeating a key returns the credential the first one issued "
        "(200, `idempotentReplay: true`) and never issues twice. 1-255 printable ASCII characters; "
        "keys are per organisation and kept with the credential."
    ),
)


class IssuerAPIView(APIView):
    """Base of the issuer API: API keys (or a member's session, for reads), scopes, a per-key throttle."""

    authentication_classes = (ApiKeyAuthentication, SessionAuthentication)
    permission_classes = (HasScope,)
    throttle_classes = (ApiKeyRateThrottle,)
    # HTTP method → the scope a key needs (identity.api.authentication.required_scope).
    scopes: Mapping[str, str] = {}

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers carry recipients' personal data and signed diplomas: never kept by a cache.
        add_never_cache_headers(response)
        return response


# --------------------------------------------------------------------------- credentials


def _public_id(public_id: str) -> str:
    if not _PUBLIC_ID_RE.fullmatch(public_id):
        raise Http404
    return public_id


def _credential_or_404(request: Request, public_id: str) -> Credential:
    _public_id(public_id)
    credential = selectors.credential_get_for_org(organisation=request_organisation(request), public_id=public_id)
    if credential is None:
        raise Http404
    return credential


def _credential_filter(qs: QuerySet[Credential], query: dict[str, Any]) -> QuerySet[Credential]:
    if "student_number" in query:
        qs = qs.filter(student_number=query["student_number"])
    if "issued_after" in query:
        qs = qs.filter(issued_at__gte=query["issued_after"])
    if "issued_before" in query:
        qs = qs.filter(issued_at__lt=query["issued_before"])
    if "cursor" in query:
        issued_at, public_id = query["cursor"]
        qs = qs.filter(Q(issued_at__lt=issued_at) | Q(issued_at=issued_at, public_id__lt=public_id))
    # Keyset order: stable under concurrent inserts, and cheap at any depth.
    return qs.select_related("batch").order_by("-issued_at", "-public_id")


def _issue_answer(issued: services.Issued, idempotency_key: str | None) -> Response:
    credential = issued.credential
    replay = issued.existed and idempotency_key is not None and credential.idempotency_key == idempotency_key
    data = {**s.CredentialOut(credential).data, "existed": issued.existed, "idempotentReplay": replay}
    headers = {"Location": reverse("api-credential-detail", args=[credential.public_id])}
    return Response(data, status=200 if issued.existed else 201, headers=headers)


EXAMPLE_RECIPIENT = s.RECIPIENT_OPENAPI["example"]


class CredentialsView(IssuerAPIView):
    """``GET /api/v1/credentials`` (list) and ``POST /api/v1/credentials`` (issue one)."""

    scopes = {"GET": SCOPE_READ, "HEAD": SCOPE_READ, "POST": SCOPE_ISSUE}

    @extend_schema(
        operation_id="credentials_list",
        summary="List credentials",
        description=(
            "The organisation's credentials, newest first, in pages of at most 100. Pass the `next` "
            "cursor of a page to get the following one. Scope `credentials:read`."
        ),
        parameters=[s.CredentialFilter],
        responses={200: s.CredentialPage, **_problem_responses(400, 401, 403, 429)},
        tags=["credentials"],
    )
    def get(self, request: Request) -> Response:
        query = _validated(s.CredentialFilter, _query(request))
        qs = selectors.credential_list_for_org(
            organisation=request_organisation(request),
            status=query.get("status", ""),
            template=query.get("template", ""),
            batch=query.get("batch", ""),
        )
        size = query["page_size"]
        page = list(_credential_filter(qs, query)[: size + 1])
        more = len(page) > size
        page = page[:size]
        cursor = s.cursor_for(page[-1]) if more else None
        next_url = None
        if cursor is not None:
            params = request.query_params.copy()
            params["cursor"] = cursor
            next_url = request.build_absolute_uri(request.path + "?" + params.urlencode())
        return Response(s.CredentialPage({"results": page, "next": cursor, "nextUrl": next_url}).data)

    @extend_schema(
        operation_id="credentials_issue",
        auth=KEY_ONLY,
        summary="Issue one credential",
        description=(
            "Validates the recipient with the template's schema, signs an Open Badges 3.0 "
            "AchievementCredential with the organisation's key, stores it with its anchoring leaf and "
            "emails the holder a claim link when `email` is given. Scope `credentials:issue`.\n\n"
            "201 when a credential was issued. 200 when none was: the `Idempotency-Key` was used before "
            "(`idempotentReplay: true`), or this student already holds this template's credential "
            "(`existed: true`); the existing credential is returned either way."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.CredentialIssueRequest,
        responses={
            201: s.CredentialIssueOut,
            200: OpenApiResponse(s.CredentialIssueOut, description="Already issued (see `existed`, `idempotentReplay`)."),
            **_problem_responses(400, 401, 403, 429),
        },
        examples=[
            OpenApiExample("Issue a bachelor's diploma", value={"template": "bachelor", "recipient": EXAMPLE_RECIPIENT}, request_only=True),
            OpenApiExample(
                "Invalid recipient",
                value={
                    "type": "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR",
                    "title": "A value is malformed",
                    "status": 400,
                    "detail": "the recipient fields are invalid",
                    "code": "MALFORMED_VALUE_ERROR",
                    "errors": [{"field": "recipient.date_of_award", "message": "not a valid date (YYYY-MM-DD)"}],
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
        tags=["credentials"],
    )
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request)
        data = _validated(s.CredentialIssueRequest, _body(request))
        template = _template(request_organisation(request), data.get("template"))
        try:
            issued = services.credential_issue(
                template=template, recipient=data["recipient"], actor=request_actor(request), idempotency_key=key
            )
        except services.IssueError as exc:
            raise _issue_error(exc, prefix="recipient.") from None
        return _issue_answer(issued, key)


class CredentialDetailView(IssuerAPIView):
    """``GET /api/v1/credentials/{id}``."""

    scopes = {"GET": SCOPE_READ, "HEAD": SCOPE_READ}

    @extend_schema(
        operation_id="credentials_retrieve",
        summary="Get one credential",
        description="The credential with its current status and signed document. Scope `credentials:read`.",
        parameters=[PUBLIC_ID_PARAMETER],
        responses={200: s.CredentialOut, **_problem_responses(401, 403, 404, 429)},
        tags=["credentials"],
    )
    def get(self, request: Request, public_id: str) -> Response:
        return Response(s.CredentialOut(_credential_or_404(request, public_id)).data)


class CredentialStatusView(IssuerAPIView):
    """``POST /api/v1/credentials/{id}/revoke|suspend|reinstate``."""

    scopes = {"POST": SCOPE_REVOKE}
    action: str = ""

    def post(self, request: Request, public_id: str) -> Response:
        credential = _credential_or_404(request, public_id)
        # An empty body is fine: the reason is optional.
        data = _validated(s.StatusChangeRequest, request.data if request.stream is not None else {})
        try:
            changed = services.credential_status_change(
                credential=credential, action=self.action, actor=request_actor(request), reason=data.get("reason", "")
            )
        except services.IssueError as exc:
            raise _issue_error(exc) from None
        return Response(s.CredentialOut(changed).data)


def _status_view(action: str, summary: str, description: str) -> type[CredentialStatusView]:
    # A fresh function per action: extend_schema annotates the function object it is given.
    def post(self: CredentialStatusView, request: Request, public_id: str) -> Response:
        return CredentialStatusView.post(self, request, public_id)

    decorated = extend_schema(
        operation_id=f"credentials_{action}",
        auth=KEY_ONLY,
        summary=summary,
        description=description + " Repeating a change that already happened changes nothing. Scope `credentials:revoke`.",
        parameters=[PUBLIC_ID_PARAMETER],
        request=s.StatusChangeRequest,
        responses={200: s.CredentialOut, **_problem_responses(400, 401, 403, 404, 409, 429)},
        tags=["credentials"],
    )(post)
    return type(f"Credential{action.title()}View", (CredentialStatusView,), {"action": action, "post": decorated})


CredentialRevokeView = _status_view("revoke", "Revoke a credential", "Sets its revocation bit; final.")
CredentialSuspendView = _status_view("suspend", "Suspend a credential", "Sets its suspension bit (an active credential only).")
CredentialReinstateView = _status_view("reinstate", "Reinstate a suspended credential", "Clears its suspension bit.")


# --------------------------------------------------------------------------- batches


class CSVParser(BaseParser):
    """A raw ``text/csv`` body, handed to the batch service as bytes."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        return {"csv": stream.read() if stream is not None else b""}


def _batch_answer(batch: Batch, *, status: int) -> Response:
    progress = batches.batch_progress(batch)
    failing = BatchRow.objects.filter(batch=batch).exclude(errors=[]).order_by("number")
    rows = list(failing.values_list("number", "errors")[:ROW_ERRORS_SHOWN])
    data = {
        "id": batch.public_id,
        "state": progress["state"],
        "template": batch.template.slug,
        "onlyValid": batch.only_valid,
        "totalRows": progress["total"],
        "validRows": progress["valid"],
        "issuedRows": progress["issued"],
        "skippedRows": progress["skipped"],
        "percent": progress["percent"],
        "rowsPerSecond": progress["rows_per_second"],
        "secondsLeft": progress["seconds_left"],
        "createdAt": batch.created_at,
        "startedAt": batch.started_at,
        "finishedAt": batch.finished_at,
        "errors": batch.errors,
        "rowErrors": [{"row": number, "errors": errors} for number, errors in rows],
        "rowErrorCount": progress["total"] - progress["valid"],
    }
    headers = {"Location": reverse("api-batch-detail", args=[batch.public_id])}
    return Response(s.BatchOut(data).data, status=status, headers=headers)


class BatchesView(IssuerAPIView):
    """``POST /api/v1/batches``: JSON rows, a multipart CSV upload, or a ``text/csv`` body."""

    scopes = {"POST": SCOPE_ISSUE}
    parser_classes = (StrictJSONParser, StrictJSONLDParser, MultiPartParser, CSVParser)

    @extend_schema(
        operation_id="batches_create",
        auth=KEY_ONLY,
        summary="Issue a batch",
        description=(
            "Every row is validated first. With no errors (or with `onlyValid` and at least one valid "
            "row) the batch is queued for the worker: 202 with a `Location` to poll. With errors, nothing "
            "is issued: 422 with the file and row errors and the batch's `Location`. Students who already "
            "hold this template's credential are skipped, so sending the same rows twice issues nothing twice.\n\n"
            "Three body forms: JSON `{template, rows, onlyValid}`; multipart with a `file` field (and "
            "`template`, `onlyValid` fields); or a raw `text/csv` body with `?template=&onlyValid=` in the "
            "query. CSV files are UTF-8 with the header " + ",".join(batches.diplomas.FIELDS) + ". "
            "Scope `credentials:issue`."
        ),
        parameters=[s.BatchCSVQuery],
        request={
            "application/json": s.BatchCreateRequest,
            "multipart/form-data": s.BatchUploadRequest,
            "text/csv": {"type": "string", "format": "binary"},
        },
        responses={
            202: s.BatchOut,
            422: OpenApiResponse(s.BatchOut, description="The batch has errors; nothing was issued."),
            # BATCH_HAS_ERRORS: the batch validated but could not be started (no row left to issue).
            **_problem_responses(400, 401, 403, 422, 429),
        },
        examples=[
            OpenApiExample(
                "Two rows",
                value={"template": "bachelor", "rows": [EXAMPLE_RECIPIENT, {**EXAMPLE_RECIPIENT, "student_number": "2021001235", "name": "李四"}]},
                request_only=True,
                media_type="application/json",
            )
        ],
        tags=["batches"],
    )
    def post(self, request: Request) -> Response:
        organisation = request_organisation(request)
        actor = request_actor(request)
        body = _body(request)
        media = (request.content_type or "").split(";", 1)[0].strip().lower()
        # Checked whatever the body: the query is documented for the operation, and a
        # bad ?template= beside a JSON body was silently ignored.
        query = _validated(s.BatchCSVQuery, _query(request))
        try:
            if media == "text/csv":
                opts = query
                template = _template(organisation, opts.get("template"))
                batch = batches.batch_create_from_csv(
                    organisation=organisation, template=template, data=body["csv"], filename="upload.csv", actor=actor
                )
            elif media == "multipart/form-data":
                opts = _validated(s.BatchUploadRequest, body)
                template = _template(organisation, opts.get("template"))
                upload = opts["file"]
                batch = batches.batch_create_from_csv(
                    organisation=organisation, template=template, data=upload.read(), filename=upload.name or "", actor=actor
                )
            else:
                opts = _validated(s.BatchCreateRequest, body)
                template = _template(organisation, opts.get("template"))
                batch = batches.batch_create_from_rows(organisation=organisation, template=template, rows=opts["rows"], actor=actor)
        except services.IssueError as exc:
            raise _issue_error(exc) from None
        only_valid = bool(opts.get("onlyValid"))
        can_start = not batch.errors and batch.valid_rows > 0 and (only_valid or batch.valid_rows == batch.total_rows)
        if not can_start:
            return _batch_answer(batch, status=422)
        try:
            batch = batches.batch_start(batch=batch, actor=actor, only_valid=only_valid)
        except services.IssueError as exc:
            raise platform_problem(BATCH_HAS_ERRORS, str(exc), status=422) from None
        return _batch_answer(batch, status=202)


class BatchDetailView(IssuerAPIView):
    """``GET /api/v1/batches/{id}``."""

    scopes = {"GET": SCOPE_READ, "HEAD": SCOPE_READ}

    @extend_schema(
        operation_id="batches_retrieve",
        summary="Batch progress",
        description="State, counts, percent, speed, time left, and the first rows with errors. Scope `credentials:read`.",
        parameters=[PUBLIC_ID_PARAMETER],
        responses={200: s.BatchOut, **_problem_responses(401, 403, 404, 429)},
        tags=["batches"],
    )
    def get(self, request: Request, public_id: str) -> Response:
        batch = selectors.batch_get_for_org(organisation=request_organisation(request), public_id=_public_id(public_id))
        if batch is None:
            raise Http404
        return _batch_answer(batch, status=200)


# --------------------------------------------------------------------------- VC-API issue


class VCAPIIssueView(IssuerAPIView):
    """VC-API ``POST /credentials/issue`` with the organisation's default template."""

    scopes = {"POST": SCOPE_ISSUE}

    @extend_schema(
        operation_id="vcapi_credentials_issue",
        auth=KEY_ONLY,
        summary="Issue a credential (VC-API)",
        description=(
            "Issues the organisation's Open Badges 3.0 diploma from its default template (or "
            "`options.template`). The platform builds the credential itself; from the body it reads only "
            "the recipient:\n\n"
            "| recipient field | read from (first found) |\n|---|---|\n"
            "| student_number | `credentialSubject.studentNumber`; `credentialSubject.identifier[]` with "
            "`identityType: studentId` (`identityHash`) |\n"
            "| name | `credentialSubject.name` |\n"
            "| major | `credentialSubject.major`; `credentialSubject.achievement.specialization` |\n"
            "| honours, gpa, email | `credentialSubject.honours`, `.gpa`, `.email` |\n"
            "| date_of_award | `credentialSubject.dateOfAward`; the date of `credential.awardedDate` |\n"
            "| date_of_birth | `credentialSubject.dateOfBirth`; `identifier[]` with `identityType: ext:dateOfBirth` |\n"
            "| holder_did | `credentialSubject.id` (a DID) |\n\n"
            "`options.recipient` (the same object as `POST /api/v1/credentials` takes) overrides any of "
            "them. `credential.issuer`, when given, must be the organisation's DID. Field errors name the "
            "recipient field. `Idempotency-Key` is honoured. 201 when issued, 200 when the credential "
            "existed already. Scope `credentials:issue`."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.VCAPIIssueRequest,
        responses={
            201: s.VCAPIIssueOut,
            200: OpenApiResponse(s.VCAPIIssueOut, description="The credential existed already."),
            **_problem_responses(400, 401, 403, 429),
        },
        examples=[
            OpenApiExample(
                "OB 3.0 subject",
                value={
                    "credential": {
                        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                        "type": ["VerifiableCredential", "AchievementCredential"],
                        "awardedDate": "2025-06-30T00:00:00Z",
                        "credentialSubject": {
                            "type": ["AchievementSubject"],
                            "name": "张三",
                            "identifier": [{"type": "IdentityObject", "identityType": "studentId", "identityHash": "2021001234", "hashed": False}],
                            "achievement": {"specialization": "Computer Science"},
                        },
                    },
                    "options": {},
                },
                request_only=True,
            )
        ],
        tags=["vc-api"],
    )
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request)
        data = _validated(s.VCAPIIssueRequest, _body(request))
        organisation = request_organisation(request)
        options = data.get("options") or {}
        issuer = data["credential"].get("issuer")
        if issuer is not None:
            issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
            if issuer_id != organisation_did(organisation):
                raise _invalid([{"field": "credential.issuer", "message": "must be the organisation's DID"}])
        template = _template(organisation, options.get("template"), field="options.template")
        recipient = {**s.recipient_from_credential(data["credential"]), **(options.get("recipient") or {})}
        try:
            issued = services.credential_issue(template=template, recipient=recipient, actor=request_actor(request), idempotency_key=key)
        except services.IssueError as exc:
            raise _issue_error(exc) from None
        return Response(
            s.VCAPIIssueOut({"verifiableCredential": issued.credential.document}).data,
            status=200 if issued.existed else 201,
        )


# --------------------------------------------------------------------------- docs


class SwaggerDocsView(SpectacularSwaggerSplitView):
    """``/api/docs/``: Swagger UI from /static/ with its initialiser loaded as a script file.

    The stock page has an inline ``<style>`` and (unsplit) an inline script,
    which the site's Content-Security-Policy blocks; this template has neither.
    """

    template_name = "api/swagger_ui.html"
    # The docs are public; no session is needed to read them.
    authentication_classes: tuple = ()

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None and settings.CONTENT_SECURITY_POLICY:
            # Swagger UI's stylesheet draws its icons as data: SVG images; an
            # image cannot run script, so the page allows them and nothing else more.
            name = "Content-Security-Policy-Report-Only" if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False) else "Content-Security-Policy"
            response[name] = settings.CONTENT_SECURITY_POLICY + "; img-src 'self' data:"
        return response


# --------------------------------------------------------------------------- schema of other apps' views
# The VC-API verify and DID resolution views are plain APIViews that drf-spectacular
# cannot introspect; these extensions describe them without touching their code.


class _CredentialOrTokenSchema(OpenApiSerializerFieldExtension):
    target_class = "credentials.api.serializers.CredentialOrTokenField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return {
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": True,
                    "minProperties": 1,
                    "description": "A JSON-LD credential or presentation with a Data Integrity proof.",
                },
                {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", "description": "A compact VC-JWT."},
            ]
        }


def _with_schema(view: type, method: str, **schema: Any) -> type:
    """A subclass of ``view`` whose ``method`` carries ``extend_schema(**schema)``.

    For views whose own module may not depend on these serializers (identity and
    anchoring may not import credentials); unless the view documents itself.
    """
    if hasattr(getattr(view, method, None), "_spectacular_annotation"):
        return view
    original = getattr(view, method)

    def handler(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return original(self, request, *args, **kwargs)  # pragma: no cover (schema only)

    handler.__name__ = method
    return type(view.__name__, (view,), {method: extend_schema(**schema)(handler)})


class _VerifyCredentialSchema(OpenApiViewExtension):
    target_class = "credentials.api.views.VerifyCredentialView"

    def view_replacement(self) -> type:
        from credentials.api.serializers import VerifyCredentialRequest

        return _with_schema(
            self.target_class,
            "post",
            operation_id="vcapi_credentials_verify",
            summary="Verify a credential (VC-API)",
            description="Runs every check; 200 when verified, 422 with the same result shape when not.",
            request=VerifyCredentialRequest,
            responses={200: s.VerificationResultOut, 422: s.VerificationResultOut, **_problem_responses(400, 429)},
            tags=["vc-api"],
            auth=[],
        )


class _VerifyPresentationSchema(OpenApiViewExtension):
    target_class = "credentials.api.views.VerifyPresentationView"

    def view_replacement(self) -> type:
        from credentials.api.serializers import VerifyPresentationRequest

        return _with_schema(
            self.target_class,
            "post",
            operation_id="vcapi_presentations_verify",
            summary="Verify a presentation (VC-API)",
            description="Verifies the presentation's proof (challenge, domain) and every credential in it.",
            request=VerifyPresentationRequest,
            responses={200: s.VerificationResultOut, 422: s.VerificationResultOut, **_problem_responses(400, 429)},
            tags=["vc-api"],
            auth=[],
        )


class _DIDResolutionSchema(OpenApiViewExtension):
    target_class = "identity.api.views.DIDResolutionView"

    def view_replacement(self) -> type:
        return _with_schema(
            self.target_class,
            "get",
            operation_id="did_resolve",
            summary="Resolve a DID",
            description=(
                "A DID resolution result (`Accept: application/did+ld+json` for the bare DID document). "
                "The platform's own did:web DIDs are answered locally."
            ),
            parameters=[
                OpenApiParameter(
                    "did",
                    str,
                    OpenApiParameter.PATH,
                    # DID Core §3.1 syntax, as identity.did.syntax checks it; anything else is a 400 invalidDid.
                    pattern=r"^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$",
                    description="The DID, percent-encoded once more where it holds `%` (`did:web:example.com%253A8443`).",
                )
            ],
            responses={
                (200, "application/ld+json"): s.ResolutionResultOut,
                (200, "application/did+ld+json"): OpenApiResponse(
                    {"type": "object", "additionalProperties": True}, description="The bare DID document (on that Accept)."
                ),
                (400, "application/ld+json"): OpenApiResponse(s.ResolutionResultOut, description="invalidDid"),
                (404, "application/ld+json"): OpenApiResponse(s.ResolutionResultOut, description="notFound"),
                # The DID Resolution HTTP binding's statuses for these two errors.
                (501, "application/ld+json"): OpenApiResponse(s.ResolutionResultOut, description="methodNotSupported"),
                (502, "application/ld+json"): OpenApiResponse(
                    s.ResolutionResultOut, description="internalError: a did:web host could not be reached or answered badly."
                ),
                **_problem_responses(429),
            },
            tags=["did"],
            auth=[],
        )


class _AnchorReceiptSchema(OpenApiViewExtension):
    target_class = "anchoring.api.views.CredentialAnchorView"

    def view_replacement(self) -> type:
        return _with_schema(
            self.target_class,
            "get",
            operation_id="credentials_anchor_receipt",
            parameters=[PUBLIC_ID_PARAMETER],
            summary="Anchor receipt of a credential",
            description=(
                "Open to anyone holding the credential id: `status` is `pending` until a chain reached "
                "finality, then `anchored` with the chain fields and the Merkle inclusion proof."
            ),
            responses={
                200: {"type": "object", "additionalProperties": True, "properties": {"status": {"type": "string"}}},
                **_problem_responses(404, 429),
            },
            tags=["anchoring"],
            auth=[],
        )

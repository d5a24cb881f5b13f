"""Issuer API authentication: organisation API keys as bearer tokens, scopes, a per-key throttle.

A request authenticated with ``Authorization: Bearer lz_<prefix>_<secret>`` acts
for the key's organisation (the tenant) and may do what the key's scopes allow.
A portal user's session may read through the API too, scoped through
:mod:`identity.access` (a membership of the organisation named by the
``organisation`` query parameter, or of the only organisation the user belongs to).

The token never reaches a log, an error or a response: failures all say the same
thing, whatever was wrong with the token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from identity import access
from identity.models import ApiKey, Organisation
from identity.services import Actor, api_key_authenticate

SCOPE_ISSUE = ApiKey.Scope.ISSUE.value
SCOPE_READ = ApiKey.Scope.READ.value
SCOPE_REVOKE = ApiKey.Scope.REVOKE.value

# Which portal roles stand for which scope when a session (not a key) calls the API.
_ROLES_FOR_SCOPE = {SCOPE_READ: access.VIEW, SCOPE_ISSUE: access.ISSUE, SCOPE_REVOKE: access.ISSUE}

_INVALID = "invalid or revoked API key"


class ApiKeyPrincipal:
    """``request.user`` for a request made with an API key: authenticated, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.organisation: Organisation = key.organisation

    def __str__(self) -> str:
        return f"api key {self.key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer lz_<prefix>_<secret>`` → the key's organisation.

    No Authorization header, or another scheme, leaves the request to the next
    authentication class; a Bearer token that is malformed, unknown or revoked is
    a 401 with the same detail in every case.
    """

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_INVALID)
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_INVALID) from None
        key = api_key_authenticate(token=token)
        if key is None:
            raise exceptions.AuthenticationFailed(_INVALID)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request: Request) -> str:
        # Also makes DRF answer 401 rather than 403 when no credentials came at all.
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of :class:`ApiKeyAuthentication`."""

    target_class = "identity.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "lz_<prefix>_<secret>",
            "description": (
                "An organisation API key, created by an organisation admin and shown once. "
                "Scopes: credentials:issue, credentials:read, credentials:revoke."
            ),
        }


def required_scope(request: Request, view: Any) -> str:
    """The scope the view asks of this request (``view.scopes`` maps method → scope)."""
    scopes: dict[str, str] = getattr(view, "scopes", {})
    scope = scopes.get(request.method or "")
    if scope is None:
        # A method the view did not map is refused rather than allowed by default.
        raise exceptions.MethodNotAllowed(request.method or "")
    return scope


def _session_organisation(request: Request, roles: frozenset[str]) -> Organisation:
    slug = request.query_params.get("organisation")
    if slug is None:
        memberships = access.memberships_of(request.user)
        if len(memberships) != 1:
            raise Http404
        slug = memberships[0].organisation.slug
    return access.organisation_for(user=request.user, slug=slug, roles=roles)


class HasScope(permissions.BasePermission):
    """The API key holds the scope the view needs; a session holds a matching role.

    Sessions may only read (a session carries CSRF exposure on writes, and
    integrations should use keys). The organisation is resolved here once and
    kept as ``request.organisation`` for the view.
    """

    message = "the API key lacks the scope this operation needs"

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = required_scope(request, view)
        if isinstance(request.auth, ApiKey):
            if scope not in request.auth.scopes:
                self.message = f"the API key lacks the scope {scope}"
                return False
            request.organisation = request.auth.organisation  # type: ignore[attr-defined]
            return True
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if scope != SCOPE_READ:
            self.message = "use an API key for this operation"
            return False
        request.organisation = _session_organisation(request, _ROLES_FOR_SCOPE[scope])  # type: ignore[attr-defined]
        return True


def request_organisation(request: Request) -> Organisation:
    """The tenant of an API request that passed :class:`HasScope`."""
    return request.organisation  # type: ignore[attr-defined, no-any-return]


def request_actor(request: Request) -> Actor:
    """Who the audit log names for an API request."""
    address = request.META.get("REMOTE_ADDR") or None
    if isinstance(request.auth, ApiKey):
        return Actor(label=f"api key {request.auth.prefix} ({request.auth.name})", address=address)
    return Actor(user=request.user, address=address)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (per user for sessions), at ``API_KEY_RATE`` (default 1200/minute).

    The rate is read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]``
    when set there, else from the ``API_KEY_RATE`` setting.
    """

    scope = "api_key"

    def get_rate(self) -> str | None:
        return self.THROTTLE_RATES.get(self.scope) or getattr(settings, "API_KEY_RATE", "1200/minute")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

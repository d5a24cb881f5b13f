"""The tenancy matrix: every portal page and issuer-API endpoint × every persona.

The routes are enumerated from the URL resolver, so a page added later is in the
matrix without touching this file; a path parameter this file cannot fill makes
:func:`test_every_route_parameter_has_a_filler` fail and name it.

What must hold (issue 3, "Tenancy"):

- University A's staff read A's pages; A's admin reaches every page.
- University B's registrar, a holder and a platform operator get 404 on every
  page and endpoint of A, for GET and POST, the very same answer as for an object
  or organisation that does not exist; B's registrar also cannot reach A's objects
  through B's own slug.
- Anonymous: the portal redirects to the login page, the API answers 401.
- A's viewer reads but cannot write: every POST is 403, 404 or 405.
- An API key of B cannot read or change A's objects (404 as for a missing one).
- After all those requests, A's rows are exactly as they were.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.personas import *  # noqa: F403
from tests.personas import login, make_user

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # the full route with its converters, e.g. "portal/<slug:slug>/credentials/<str:public_id>/"
    name: str  # namespaced URL name, or "" when unnamed
    view: str  # dotted path of the view (for messages and the MANAGE rule)

    @property
    def params(self) -> list[str]:
        return [m["name"] for m in _PARAM.finditer(self.route)]

    def path(self, values: dict[str, str]) -> str:
        return "/" + _PARAM.sub(lambda m: str(values[m["name"]]), self.route)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            view = getattr(callback, "view_class", None) or callback
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield Route(prefix + str(pattern.pattern), name, f"{view.__module__}.{view.__qualname__}")


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def portal_routes() -> list[Route]:
    """Every organisation page of the portal (the personal /portal/ home is tested on its own)."""
    return [r for r in all_routes() if r.route.startswith("portal/") and "slug" in r.params]


# Endpoints under /api/v1/ that are public by design, like the verification page
# /v/<id>: open to anyone who holds a credential's id (no account, no session).
PUBLIC_API_VIEWS = {"anchoring.api.views.CredentialAnchorView"}


def api_routes() -> list[Route]:
    """The issuer API: /api/v1/... and VC-API issue (the schema, docs and public receipts aside)."""
    return [
        r
        for r in all_routes()
        if (r.route.startswith("api/v1/") or r.route == "credentials/issue") and r.view not in PUBLIC_API_VIEWS
    ]


# The role a page asks for (identity.access: VIEW < ISSUE < MANAGE). Organisation
# settings (identity.views: members, keys, API keys, audit) and template editing are
# the admin's; issuing is the registrar's; every other page is readable by a viewer.
# A new write page shows up here as a viewer getting 404 where this says "view".
ISSUE_PAGES = {"portal:issue", "portal:batch_new", "portal:batch_start", "portal:credential_status", "portal:credential_claim_send"}
MANAGE_PAGES = {"portal:template_create", "portal:template_edit"}


def role_needed(route: Route) -> str:
    if route.view.startswith("identity.views.") or route.name in MANAGE_PAGES:
        return "admin"
    if route.name in ISSUE_PAGES:
        return "registrar"
    return "viewer"


RANK = {"viewer": 0, "registrar": 1, "admin": 2}


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    org_a: Any
    org_b: Any
    values_a: dict[str, str]  # path parameters naming A's objects
    missing: dict[str, str]  # path parameters naming nothing at all
    key_a: str
    key_b: str


RECIPIENT = {
    "student_number": "A-2024-0001",
    "name": "张三",
    "major": "Computer Science",
    "honours": "",
    "gpa": "3.7",
    "date_of_award": "2024-06-30",
    "date_of_birth": "",
    "email": "zhangsan@example.com",
}


@pytest.fixture
def world(org_a: Any, org_b: Any, admin_a: Any, registrar_a: Any, viewer_a: Any, registrar_b: Any) -> World:
    from credentials import selectors, services
    from credentials.batches import batch_create_from_rows
    from identity.models import Membership
    from identity.selectors import organisation_active_key
    from identity.services import Actor, api_key_create

    actor = Actor(user=registrar_a, label="test")
    template = selectors.template_default_for_org(organisation=org_a)
    credential = services.credential_issue(template=template, recipient=dict(RECIPIENT), actor=actor).credential
    services.claim_link_create(credential=credential)
    batch = batch_create_from_rows(
        organisation=org_a,
        template=template,
        rows=[{**RECIPIENT, "student_number": "A-2024-0002", "name": "李四"}],
        actor=actor,
    )
    scopes = ["credentials:issue", "credentials:read", "credentials:revoke"]
    api_key, key_a = api_key_create(organisation=org_a, name="SIS", scopes=scopes)
    _, key_b = api_key_create(organisation=org_b, name="SIS", scopes=scopes)
    membership = Membership.objects.get(organisation=org_a, user=viewer_a)
    values_a = {
        "slug": org_a.slug,
        "public_id": credential.public_id,  # replaced by the batch's id on batch routes
        "batch_id": batch.public_id,
        "template_slug": template.slug,
        "membership_id": str(membership.pk),
        "fragment": organisation_active_key(org_a).fragment,
        "prefix": api_key.prefix,
    }
    missing = {
        "slug": "no-such-univ",
        "public_id": secrets.token_urlsafe(16),
        "batch_id": secrets.token_urlsafe(16),
        "template_slug": "no-such-template",
        "membership_id": "987654321",
        "fragment": "key-999",
        "prefix": secrets.token_hex(6),
    }
    mail.outbox.clear()
    return World(org_a, org_b, values_a, missing, key_a, key_b)


def _values(route: Route, base: dict[str, str], world: World) -> dict[str, str]:
    values = dict(base)
    if "batches" in route.route and base is world.values_a:
        from credentials.models import Batch

        values["public_id"] = Batch.objects.get(organisation=world.org_a).public_id
    return values


def paths_for(route: Route, world: World) -> tuple[str, str, list[str]]:
    """A's path, the same page naming nothing that exists, and variants aiming at A's objects
    from B's own slug (for B's registrar)."""
    a = route.path(_values(route, world.values_a, world))
    objects_missing = {**_values(route, world.values_a, world), **{k: v for k, v in world.missing.items() if k != "slug"}}
    has_objects = any(name != "slug" for name in route.params)
    missing = route.path(objects_missing) if has_objects else route.path({**world.values_a, "slug": world.missing["slug"]})
    via_b = [route.path({**_values(route, world.values_a, world), "slug": world.org_b.slug})] if has_objects else []
    return a, missing, via_b


# Every field name the portal's forms use, with plausible values: an outsider's POST
# must be refused before any of it is read, whatever it holds.
WRITE = {
    **RECIPIENT,
    "step": "confirm",
    "token": "x",
    "action": "revoke",
    "reason": "tenancy test",
    "op": "remove",
    "role": "admin",
    "email": "intruder@example.com",
    "only_valid": "1",
    "name_en": "Hijacked",
    "name_zh": "劫持",
    "homepage": "https://evil.example",
    "name": "Hijacked",
    "scopes": ["credentials:issue", "credentials:read", "credentials:revoke"],
    "key_type": "Ed25519",
    "confirm": "1",
    "kind": "bachelor",
    "description": "x",
    "criteria": "x",
    "degree_type": "x",
    "field_of_study": "x",
    "active": "on",
}


def snapshot(org: Any) -> dict[str, Any]:
    """Every row that belongs to ``org``, all columns."""
    from django.contrib.auth import get_user_model

    from credentials.models import Batch, BatchRow, ClaimLink, Credential, CredentialTemplate, StatusList
    from identity.models import ApiKey, AuditEvent, Membership, Organisation, OrgKey

    def rows(qs: Any) -> list[dict[str, Any]]:
        return list(qs.order_by("pk").values())

    return {
        "organisation": rows(Organisation.objects.filter(pk=org.pk)),
        "keys": rows(OrgKey.objects.filter(organisation=org)),
        "members": rows(Membership.objects.filter(organisation=org)),
        "member_users": rows(get_user_model().objects.filter(memberships__organisation=org)),
        "api_keys": rows(ApiKey.objects.filter(organisation=org)),
        "audit": rows(AuditEvent.objects.filter(organisation=org)),
        "templates": rows(CredentialTemplate.objects.filter(organisation=org)),
        "status_lists": rows(StatusList.objects.filter(organisation=org)),
        "credentials": rows(Credential.objects.filter(organisation=org)),
        "claim_links": rows(ClaimLink.objects.filter(credential__organisation=org)),
        "batches": rows(Batch.objects.filter(organisation=org)),
        "batch_rows": rows(BatchRow.objects.filter(batch__organisation=org)),
    }


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def normalised(response: Any) -> tuple[int, str, bytes]:
    """What a prober can compare: status, content type and body. CSRF tokens differ per
    response and the page names its own path (the language switcher's ``next``): both are
    blanked, anything else that differs is a difference."""
    body = _CSRF.sub(b"", response.content)
    body = body.replace(response.wsgi_request.get_full_path().encode(), b"<path>")
    return response.status_code, response.get("Content-Type", ""), body


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == "/accounts/login/"


# --------------------------------------------------------------------------- the matrix: portal


def test_every_route_parameter_has_a_filler(world: World) -> None:
    routes = portal_routes() + api_routes()
    assert len(portal_routes()) >= 10, "the portal's pages were not found by the resolver walk"
    assert len(api_routes()) >= 4, "the issuer API's endpoints were not found by the resolver walk"
    unknown = sorted({f"{r.route}: <{p}>" for r in routes for p in r.params if p not in world.values_a})
    assert unknown == [], "add a value for these path parameters to the world fixture"
    for route in routes:
        a, _missing, _via_b = paths_for(route, world)
        match = resolve(a)
        view = getattr(match.func, "view_class", None) or match.func
        assert f"{view.__module__}.{view.__qualname__}" == route.view, (route.route, a)


def test_anonymous_is_sent_to_log_in(client: Client, world: World) -> None:
    failures = []
    for route in portal_routes():
        a, missing, _ = paths_for(route, world)
        for method in ("get", "post"):
            for path in (a, missing):
                response = getattr(client, method)(path, WRITE if method == "post" else None)
                # 405: a method the page never takes, refused before anything is looked up.
                if not (is_login_redirect(response) or response.status_code == 405):
                    failures.append(f"{method.upper()} {path} → {response.status_code}")
                if response.status_code == 405:
                    other = getattr(client, method)(missing if path == a else a)
                    if other.status_code != 405:
                        failures.append(f"{method.upper()} {path}: 405 for one, {other.status_code} for the other")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("outsider", ["registrar_b", "holder", "operator"])
def test_outsiders_get_the_same_404_as_for_nothing(client: Client, world: World, outsider: str, request: Any) -> None:
    user = request.getfixturevalue(outsider)
    login(client, user)
    before = snapshot(world.org_a)
    failures = []
    for route in portal_routes():
        a, missing, via_b = paths_for(route, world)
        for method in ("get", "post"):
            send = lambda path: getattr(client, method)(path, WRITE if method == "post" else None)  # noqa: E731
            seen_a, seen_missing = send(a), send(missing)
            if seen_a.status_code not in (404, 405):
                failures.append(f"{method.upper()} {a} → {seen_a.status_code} (expected 404)")
            if normalised(seen_a) != normalised(seen_missing):
                failures.append(f"{method.upper()} {a} answers differently from {missing}")
            if outsider == "registrar_b":
                for path in via_b:  # A's objects under B's own slug
                    through_b = send(path)
                    if through_b.status_code not in (404, 405):
                        failures.append(f"{method.upper()} {path} (B's slug, A's object) → {through_b.status_code}")
    assert failures == [], "\n".join(failures)
    assert snapshot(world.org_a) == before
    assert mail.outbox == []  # no claim link re-sent to A's graduate


@pytest.mark.parametrize("member", ["admin_a", "registrar_a", "viewer_a"])
def test_members_of_a_read_their_pages(client: Client, world: World, member: str, request: Any) -> None:
    login(client, request.getfixturevalue(member))
    failures = []
    for route in portal_routes():
        a, missing, _ = paths_for(route, world)
        response = client.get(a)
        # 405: a POST-only action (the method check comes before the role check).
        allowed = {200, 302, 405} if RANK[member.removesuffix("_a")] >= RANK[role_needed(route)] else {404, 405}
        if response.status_code not in allowed:
            failures.append(f"GET {a} → {response.status_code} (expected one of {sorted(allowed)})")
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            if b"University B" in response.content or "乙大学".encode() in response.content:
                failures.append(f"GET {a} shows university B")
        # Naming something that does not exist is a 404 for members too (never a 500).
        if any(p != "slug" for p in route.params) and client.get(missing).status_code not in (404, 405):
            failures.append(f"GET {missing} → {client.get(missing).status_code} (expected 404)")
    assert failures == [], "\n".join(failures)


def test_viewer_cannot_write(client: Client, world: World, viewer_a: Any) -> None:
    login(client, viewer_a)
    before = snapshot(world.org_a)
    failures = []
    for route in portal_routes():
        a, _missing, _ = paths_for(route, world)
        response = client.post(a, WRITE)
        if response.status_code in (403, 404, 405):
            continue
        # A read-only page that ignores the method answers a POST as it answers a GET:
        # nothing was done (the snapshot below checks the rows too).
        if role_needed(route) == "viewer" and normalised(response) == normalised(client.get(a)):
            continue
        failures.append(f"POST {a} → {response.status_code} (expected 403/404/405)")
    assert failures == [], "\n".join(failures)
    assert snapshot(world.org_a) == before
    assert mail.outbox == []


def test_portal_home_lists_only_own_organisations(client: Client, world: World, registrar_b: Any, holder: Any) -> None:
    assert is_login_redirect(client.get("/portal/"))
    login(client, registrar_b)
    page = client.get("/portal/").content.decode()
    assert "University B" in page or "乙大学" in page
    assert "University A" not in page and "甲大学" not in page
    login(client, holder)
    page = client.get("/portal/").content.decode()
    assert "University A" not in page and "University B" not in page


# --------------------------------------------------------------------------- the matrix: issuer API


def _api_call(client: Client, method: str, path: str, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, data=b"{}", content_type="application/json", **headers)


def test_api_anonymous_gets_401(client: Client, world: World) -> None:
    failures = []
    for route in api_routes():
        a, missing, _ = paths_for(route, world)
        for method in ("get", "post"):
            for path in (a, missing):
                response = _api_call(client, method, path, None)
                if response.status_code not in (401, 405):
                    failures.append(f"{method.upper()} {path} → {response.status_code}")
                elif response.status_code == 401 and not response["Content-Type"].startswith("application/problem+json"):
                    failures.append(f"{method.upper()} {path}: 401 without problem+json")
    assert failures == [], "\n".join(failures)


def test_api_key_of_b_sees_nothing_of_a(client: Client, world: World) -> None:
    before = snapshot(world.org_a)
    failures = []
    for route in api_routes():
        a, missing, _ = paths_for(route, world)
        if not route.params:
            # Collections answer for the key's own organisation: B's list must not hold A's ids.
            listing = _api_call(client, "get", a, world.key_b)
            if listing.status_code == 200 and world.values_a["public_id"].encode() in listing.content:
                failures.append(f"GET {a} with B's key lists A's credential")
            continue
        for method in ("get", "post"):
            seen_a = _api_call(client, method, a, world.key_b)
            seen_missing = _api_call(client, method, missing, world.key_b)
            if seen_a.status_code not in (404, 405):
                failures.append(f"{method.upper()} {a} with B's key → {seen_a.status_code} (expected 404)")
            if normalised(seen_a) != normalised(seen_missing):
                failures.append(f"{method.upper()} {a} with B's key answers differently from {missing}")
    assert failures == [], "\n".join(failures)
    assert snapshot(world.org_a) == before


def test_api_key_of_a_reads_a(client: Client, world: World) -> None:
    failures = []
    for route in api_routes():
        a, missing, _ = paths_for(route, world)
        response = _api_call(client, "get", a, world.key_a)
        if response.status_code not in (200, 405):
            failures.append(f"GET {a} with A's key → {response.status_code}")
        if len(route.params):
            nothing = _api_call(client, "get", missing, world.key_a)
            if nothing.status_code not in (404, 405):
                failures.append(f"GET {missing} with A's key → {nothing.status_code} {nothing.content[:200]!r}")
    listing = _api_call(client, "get", "/api/v1/credentials", world.key_a)
    assert world.values_a["public_id"] in listing.content.decode()
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("persona", ["registrar_b", "holder", "viewer_a"])
def test_api_sessions_cannot_reach_or_change_a(client: Client, world: World, persona: str, request: Any) -> None:
    login(client, request.getfixturevalue(persona))
    before = snapshot(world.org_a)
    failures = []
    for route in api_routes():
        a, _missing, _ = paths_for(route, world)
        for query in ("", f"?organisation={world.org_a.slug}"):
            got = client.get(a + query)
            reads_ok = persona == "viewer_a"  # a member's session may read its own organisation
            if got.status_code == 200 and not reads_ok and world.values_a["public_id"].encode() in got.content:
                failures.append(f"GET {a + query} as {persona} shows A's credential")
            if not reads_ok and got.status_code not in (400, 401, 403, 404, 405) and len(route.params):
                failures.append(f"GET {a + query} as {persona} → {got.status_code}")
            posted = client.post(a + query, data=b"{}", content_type="application/json")
            if posted.status_code not in (400, 401, 403, 404, 405):
                failures.append(f"POST {a + query} as {persona} → {posted.status_code}")
    assert failures == [], "\n".join(failures)
    assert snapshot(world.org_a) == before


def test_api_outsider_writes_leave_a_unchanged(client: Client, world: World) -> None:
    """B's key revoking, suspending or reinstating A's credential: 404, nothing changed, no audit."""
    before = snapshot(world.org_a)
    public_id = world.values_a["public_id"]
    for action in ("revoke", "suspend", "reinstate"):
        response = client.post(
            f"/api/v1/credentials/{public_id}/{action}",
            data={"reason": "x"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {world.key_b}",
        )
        assert response.status_code == 404, (action, response.status_code)
    assert snapshot(world.org_a) == before


def test_a_fresh_member_of_b_is_still_an_outsider(client: Client, world: World) -> None:
    """Roles are per organisation: B's admin is nobody in A."""
    from identity.services import membership_set

    boss_b = make_user("admin@univ-b.example")
    membership_set(organisation=world.org_b, user=boss_b, role="admin")
    login(client, boss_b)
    for route in portal_routes():
        a, _missing, _ = paths_for(route, world)
        assert client.get(a).status_code in (404, 405), a

"""The operators' admin: onboarding, read-only records, and no secret on any page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from credentials.models import Batch, Credential, CredentialTemplate, StatusList
from identity.models import ApiKey, AuditEvent, Membership, Organisation, OrgKey
from identity.services import api_key_authenticate, api_key_create
from tests.web.test_portal import _user, issued_a, org_a, registrar_a  # noqa: F401  (fixtures)
from tests.web.test_security_headers import _inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    user = _user("operator@platform.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_onboarding_through_the_admin(operator: Client) -> None:
    page = operator.get("/admin/identity/organisation/add/")
    assert page.status_code == 200 and 'name="key_type"' in page.content.decode()
    response = operator.post(
        "/admin/identity/organisation/add/",
        {"slug": "uni-c", "name_en": "University C", "name_zh": "丙大学", "homepage": "https://c.example", "key_type": "P-256"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(slug="uni-c")
    assert OrgKey.objects.get(organisation=organisation).key_type == "P-256"
    assert CredentialTemplate.objects.filter(organisation=organisation).count() == 4
    event = AuditEvent.objects.get(organisation=organisation, action="organisation.create")
    assert event.actor_label == "operator@platform.example"
    # A second organisation with the same slug is a form error.
    again = operator.post("/admin/identity/organisation/add/", {"slug": "uni-c", "name_en": "x", "name_zh": "x", "key_type": "Ed25519"})
    assert again.status_code == 200 and Organisation.objects.filter(slug="uni-c").count() == 1


def test_membership_through_the_admin_is_audited(operator: Client, org_a: Any) -> None:
    user = _user("dean@a.example")
    response = operator.post("/admin/identity/membership/add/", {"organisation": org_a.pk, "user": user.pk, "role": "admin"})
    assert response.status_code == 302
    assert Membership.objects.get(organisation=org_a, user=user).role == "admin"
    assert AuditEvent.objects.filter(organisation=org_a, action="member.set", actor_label="operator@platform.example").exists()


def test_no_secret_on_any_admin_page(operator: Client, org_a: Any, issued_a: Any) -> None:
    key = OrgKey.objects.get(organisation=org_a)
    api_key, token = api_key_create(organisation=org_a, name="SIS", scopes=["credentials:read"])
    secret = token.split("_", 2)[2]
    status_list = StatusList.objects.filter(organisation=org_a).first()
    pages = ["/admin/"]
    for model, obj in (
        ("identity/organisation", org_a),
        ("identity/membership", None),
        ("identity/orgkey", key),
        ("identity/apikey", api_key),
        ("identity/auditevent", AuditEvent.objects.filter(organisation=org_a).first()),
        ("credentials/credentialtemplate", CredentialTemplate.objects.filter(organisation=org_a).first()),
        ("credentials/credential", issued_a),
        ("credentials/batch", None),
        ("credentials/statuslist", status_list),
    ):
        pages.append(f"/admin/{model}/")
        if obj is not None:
            pages.append(f"/admin/{model}/{obj.pk}/change/")
    for page in pages:
        response = operator.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert key.sealed_private not in html and "lzkey:" not in html and "sealed_private" not in html, page
        assert api_key.secret_hash not in html and secret not in html and "secret_hash" not in html, page
        assert _inline_code(html) == [], page
    assert "uni-a#key-1" in operator.get("/admin/identity/orgkey/").content.decode()


def test_audit_events_are_read_only(operator: Client, org_a: Any) -> None:
    event = AuditEvent.objects.filter(organisation=org_a, action="organisation.create").get()
    assert operator.get("/admin/identity/auditevent/add/").status_code == 403
    assert operator.post(f"/admin/identity/auditevent/{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert operator.get(f"/admin/identity/auditevent/{event.pk}/delete/").status_code == 403
    page = operator.get(f"/admin/identity/auditevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    event.refresh_from_db()
    assert event.action == "organisation.create"


def test_credentials_keys_and_api_keys_are_read_only(operator: Client, org_a: Any, issued_a: Any) -> None:
    key = OrgKey.objects.get(organisation=org_a)
    for url in (
        f"/admin/credentials/credential/{issued_a.pk}/change/",
        f"/admin/identity/orgkey/{key.pk}/change/",
    ):
        page = operator.get(url).content.decode()
        assert 'name="_save"' not in page, url
    detail = operator.get(f"/admin/credentials/credential/{issued_a.pk}/change/").content.decode()
    assert "AchievementCredential" in detail and "proofValue" in detail
    assert operator.post(f"/admin/credentials/credential/{issued_a.pk}/change/", {"status": "revoked"}).status_code == 403
    assert operator.get("/admin/credentials/credential/add/").status_code == 403
    assert operator.get(f"/admin/identity/orgkey/{key.pk}/delete/").status_code == 403
    assert operator.get("/admin/identity/apikey/add/").status_code == 403
    issued_a.refresh_from_db()
    assert issued_a.status == "active"


def test_api_key_revoke_action(operator: Client, org_a: Any) -> None:
    api_key, token = api_key_create(organisation=org_a, name="SIS", scopes=["credentials:read"])
    response = operator.post(
        "/admin/identity/apikey/", {"action": "revoke", "_selected_action": [api_key.pk], "index": 0}
    )
    assert response.status_code == 302
    assert api_key_authenticate(token=token) is None
    assert AuditEvent.objects.filter(action="apikey.revoke", actor_label="operator@platform.example").exists()


def test_html_in_names_is_escaped_in_the_admin(operator: Client) -> None:
    from credentials.services import organisation_onboard

    organisation = organisation_onboard(slug="evil", name_en="<script>alert(1)</script>", name_zh="<b>x</b>")
    html = operator.get("/admin/identity/organisation/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = operator.get(f"/admin/identity/organisation/{organisation.pk}/change/").content.decode()
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html


def test_portal_users_cannot_use_the_admin(registrar_a: Any) -> None:
    client = Client()
    client.force_login(registrar_a, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/identity/orgkey/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert re.match(r"^/admin/login/", response["Location"])
    assert Batch.objects.count() == 0 and ApiKey.objects.count() == 0 and Credential.objects.count() == 0

"""Organisation settings pages: names and logo, members, signing keys, API keys, audit log.

Only organisation admins reach them; everyone else (a registrar or viewer of
the same university, anyone from another) gets the 404 a missing page gets.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credentials.services import credential_verify
from identity.models import ApiKey, AuditEvent, Membership, OrgKey
from identity.services import api_key_authenticate
from tests.web.test_portal import (  # noqa: F401  (fixtures)
    RECIPIENT,
    _client,
    _user,
    admin_a,
    issued_a,
    org_a,
    org_b,
    registrar_a,
    registrar_b,
    viewer_a,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/uni-a/settings/",
    "/portal/uni-a/members/",
    "/portal/uni-a/keys/",
    "/portal/uni-a/keys/key-1/compromise/",
    "/portal/uni-a/api-keys/",
    "/portal/uni-a/audit/",
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(("who", "status"), [("admin_a", 200), ("registrar_a", 404), ("viewer_a", 404), ("registrar_b", 404)])
def test_settings_pages_for_admins_only(request: pytest.FixtureRequest, who: str, status: int) -> None:
    client = _client(request.getfixturevalue(who))
    for page in PAGES:
        assert client.get(page).status_code == status, (who, page)


def test_settings_writes_refused_to_others(registrar_a: Any, registrar_b: Any, org_a: Any) -> None:
    for user in (registrar_a, registrar_b):
        client = _client(user)
        assert client.post("/portal/uni-a/keys/rotate/", {"key_type": "Ed25519"}).status_code == 404
        assert client.post("/portal/uni-a/api-keys/", {"name": "x", "scopes": ["credentials:read"]}).status_code == 404
        assert client.post("/portal/uni-a/settings/", {"name_en": "Hijacked", "name_zh": "x"}).status_code == 404
        assert client.post("/portal/uni-a/members/", {"email": "registrar@b.example", "role": "admin"}).status_code == 404
    assert OrgKey.objects.filter(organisation=org_a).count() == 1
    assert not ApiKey.objects.exists()
    org_a.refresh_from_db()
    assert org_a.name_en == "University A"
    assert not Membership.objects.filter(organisation=org_a, user=registrar_b).exists()


def test_anonymous_is_sent_to_login() -> None:
    for page in PAGES:
        response = Client().get(page)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --------------------------------------------------------------------------- names and logo


def test_update_names_and_logo(admin_a: Any, org_a: Any) -> None:
    client = _client(admin_a)
    page = client.get("/portal/uni-a/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "did:web:testserver:orgs:uni-a" in page and 'href="/orgs/uni-a/did.json"' in page
    response = client.post(
        "/portal/uni-a/settings/",
        {"name_en": "University A (new)", "name_zh": "甲大学（新）", "homepage": "https://new.a.example",
         "logo": SimpleUploadedFile("logo.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.name_en, org_a.name_zh, org_a.homepage) == ("University A (new)", "甲大学（新）", "https://new.a.example")
    assert bytes(org_a.logo) == PNG and org_a.logo_type == "image/png"
    event = AuditEvent.objects.filter(organisation=org_a, action="organisation.update").get()
    assert set(event.details["changed"]) == {"name_en", "name_zh", "homepage", "logo"}
    assert event.actor_label == "admin@a.example"
    assert 'src="/orgs/uni-a/logo"' in client.get("/portal/uni-a/settings/").content.decode()

    bad = client.post(
        "/portal/uni-a/settings/",
        {"name_en": "A", "name_zh": "甲", "logo": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "PNG or JPEG" in bad.content.decode()
    client.post("/portal/uni-a/settings/", {"name_en": "A", "name_zh": "甲", "remove_logo": "on"})
    org_a.refresh_from_db()
    assert org_a.logo_type == "" and bytes(org_a.logo) == b""


# --------------------------------------------------------------------------- members


def test_members_add_change_remove(admin_a: Any, org_a: Any) -> None:
    client = _client(admin_a)
    newcomer = _user("new@a.example")
    unknown = client.post("/portal/uni-a/members/", {"email": "nobody@a.example", "role": "viewer"}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 400 and "No account uses this email address" in unknown.content.decode()
    assert client.post("/portal/uni-a/members/", {"email": "NEW@a.example", "role": "registrar"}).status_code == 302
    membership = Membership.objects.get(organisation=org_a, user=newcomer)
    assert membership.role == "registrar"
    # The newcomer can now issue.
    assert _client(newcomer).get("/portal/uni-a/issue/").status_code == 200
    client.post(f"/portal/uni-a/members/{membership.pk}/", {"op": "role", f"m{membership.pk}-role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    assert _client(newcomer).get("/portal/uni-a/issue/").status_code == 404
    client.post(f"/portal/uni-a/members/{membership.pk}/", {"op": "remove"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _client(newcomer).get("/portal/uni-a/").status_code == 404
    actions = list(AuditEvent.objects.filter(organisation=org_a, actor_label="admin@a.example").values_list("action", flat=True))
    assert actions.count("member.set") == 2 and "member.remove" in actions


def test_last_admin_cannot_be_removed_or_demoted(admin_a: Any, org_a: Any) -> None:
    client = _client(admin_a)
    mine = Membership.objects.get(organisation=org_a, user=admin_a)
    client.post(f"/portal/uni-a/members/{mine.pk}/", {"op": "remove"})
    client.post(f"/portal/uni-a/members/{mine.pk}/", {"op": "role", f"m{mine.pk}-role": "viewer"})
    mine.refresh_from_db()
    assert mine.role == "admin"
    page = client.get("/portal/uni-a/members/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "at least one admin" in page
    # With a second admin, the first may step down (and then loses the page).
    other = _user("second@a.example")
    client.post("/portal/uni-a/members/", {"email": "second@a.example", "role": "admin"})
    response = client.post(f"/portal/uni-a/members/{mine.pk}/", {"op": "role", f"m{mine.pk}-role": "registrar"})
    assert response["Location"] == "/portal/"
    assert client.get("/portal/uni-a/members/").status_code == 404
    assert Membership.objects.get(organisation=org_a, user=other).role == "admin"


def test_member_of_another_organisation_is_404(admin_a: Any, registrar_b: Any, org_b: Any) -> None:
    theirs = Membership.objects.get(organisation=org_b, user=registrar_b)
    response = _client(admin_a).post(f"/portal/uni-a/members/{theirs.pk}/", {"op": "remove"})
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


# --------------------------------------------------------------------------- keys


def test_keys_page_shows_no_private_material(admin_a: Any, org_a: Any) -> None:
    key = OrgKey.objects.get(organisation=org_a)
    html = _client(admin_a).get("/portal/uni-a/keys/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "#key-1" in html and "Ed25519" in html and 'href="/orgs/uni-a/did.json"' in html
    assert key.sealed_private not in html and "lzkey" not in html and "sealed" not in html.replace("are sealed under", "")


def test_rotation_keeps_old_credentials_and_signs_new_ones_with_the_new_key(admin_a: Any, issued_a: Any, org_a: Any) -> None:
    from credentials.selectors import template_get_for_org
    from credentials.services import credential_issue
    from identity.services import Actor

    client = _client(admin_a)
    assert client.post("/portal/uni-a/keys/rotate/", {"key_type": "P-256"}).status_code == 302
    keys = {k.fragment: k for k in OrgKey.objects.filter(organisation=org_a)}
    assert keys["key-1"].status == "retired" and keys["key-1"].retired_at is not None
    assert keys["key-2"].status == "active" and keys["key-2"].key_type == "P-256"
    assert credential_verify(credential=issued_a.document).verified

    template = template_get_for_org(organisation=org_a, slug="master")
    newer = credential_issue(template=template, recipient={**RECIPIENT, "student_number": "2024002"}, actor=Actor.system()).credential
    assert newer.document["proof"]["verificationMethod"].endswith("#key-2")
    assert credential_verify(credential=newer.document).verified
    assert AuditEvent.objects.filter(organisation=org_a, action="key.rotate", actor_label="admin@a.example").exists()


def test_compromised_key_fails_its_credentials(admin_a: Any, issued_a: Any, org_a: Any) -> None:
    client = _client(admin_a)
    client.post("/portal/uni-a/keys/rotate/", {"key_type": "Ed25519"})
    # Without the confirmation nothing happens.
    unconfirmed = client.post("/portal/uni-a/keys/key-1/compromise/", {})
    assert unconfirmed.status_code == 400
    assert OrgKey.objects.get(organisation=org_a, fragment="key-1").status == "retired"
    assert client.post("/portal/uni-a/keys/key-1/compromise/", {"confirm": "on"}).status_code == 302
    key = OrgKey.objects.get(organisation=org_a, fragment="key-1")
    assert key.status == "compromised" and key.compromised_at is not None
    assert not credential_verify(credential=issued_a.document).verified
    assert AuditEvent.objects.filter(organisation=org_a, action="key.compromised", object_id="key-1").exists()
    assert client.get("/portal/uni-a/keys/no-such-key/compromise/").status_code == 404


# --------------------------------------------------------------------------- API keys


def test_api_key_token_is_shown_once(admin_a: Any, org_a: Any) -> None:
    client = _client(admin_a)
    response = client.post("/portal/uni-a/api-keys/", {"name": "SIS", "scopes": ["credentials:issue", "credentials:read"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    token = re.search(r'value="(lz_[A-Za-z0-9]+_[A-Za-z0-9_-]+)"', html).group(1)
    key = api_key_authenticate(token=token)
    assert key is not None and key.organisation == org_a and key.scopes == ["credentials:issue", "credentials:read"]
    secret = token.split("_", 2)[2]

    # Not retrievable afterwards: not on the page, not in the session, not in a message, not in the audit log.
    later = client.get("/portal/uni-a/api-keys/").content.decode()
    assert secret not in later and f"lz_{key.prefix}_" in later
    session = client.session
    assert all(secret not in str(session[k]) for k in session.keys())
    assert not any(secret in str(e.details) for e in AuditEvent.objects.all())
    assert key.secret_hash not in later

    client.post(f"/portal/uni-a/api-keys/{key.prefix}/revoke/")
    assert api_key_authenticate(token=token) is None
    assert AuditEvent.objects.filter(organisation=org_a, action="apikey.revoke", object_id=key.prefix).exists()


def test_api_key_needs_a_scope(admin_a: Any) -> None:
    response = _client(admin_a).post("/portal/uni-a/api-keys/", {"name": "no scopes"})
    assert response.status_code == 400 and not ApiKey.objects.exists()
    assert "lz_" not in re.sub(r"<code>lz_[^<]*</code>", "", response.content.decode())


def test_api_key_of_another_organisation_cannot_be_revoked(admin_a: Any, org_b: Any) -> None:
    from identity.services import api_key_create

    key, token = api_key_create(organisation=org_b, name="B's", scopes=["credentials:read"])
    assert _client(admin_a).post(f"/portal/uni-a/api-keys/{key.prefix}/revoke/").status_code == 404
    assert api_key_authenticate(token=token) is not None


# --------------------------------------------------------------------------- audit log


def test_audit_log_records_actions_and_is_for_admins(admin_a: Any, registrar_a: Any, issued_a: Any, org_a: Any, org_b: Any) -> None:
    _client(registrar_a).post(
        f"/portal/uni-a/credentials/{issued_a.public_id}/status/",
        {"action": "revoke", "revoke-action": "revoke", "revoke-reason": "fraud", "revoke-confirm": "on"},
        REMOTE_ADDR="203.0.113.9",
    )
    client = _client(admin_a)
    html = client.get("/portal/uni-a/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "credential.revoke" in html and "registrar@a.example" in html and "203.0.113.9" in html
    assert "organisation.create" in html and "key.create" in html
    # University B's events are not in A's log.
    assert "uni-b" not in html
    zh = client.get("/portal/uni-a/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", zh)
    assert _client(registrar_a).get("/portal/uni-a/audit/").status_code == 404


def test_settings_pages_have_nothing_inline(admin_a: Any) -> None:
    from tests.web.test_security_headers import _inline_code

    client = _client(admin_a)
    for page in PAGES:
        assert _inline_code(client.get(page).content.decode()) == [], page

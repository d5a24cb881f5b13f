"""Accounts: email/password login, TOTP enrolment required for organisation staff,
allauth's pages in the site's layout (English and Chinese), and the demo seed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from tests.personas import *  # noqa: F403
from tests.personas import login, set_password

pytestmark = pytest.mark.django_db

PORTAL = "/portal/"
ENROL = "/accounts/2fa/totp/activate/"


def totp_now(secret_b32: str, *, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1) for the current time step, computed independently of allauth.

    Waits out the last second of a step, so the code cannot expire between here and the server.
    """
    if period - time.time() % period < 1.0:
        time.sleep(1.1)
    counter = int(time.time()) // period
    digest = hmac.new(base64.b32decode(secret_b32, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def test_totp_helper_matches_rfc6238_vector() -> None:
    # RFC 6238 appendix B: SHA-1, T=59 s, secret "12345678901234567890" → 94287082 (8 digits).
    secret = base64.b32encode(b"12345678901234567890").decode()
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", 59 // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    assert (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**8 == 94287082


def password_login(client: Client, email: str, password: str) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_login_with_email_and_password(client: Client, registrar_a: Any) -> None:
    password = set_password(registrar_a)
    response = password_login(client, "registrar@univ-a.example", password)
    assert response.status_code == 302
    assert response["Location"] == PORTAL
    page = client.get(PORTAL)
    assert page.status_code == 200
    assert "University A" in page.content.decode()


def test_wrong_password_is_refused(client: Client, registrar_a: Any) -> None:
    set_password(registrar_a)
    response = password_login(client, "registrar@univ-a.example", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get(PORTAL).status_code == 302


@override_settings(STAFF_MFA_REQUIRED=True)
def test_staff_without_totp_are_sent_to_enrol_then_use_the_portal(client: Client, registrar_a: Any) -> None:
    password = set_password(registrar_a)
    assert password_login(client, "registrar@univ-a.example", password)["Location"] == PORTAL

    refused = client.get(PORTAL)
    assert refused.status_code == 302
    assert refused["Location"] == ENROL
    # Deeper portal pages and the session API too (the API answers with a problem, not a redirect).
    assert client.get("/portal/univ-a/credentials/")["Location"] == ENROL
    api = client.get("/api/v1/credentials")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["enrol"] == ENROL

    # allauth asks for the password again before an authenticator is added.
    reauth = client.get(ENROL)
    assert reauth.status_code == 302
    assert reauth["Location"].startswith("/accounts/reauthenticate/")
    again = client.get(reauth["Location"])
    assert again.status_code == 200 and "/static/css/accounts.css" in again.content.decode()
    notice = "two-factor authentication before using the portal"
    assert again.content.decode().count(notice) == 1  # the message, once for three refusals
    assert client.post(reauth["Location"], {"password": password})["Location"] == ENROL
    enrol = client.get(ENROL)
    assert enrol.status_code == 200
    html = enrol.content.decode()
    assert "<svg" in html  # the QR code, inline (CSP forbids data: images)
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', html) or re.search(
        r'value="([A-Z2-7=]+)"[^>]*id="authenticator_secret"', html
    )
    assert secret is not None
    wrong = client.post(ENROL, {"code": "000000" if totp_now(secret[1]) != "000000" else "111111"})
    assert wrong.status_code == 200  # the form again, with an error
    assert client.get(PORTAL).status_code == 302

    activated = client.post(ENROL, {"code": totp_now(secret[1])})
    assert activated.status_code == 302
    assert client.get(PORTAL).status_code == 200

    # Next login asks for the code after the password.
    client.post("/accounts/logout/")
    cache.clear()  # the activation code may not be replayed within its time step
    step = password_login(client, "registrar@univ-a.example", password)
    assert step.status_code == 302
    assert step["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get(PORTAL).status_code == 302  # not logged in until the code is given
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret[1])})
    assert done.status_code == 302
    assert done["Location"] == PORTAL
    assert client.get(PORTAL).status_code == 200


@override_settings(STAFF_MFA_REQUIRED=True)
def test_mfa_pages_logout_and_static_stay_reachable(client: Client, registrar_a: Any) -> None:
    login(client, registrar_a)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@override_settings(STAFF_MFA_REQUIRED=True)
def test_holders_are_not_forced(client: Client, holder: Any) -> None:
    login(client, holder)
    assert client.get(PORTAL).status_code == 200


@override_settings(STAFF_MFA_REQUIRED=True)
def test_operators_need_totp_for_the_admin_and_operator_pages(client: Client, operator: Any) -> None:
    from allauth.mfa.models import Authenticator

    login(client, operator)
    for path in ("/admin/", "/anchoring/"):
        response = client.get(path)
        assert response.status_code == 302 and "/2fa/totp/activate" in response["Location"], path
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/admin/").status_code == 200


@override_settings(STAFF_MFA_REQUIRED=False)
def test_setting_off_lets_staff_in_without_totp(client: Client, registrar_a: Any) -> None:
    login(client, registrar_a)
    assert client.get(PORTAL).status_code == 200


ACCOUNT_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]
MANAGE_PAGES = ["/accounts/logout/", "/accounts/2fa/", "/accounts/password/set/", "/accounts/email/"]


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_entrance_pages_use_the_site_layout_in_both_languages(client: Client, path: str) -> None:
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    html = english.content.decode()
    assert 'class="site-header"' in html and "/static/css/accounts.css" in html
    assert 'class="acct-form' in html
    assert "<script" not in html and " style=" not in html  # CSP: no inline code
    chinese = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    zh = chinese.content.decode()
    assert '<html lang="zh-hans">' in zh
    assert re.search(r"[\u4e00-\u9fff]", zh.split("<main", 1)[1])  # allauth's own translations


def test_login_page_texts(client: Client) -> None:
    assert "Sign In" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()


@pytest.mark.parametrize("path", MANAGE_PAGES)
def test_manage_pages_use_the_site_layout(client: Client, holder: Any, path: str) -> None:
    login(client, holder)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html and "/static/css/accounts.css" in html
    assert "<script" not in html and " style=" not in html


def test_password_reset_sends_mail(client: Client, holder: Any, mailoutbox: list) -> None:
    response = client.post("/accounts/password/reset/", {"email": "holder@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "holder@example.com" in mailoutbox[0].to


def test_signup_creates_a_holder_account(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": "new.person@example.com", "password1": "a-long-new-passphrase-42", "password2": "a-long-new-passphrase-42"},
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(email="new.person@example.com").exists()


def test_seed_demo_is_idempotent_and_prints_logins(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from identity.models import AuditEvent, Membership, Organisation

    monkeypatch.setenv("DEMO_PASSWORD", "seed-test-password-1")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = out.getvalue()
    assert "DEMO" in first and "seed-test-password-1" in first
    for email in (
        "admin@demo-univ.example",
        "registrar@demo-univ.example",
        "viewer@demo-univ.example",
        "holder@example.com",
        "accreditor@example.com",
        "operator@example.com",
    ):
        assert email in first
    counts = (
        Organisation.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        EmailAddress.objects.count(),
        AuditEvent.objects.count(),
    )
    call_command("seed_demo", stdout=StringIO())
    again = (
        Organisation.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        EmailAddress.objects.count(),
        AuditEvent.objects.count(),
    )
    assert counts == again == (counts[0], 6, 4, 6, counts[4])
    assert counts[0] == 2

    univ = Organisation.objects.get(slug="demo-univ")
    assert (univ.name_en, univ.name_zh) == ("Demo University", "演示大学")
    assert bytes(univ.logo).startswith(b"\x89PNG")
    assert Organisation.objects.get(slug="moe-accreditation").name_zh == "教育部学位认证中心"
    roles = dict(Membership.objects.values_list("user__email", "role"))
    assert roles == {
        "admin@demo-univ.example": "admin",
        "registrar@demo-univ.example": "registrar",
        "viewer@demo-univ.example": "viewer",
        "accreditor@example.com": "admin",
    }
    operator = get_user_model().objects.get(email="operator@example.com")
    assert operator.is_staff and operator.is_superuser
    assert all(EmailAddress.objects.values_list("verified", flat=True))
    # The printed password logs in.
    assert password_login(client, "registrar@demo-univ.example", "seed-test-password-1")["Location"] == PORTAL

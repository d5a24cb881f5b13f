"""Content-Security-Policy on every response, and pages that work under it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"


def _inline_code(html: str) -> list[str]:
    """What a policy without 'unsafe-inline' would block in ``html``."""
    found = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag and 'type="application/json"' not in tag]
    found += re.findall(r"<style\b", html)
    found += re.findall(r"\sstyle\s*=", html)
    found += re.findall(r"\son[a-z]+\s*=", html)
    found += re.findall(r"javascript:", html)
    return found


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/admin/login/", 200),
        ("get", "/no/such/page", 404),
        ("get", "/credentials/verify", 405),
        ("post", "/credentials/verify", 415),
        ("get", "/1.0/identifiers/did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", 200),
        ("get", "/admin/", 302),
    ],
)
@pytest.mark.django_db
def test_policy_on_every_response(method: str, path: str, status: int) -> None:
    response = getattr(Client(), method)(path)
    assert response.status_code == status
    assert response["Content-Security-Policy"] == CSP


def test_policy_on_a_413_from_the_body_limit(settings: Any) -> None:
    response = Client().generic("POST", "/credentials/verify", b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Security-Policy"] == CSP


def test_policy_on_static_files() -> None:
    # WhiteNoise answers before the URL resolver: the policy must wrap it too.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = Client().get("/static/css/site.css")
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == CSP
        admin_js = Client().get("/admin/js/nav_sidebar.js".replace("/admin/", "/static/admin/"))
        assert admin_js.status_code == 200
        assert admin_js["Content-Security-Policy"] == CSP


@pytest.mark.django_db
def test_admin_login_runs_under_the_policy() -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert _inline_code(html) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/add/", "/admin/password_change/"])
def test_admin_pages_have_nothing_inline(admin_client: Client, path: str) -> None:
    response = admin_client.get(path)
    assert response.status_code == 200
    assert _inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_admin_change_form_has_nothing_inline(admin_client: Client, admin_user: Any) -> None:
    response = admin_client.get(f"/admin/auth/user/{admin_user.pk}/change/")
    assert response.status_code == 200
    assert _inline_code(response.content.decode()) == []


def test_home_has_nothing_inline() -> None:
    for language in ("en", "zh-hans"):
        html = Client().get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert _inline_code(html) == []
        # Everything the page loads (not merely links to) is same-origin.
        loaded = re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"', html)
        urls = [a or b for a, b in loaded]
        assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls)


def test_report_only_in_development() -> None:
    # DEBUG's technical error pages are inline styles and scripts: they must still render.
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=True):
        response = Client().get("/no/such/page")
    assert response["Content-Security-Policy-Report-Only"] == CSP
    assert "Content-Security-Policy" not in response


def test_a_view_may_set_its_own_policy() -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from credentials.middleware import ContentSecurityPolicyMiddleware

    def view(request: Any) -> HttpResponse:
        response = HttpResponse()
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"

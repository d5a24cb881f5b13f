"""The home page in English and Simplified Chinese, and HTML error pages."""

from __future__ import annotations

from django.test import Client


def test_home_in_english() -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Trusted digital credentials" in html
    assert "/credentials/verify" in html
    assert "/presentations/verify" in html
    assert "curl -s http://testserver/1.0/identifiers/did:key:" in html
    assert 'href="/static/css/site.css"' in html
    # No third-party resources.
    assert "https://cdn" not in html and "<script" not in html


def test_home_in_chinese_by_accept_language() -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "可信数字凭证" in html
    assert "验证凭证" in html
    assert "Trusted digital credentials" not in html
    assert response["Content-Language"] == "zh-hans"


def test_language_switcher() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in html
    token = page.cookies["csrftoken"].value
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == "/"
    # The cookie now wins over the browser's Accept-Language.
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "可信数字凭证" in html
    assert '<option value="zh-hans" lang="zh-hans" selected>' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert "Trusted digital credentials" in client.get("/").content.decode()


def test_security_headers() -> None:
    response = Client().get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_html_404_outside_the_api() -> None:
    response = Client().get("/no/such/page", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "页面不存在" in response.content.decode()

"""The OpenAPI schema (valid, complete) and the Swagger UI docs page (same-origin, no inline code, works under the CSP)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

CHROMIUM = "/usr/bin/chromium"

ISSUER_OPERATIONS = {
    ("/api/v1/credentials", "get"),
    ("/api/v1/credentials", "post"),
    ("/api/v1/credentials/{public_id}", "get"),
    ("/api/v1/credentials/{public_id}/revoke", "post"),
    ("/api/v1/credentials/{public_id}/suspend", "post"),
    ("/api/v1/credentials/{public_id}/reinstate", "post"),
    ("/api/v1/batches", "post"),
    ("/api/v1/batches/{public_id}", "get"),
    ("/credentials/issue", "post"),
    ("/credentials/verify", "post"),
    ("/presentations/verify", "post"),
    ("/1.0/identifiers/{did}", "get"),
}


def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    # The same check as `manage.py spectacular --validate --fail-on-warn`.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert ISSUER_OPERATIONS <= operations
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "lz_<prefix>_<secret>",
        "description": schema["components"]["securitySchemes"]["apiKey"]["description"],
    }


def test_schema_endpoint_documents_the_api() -> None:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    issue = schema["paths"]["/api/v1/credentials"]["post"]
    assert issue["security"] == [{"apiKey": []}]
    assert {p["name"] for p in issue["parameters"]} == {"Idempotency-Key"}
    assert {"201", "200", "400", "401", "403", "429"} <= set(issue["responses"])
    assert issue["requestBody"]["content"]["application/json"]["examples"]
    recipient = schema["components"]["schemas"]["CredentialIssueRequest"]["properties"]["recipient"]
    assert recipient["required"] == ["student_number", "name", "major", "date_of_award"]
    assert set(schema["paths"]["/api/v1/batches"]["post"]["requestBody"]["content"]) >= {"application/json", "multipart/form-data", "text/csv"}
    # The verify endpoints are documented as open.
    assert "security" not in schema
    assert schema["paths"]["/credentials/verify"]["post"].get("security") in (None, [], [{}])
    # Reads also take a member's session.
    assert {"cookieAuth": []} in schema["paths"]["/api/v1/credentials"]["get"]["security"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary") or operation.get("description"), (path, method)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.urls: list[str] = []
        self.styles = 0
        self.style_attrs = 0
        self.handlers: list[str] = []
        self._in_script: dict[str, str | None] | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._in_script, self._script_text = a, ""
        if tag == "style":
            self.styles += 1
        if "style" in a:
            self.style_attrs += 1
        self.handlers += [k for k in a if k.startswith("on")]
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(a[key] or "")

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, self._script_text))
            self._in_script = None


def test_docs_page_has_no_inline_code_and_loads_only_from_this_site() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    page = _Page()
    page.feed(response.content.decode("utf-8"))
    assert len(page.scripts) == 3
    for attrs, body in page.scripts:
        assert attrs.get("src"), attrs
        assert body.strip() == ""
    assert page.styles == 0 and page.style_attrs == 0 and page.handlers == []
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
    assert any(u.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js") for u in page.urls)
    init = [a["src"] for a, _ in page.scripts if "script" in (a["src"] or "")]
    assert init == ["/api/docs/?script="]
    script = Client().get(init[0])
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    text = script.content.decode("utf-8")
    assert "SwaggerUIBundle" in text and '"/api/schema/"' in text


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_docs_render_in_chromium_under_the_csp(live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    origin = live_server.url
    violations: list[str] = []
    foreign: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.add_init_script(
                "document.addEventListener('securitypolicyviolation', e => "
                "{ (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI); });"
            )
            page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((origin, "data:")) else None)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(origin + "/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "Lianzheng issuer API" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector(".opblock", timeout=10_000)
            assert page.locator(".opblock").count() >= len(ISSUER_OPERATIONS)
            violations = page.evaluate("window.__csp || []")
        finally:
            browser.close()
    assert foreign == []
    assert violations == []
    assert [e for e in errors if re.search(r"Content Security Policy|Refused", e)] == []

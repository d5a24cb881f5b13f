"""Public pages: DID documents, logos, status lists, the verification page, downloads, QR codes, claim links."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from credentials.models import ClaimLink, Credential
from credentials.selectors import template_get_for_org
from credentials.services import (
    claim_link_create,
    claim_link_send,
    credential_issue,
    credential_status_change,
    organisation_onboard,
    status_list_url,
    verification_url,
)
from identity.services import Actor

pytestmark = pytest.mark.django_db

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6364f8cf"
    "f01f0005000201a0e5d8f40000000049454e44ae426082"
)
SCRIPT_NAME = '<script>alert("x")</script> 李&amp;明'


def recipient(number: str = "2020001", **extra: str) -> dict[str, str]:
    data = {
        "student_number": number,
        "name": "王小明",
        "major": "计算机科学与技术 Computer Science",
        "date_of_award": "2024-06-30",
        "honours": "优秀毕业生",
    }
    data.update(extra)
    return data


@pytest.fixture
def university() -> Any:
    return organisation_onboard(slug="pku", name_en="Peking University", name_zh="北京大学", logo=PNG)


@pytest.fixture
def issued(university: Any) -> Credential:
    template = template_get_for_org(organisation=university, slug="bachelor")
    return credential_issue(template=template, recipient=recipient(email="xm@example.edu"), actor=Actor.system()).credential


def zh(msgid: str) -> str:
    """``msgid`` as the zh-Hans catalogue translates it."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def page(client: Client, url: str, lang: str = "en") -> tuple[int, str, Any]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    return response.status_code, response.content.decode(), response


# --------------------------------------------------------------------------- DID documents, logos


def test_did_document_served_with_cors(university: Any) -> None:
    response = Client().get("/orgs/pku/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert document["id"] == "did:web:testserver:orgs:pku"
    method = document["verificationMethod"][0]
    assert method["id"] in document["assertionMethod"] or method["id"].split("#")[1] in str(document["assertionMethod"])


@pytest.mark.parametrize("slug", ["nope", "pku%3Ax", "..", "a" * 70])
def test_unknown_did_document_is_problem_json(university: Any, slug: str) -> None:
    response = Client().get(f"/orgs/{slug}/did.json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "NOT_FOUND"


def test_logo(university: Any) -> None:
    response = Client().get("/orgs/pku/logo")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG
    organisation_onboard(slug="nologo", name_en="No Logo University", name_zh="无标大学")
    assert Client().get("/orgs/nologo/logo").status_code == 404
    assert Client().get("/orgs/missing/logo").status_code == 404


# --------------------------------------------------------------------------- status lists


def test_status_lists_are_signed_public_and_cached(issued: Credential) -> None:
    for status_list in (issued.revocation_list, issued.suspension_list):
        url = status_list_url(status_list)
        response = Client().get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vc"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "max-age=300" in response["Cache-Control"]
        document = json.loads(response.content)
        assert document["id"] == url
        assert "BitstringStatusListCredential" in document["type"]
        assert document["credentialSubject"]["statusPurpose"] == status_list.purpose
        assert document["proof"]["proofValue"]
    for bad in ("/orgs/pku/status/nope", "/orgs/other/status/" + issued.revocation_list.public_id):
        response = Client().get(bad)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


# --------------------------------------------------------------------------- verification page


def test_verification_page_in_english(issued: Credential) -> None:
    status, html, response = page(Client(), f"/v/{issued.public_id}")
    assert status == 200
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "Verified" in html and "verdict-verified" in html
    # Rendered from the verified document.
    assert "北京大学 / Peking University" in html
    assert "王小明" in html
    assert "学士学位 / Bachelor&#x27;s Degree" in html
    assert "计算机科学与技术 Computer Science" in html
    assert "June 30, 2024" in html
    assert issued.document["id"] in html
    # Every check, in words, with its status.
    for label in ("Data model", "Digital signature", "Issuer", "Revocation and suspension", "Validity period"):
        assert f'<th scope="row">{label}</th>' in html
    assert html.count("badge-passed") == 5
    # Anchoring: the leaf was queued with the credential.
    assert "Waiting to be anchored" in html or "In an anchoring batch" in html
    # Downloads, QR, no personal data in any URL of the page.
    assert f'href="/v/{issued.public_id}.json"' in html
    assert f'href="/v/{issued.public_id}.pdf"' in html
    assert f'src="/v/{issued.public_id}/qr.svg"' in html
    for url in re.findall(r'(?:href|src)="([^"]+)"', html):
        assert "2020001" not in url and "%E7%8E%8B" not in url
    assert "<script" not in html


def test_verification_page_in_chinese(issued: Credential) -> None:
    status, html, _ = page(Client(), f"/v/{issued.public_id}", lang="zh-hans")
    assert status == 200
    assert '<html lang="zh-hans">' in html
    # Django's own zh-Hans date format.
    assert "2024年6月30日" in html
    # Every label comes from the catalogue (the Chinese text itself lives in locale/).
    for msgid in ("Verified", "Digital signature", "Passed", "Blockchain anchoring", "Printable diploma (PDF)"):
        assert zh(msgid) in html, html[html.find("<main"):html.find("</main>")]


def test_revoked_and_suspended_credentials(university: Any) -> None:
    template = template_get_for_org(organisation=university, slug="bachelor")
    suspended = credential_issue(template=template, recipient=recipient("S1"), actor=Actor.system()).credential
    revoked = credential_issue(template=template, recipient=recipient("R1"), actor=Actor.system()).credential
    credential_status_change(credential=suspended, action="suspend", actor=Actor.system())
    credential_status_change(credential=revoked, action="revoke", actor=Actor.system())

    _, html, _ = page(Client(), f"/v/{revoked.public_id}")
    assert "verdict-revoked" in html and "Revoked" in html
    assert "The issuer has revoked this credential." in html
    assert "<code class=\"code\">REVOKED</code>" in html
    # The signature still verifies, so what was revoked is shown.
    assert "王小明" in html
    _, html, _ = page(Client(), f"/v/{suspended.public_id}", lang="zh-hans")
    assert "verdict-suspended" in html and zh("Suspended") in html
    assert "SUSPENDED" in html


def test_tampered_document_shows_nothing_from_it(issued: Credential) -> None:
    document = dict(issued.document)
    subject = dict(document["credentialSubject"])
    subject["name"] = "Forged Name"
    document["credentialSubject"] = subject
    Credential.objects.filter(pk=issued.pk).update(document=document)
    status, html, _ = page(Client(), f"/v/{issued.public_id}")
    assert status == 200
    assert "verdict-invalid" in html
    assert "Forged Name" not in html
    assert '<code class="code">CRYPTOGRAPHIC_SECURITY_ERROR</code>' in html
    assert "may have been altered" in html
    assert "Not checked, because an earlier check failed." in html


def test_names_with_markup_are_escaped(university: Any) -> None:
    template = template_get_for_org(organisation=university, slug="bachelor")
    credential = credential_issue(
        template=template, recipient=recipient("X1", name=SCRIPT_NAME, major="<b>Physics</b>"), actor=Actor.system()
    ).credential
    _, html, _ = page(Client(), f"/v/{credential.public_id}")
    assert "<script>" not in html and "<b>Physics" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 李&amp;amp;明" in html
    assert "&lt;b&gt;Physics&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "path",
    [
        "/v/AAAAAAAAAAAAAAAAAAAAAA",
        "/v/short",
        "/v/has%20space",
        "/v/<script>",
        "/v/" + "a" * 80,
        "/v/AAAAAAAAAAAAAAAAAAAAAA.json",
        "/v/AAAAAAAAAAAAAAAAAAAAAA.pdf",
        "/v/AAAAAAAAAAAAAAAAAAAAAA/qr.svg",
        "/v/a/b/c",
        "/v/",
    ],
)
def test_unknown_or_malformed_ids_get_a_friendly_404(path: str) -> None:
    status, html, response = page(Client(), path)
    assert status == 404
    assert "Credential not found" in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["Content-Type"].startswith("text/html")


def test_json_download(issued: Credential) -> None:
    for url in (f"/v/{issued.public_id}.json", f"/v/{issued.public_id}?format=json"):
        response = Client().get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == f'attachment; filename="credential-{issued.public_id}.json"'
        assert json.loads(response.content) == issued.document


def test_qr_codes_hold_the_verification_url(issued: Credential) -> None:
    import io

    import zxingcpp
    from PIL import Image

    svg = Client().get(f"/v/{issued.public_id}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content and b"<script" not in svg.content
    png = Client().get(f"/v/{issued.public_id}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [c.text for c in codes] == [verification_url(issued.public_id)]
    assert verification_url(issued.public_id) == f"http://testserver/v/{issued.public_id}"


def test_pages_only_answer_get(issued: Credential) -> None:
    assert Client().post(f"/v/{issued.public_id}").status_code == 405
    assert Client().post("/orgs/pku/did.json").status_code == 405


# --------------------------------------------------------------------------- claim links


def _claim_token() -> str:
    body = mail.outbox[-1].body
    match = re.search(r"http://testserver/claim/([A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


def test_claim_link_shows_the_credential_with_downloads(issued: Credential) -> None:
    mail.outbox.clear()
    claim_link_send(credential=issued)
    token = _claim_token()
    status, html, response = page(Client(), f"/claim/{token}")
    assert status == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in html
    assert "王小明" in html and "Your credential" in html
    assert f'href="/v/{issued.public_id}.json"' in html
    assert f'href="/v/{issued.public_id}.pdf"' in html
    # The token is in no link or resource address (only in the language switcher's
    # own "next" field, which returns here).
    assert not [u for u in re.findall(r'(?:href|src|action)="([^"]+)"', html) if token in u]
    assert html.count(token) == html.count(f'name="next" type="hidden" value="/claim/{token}"') == 1
    assert ClaimLink.objects.get(credential=issued, superseded=False).opened_at is not None
    _, html, _ = page(Client(), f"/claim/{token}", lang="zh-hans")
    assert zh("Your credential") in html and zh("Download the credential (JSON)") in html


def test_resent_claim_link_replaces_the_old_one(issued: Credential) -> None:
    mail.outbox.clear()
    claim_link_send(credential=issued)
    old = _claim_token()
    claim_link_send(credential=issued)
    new = _claim_token()
    assert old != new
    status, html, response = page(Client(), f"/claim/{old}")
    assert status == 404
    assert "This link no longer works" in html and "registrar" in html
    assert response["Referrer-Policy"] == "no-referrer" and response["Cache-Control"] == "no-store"
    assert page(Client(), f"/claim/{new}")[0] == 200


def test_expired_and_unknown_claim_links(issued: Credential) -> None:
    _, token = claim_link_create(credential=issued, now=timezone.now() - timedelta(days=365))
    status, html, _ = page(Client(), f"/claim/{token}", lang="zh-hans")
    assert status == 404
    assert zh("This link no longer works") in html
    assert zh("Ask your university's registrar to send you a new link. Only the latest link works.") in html
    for bad in ("/claim/x", "/claim/" + "A" * 43, "/claim/a/b", "/claim/%3Cscript%3E"):
        status, html, response = page(Client(), bad)
        assert status == 404, bad
        assert "This link no longer works" in html
        assert response["Cache-Control"] == "no-store"


def test_claim_page_of_a_revoked_credential_says_so(issued: Credential) -> None:
    _, token = claim_link_create(credential=issued)
    credential_status_change(credential=issued, action="revoke", actor=Actor.system())
    _, html, _ = page(Client(), f"/claim/{token}")
    assert "The issuer has revoked this credential." in html

"""The registrar portal: dashboard, issue one, credentials, templates.

Personas: a registrar, an admin and a viewer of university A, a registrar of
university B, and an anonymous visitor. Every page is checked for each; the
other tenant and a role below the page's get the same 404 as a missing object.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from credentials.models import Credential
from credentials.services import credential_issue, credential_verify
from identity.models import AuditEvent

pytestmark = pytest.mark.django_db

RECIPIENT = {
    "student_number": "2024001",
    "name": "王小明",
    "major": "计算机科学与技术",
    "honours": "优秀毕业生",
    "gpa": "3.85",
    "date_of_award": "2024-06-30",
    "date_of_birth": "2002-03-04",
    "email": "xiaoming@example.cn",
}

# --------------------------------------------------------------------------- personas


def _user(email: str, **extra: Any) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model()(username=email, email=email, **extra)
    user.set_unusable_password()
    user.save()
    return user


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def org_a() -> Any:
    from credentials.services import organisation_onboard

    return organisation_onboard(slug="uni-a", name_en="University A", name_zh="甲大学", homepage="https://a.example")


@pytest.fixture
def org_b() -> Any:
    from credentials.services import organisation_onboard

    return organisation_onboard(slug="uni-b", name_en="University B", name_zh="乙大学")


def _member(org: Any, email: str, role: str) -> Any:
    from identity.services import membership_set

    user = _user(email)
    membership_set(organisation=org, user=user, role=role)
    return user


@pytest.fixture
def admin_a(org_a: Any) -> Any:
    return _member(org_a, "admin@a.example", "admin")


@pytest.fixture
def registrar_a(org_a: Any) -> Any:
    return _member(org_a, "registrar@a.example", "registrar")


@pytest.fixture
def viewer_a(org_a: Any) -> Any:
    return _member(org_a, "viewer@a.example", "viewer")


@pytest.fixture
def registrar_b(org_b: Any) -> Any:
    return _member(org_b, "registrar@b.example", "registrar")


@pytest.fixture
def issued_a(org_a: Any) -> Credential:
    from credentials.selectors import template_get_for_org
    from identity.services import Actor

    template = template_get_for_org(organisation=org_a, slug="bachelor")
    return credential_issue(template=template, recipient=dict(RECIPIENT), actor=Actor.system()).credential


# --------------------------------------------------------------------------- access matrix

READ_PAGES = [
    "/portal/uni-a/",
    "/portal/uni-a/credentials/",
    "/portal/uni-a/credentials/{id}/",
    "/portal/uni-a/credentials/{id}/qr.svg",
    "/portal/uni-a/templates/",
]
ISSUE_PAGES = ["/portal/uni-a/issue/"]
MANAGE_PAGES = ["/portal/uni-a/templates/new/", "/portal/uni-a/templates/bachelor/"]


@pytest.mark.parametrize(
    ("who", "read", "issue", "manage"),
    [
        ("admin_a", 200, 200, 200),
        ("registrar_a", 200, 200, 404),
        ("viewer_a", 200, 404, 404),
        ("registrar_b", 404, 404, 404),
    ],
)
def test_page_access_matrix(request: pytest.FixtureRequest, issued_a: Credential, who: str, read: int, issue: int, manage: int) -> None:
    client = _client(request.getfixturevalue(who))
    for pages, expected in ((READ_PAGES, read), (ISSUE_PAGES, issue), (MANAGE_PAGES, manage)):
        for page in pages:
            response = client.get(page.format(id=issued_a.public_id))
            assert response.status_code == expected, (who, page, response.status_code)


def test_anonymous_is_sent_to_login(issued_a: Credential) -> None:
    client = Client()
    for page in READ_PAGES + ISSUE_PAGES + MANAGE_PAGES + ["/portal/"]:
        response = client.get(page.format(id=issued_a.public_id))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def _unmasked(response: Any) -> str:
    # The CSRF token is masked differently on every render and the language
    # switcher returns to the requested path; the rest must be identical.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'name="next" type="hidden" value="[^"]+"', "", html)


def test_missing_and_forbidden_are_the_same_404(registrar_b: Any, issued_a: Credential) -> None:
    client = _client(registrar_b)
    forbidden = client.get(f"/portal/uni-a/credentials/{issued_a.public_id}/")
    missing = client.get("/portal/no-such-uni/credentials/nothing/")
    own_org_other_id = client.get(f"/portal/uni-b/credentials/{issued_a.public_id}/")
    assert forbidden.status_code == missing.status_code == own_org_other_id.status_code == 404
    assert _unmasked(forbidden) == _unmasked(missing) == _unmasked(own_org_other_id)


def test_cross_tenant_writes_are_404(registrar_b: Any, issued_a: Credential) -> None:
    client = _client(registrar_b)
    response = client.post(
        f"/portal/uni-a/credentials/{issued_a.public_id}/status/",
        {"action": "revoke", "revoke-action": "revoke", "revoke-reason": "x", "revoke-confirm": "on"},
    )
    assert response.status_code == 404
    # Even through its own organisation's URL, B cannot reach A's credential.
    response = client.post(
        f"/portal/uni-b/credentials/{issued_a.public_id}/status/",
        {"action": "revoke", "revoke-action": "revoke", "revoke-reason": "x", "revoke-confirm": "on"},
    )
    assert response.status_code == 404
    assert client.post(f"/portal/uni-a/credentials/{issued_a.public_id}/claim-link/").status_code == 404
    issued_a.refresh_from_db()
    assert issued_a.status == "active"


def test_viewer_cannot_change_status(viewer_a: Any, issued_a: Credential) -> None:
    client = _client(viewer_a)
    page = client.get(f"/portal/uni-a/credentials/{issued_a.public_id}/").content.decode()
    assert f"/credentials/{issued_a.public_id}/status/" not in page and "claim-link" not in page
    response = client.post(
        f"/portal/uni-a/credentials/{issued_a.public_id}/status/",
        {"action": "revoke", "revoke-action": "revoke", "revoke-reason": "x", "revoke-confirm": "on"},
    )
    assert response.status_code == 404


def test_home_lists_memberships(registrar_a: Any, org_b: Any) -> None:
    html = _client(registrar_a).get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "University A" in html and 'href="/portal/uni-a/"' in html
    assert "University B" not in html


# --------------------------------------------------------------------------- issue one


def test_issue_one_end_to_end(registrar_a: Any, org_a: Any) -> None:
    client = _client(registrar_a)
    form = client.get("/portal/uni-a/issue/?template=master", HTTP_ACCEPT_LANGUAGE="en")
    html = form.content.decode()
    assert form.status_code == 200
    assert 'type="date"' in html and 'name="date_of_award"' in html
    assert '<label for="id_student_number"' in html

    preview = client.post("/portal/uni-a/issue/", {"template": "master", "step": "preview", **RECIPIENT})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "王小明" in html and "AchievementCredential" in html
    assert Credential.objects.count() == 0  # a preview issues nothing
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    issued = client.post("/portal/uni-a/issue/", {"template": "master", "step": "issue", "token": token})
    assert issued.status_code == 302
    credential = Credential.objects.get()
    assert issued["Location"] == f"/portal/uni-a/credentials/{credential.public_id}/"
    assert credential.template.slug == "master" and credential.recipient_name == "王小明"
    # A double submit of the same preview issues nothing twice.
    again = client.post("/portal/uni-a/issue/", {"template": "master", "step": "issue", "token": token})
    assert again.status_code == 302 and Credential.objects.count() == 1

    detail = client.get(issued["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "王小明" in html and "计算机科学与技术" in html
    assert f'src="/portal/uni-a/credentials/{credential.public_id}/qr.svg"' in html
    assert f'href="/v/{credential.public_id}"' in html
    assert f'href="/v/{credential.public_id}.json"' in html and f'href="/v/{credential.public_id}.pdf"' in html
    assert "Anchoring" in html
    qr = client.get(f"/portal/uni-a/credentials/{credential.public_id}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")

    assert credential_verify(credential=credential.document).verified
    assert AuditEvent.objects.filter(organisation=org_a, action="credential.issue", actor_label="registrar@a.example").exists()


def test_issue_shows_field_errors_next_to_fields(registrar_a: Any) -> None:
    client = _client(registrar_a)
    bad = {**RECIPIENT, "date_of_award": "2999-01-01", "gpa": "9.9", "student_number": "has space"}
    response = client.post("/portal/uni-a/issue/", {"template": "bachelor", "step": "preview", **bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This date is in the future." in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'id="id_gpa_error"', html)
    assert Credential.objects.count() == 0
    missing = client.post("/portal/uni-a/issue/", {"template": "bachelor", "step": "preview", "name": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()


def test_issue_token_cannot_be_forged_or_replayed_elsewhere(registrar_a: Any, org_b: Any) -> None:
    client = _client(registrar_a)
    html = client.post("/portal/uni-a/issue/", {"template": "bachelor", "step": "preview", **RECIPIENT}).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    tampered = client.post("/portal/uni-a/issue/", {"template": "bachelor", "step": "issue", "token": token[:-2] + "xx"})
    assert tampered.status_code == 400
    # The same token for another template of the same organisation: refused.
    other = client.post("/portal/uni-a/issue/", {"template": "master", "step": "issue", "token": token})
    assert other.status_code == 404
    assert Credential.objects.count() == 0


def test_issue_in_chinese(registrar_a: Any) -> None:
    html = _client(registrar_a).get("/portal/uni-a/issue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "甲大学" in html


# --------------------------------------------------------------------------- credentials


def test_revoke_flips_verification(registrar_a: Any, issued_a: Credential) -> None:
    client = _client(registrar_a)
    assert credential_verify(credential=issued_a.document).verified
    url = f"/portal/uni-a/credentials/{issued_a.public_id}/status/"
    # Without the confirmation nothing happens.
    client.post(url, {"action": "revoke", "revoke-action": "revoke", "revoke-reason": "error"})
    issued_a.refresh_from_db()
    assert issued_a.status == "active"
    response = client.post(url, {"action": "revoke", "revoke-action": "revoke", "revoke-reason": "issued in error", "revoke-confirm": "on"})
    assert response.status_code == 302
    issued_a.refresh_from_db()
    assert issued_a.status == "revoked"
    assert not credential_verify(credential=issued_a.document).verified
    event = AuditEvent.objects.get(action="credential.revoke")
    assert event.details == {"reason": "issued in error"} and event.actor_label == "registrar@a.example"


def test_suspend_and_reinstate(registrar_a: Any, issued_a: Credential) -> None:
    client = _client(registrar_a)
    url = f"/portal/uni-a/credentials/{issued_a.public_id}/status/"
    client.post(url, {"action": "suspend", "suspend-action": "suspend", "suspend-reason": "inquiry", "suspend-confirm": "on"})
    issued_a.refresh_from_db()
    assert issued_a.status == "suspended"
    assert not credential_verify(credential=issued_a.document).verified
    client.post(url, {"action": "reinstate", "reinstate-action": "reinstate", "reinstate-reason": "cleared", "reinstate-confirm": "on"})
    issued_a.refresh_from_db()
    assert issued_a.status == "active"
    assert credential_verify(credential=issued_a.document).verified


def test_resend_claim_link(registrar_a: Any, issued_a: Credential) -> None:
    client = _client(registrar_a)
    mail.outbox.clear()
    response = client.post(f"/portal/uni-a/credentials/{issued_a.public_id}/claim-link/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [RECIPIENT["email"]]
    html = client.get(f"/portal/uni-a/credentials/{issued_a.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "sent on" in html
    # The token is in the email only, never on the portal page.
    token = re.search(r"/claim/([A-Za-z0-9_-]+)", mail.outbox[0].body).group(1)
    assert token not in html
    assert client.get(f"/portal/uni-a/credentials/{issued_a.public_id}/claim-link/").status_code == 405


def test_list_search_filter_and_pages(registrar_a: Any, org_a: Any) -> None:
    from credentials.selectors import template_get_for_org
    from credentials.services import credentials_issue
    from identity.services import Actor

    template = template_get_for_org(organisation=org_a, slug="bachelor")
    recipients = [
        {"student_number": f"S{n:04d}", "name": f"学生{n}", "major": "Physics", "date_of_award": "2024-06-30"} for n in range(55)
    ]
    credentials_issue(template=template, recipients=recipients, actor=Actor.system(), notify=False)
    client = _client(registrar_a)
    first = client.get("/portal/uni-a/credentials/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first.count("/portal/uni-a/credentials/") - first.count('href="/portal/uni-a/credentials/"') >= 50
    assert "page=2" in first and "55 credentials" in first
    second = client.get("/portal/uni-a/credentials/?page=2").content.decode()
    assert second.count('<span class="status status-active">') == 5
    found = client.get("/portal/uni-a/credentials/?q=S0007", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "学生7<" in found and "1 credential" in found
    by_name = client.get("/portal/uni-a/credentials/?q=学生5", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "学生5<" in by_name and "学生50<" in by_name
    none = client.get("/portal/uni-a/credentials/?status=revoked&template=master", HTTP_ACCEPT_LANGUAGE="en")
    assert "No credentials match." in none.content.decode()
    assert client.get("/portal/uni-a/credentials/?page=999&status=<script>").status_code == 200


def test_html_in_names_is_escaped(registrar_a: Any, org_a: Any) -> None:
    from credentials.selectors import template_get_for_org
    from identity.services import Actor

    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    template = template_get_for_org(organisation=org_a, slug="bachelor")
    credential = credential_issue(
        template=template, recipient={**RECIPIENT, "name": evil, "major": "<b>bold</b>"}, actor=Actor.system()
    ).credential
    org_a.name_en = "<i>A</i> & Co"
    org_a.save()
    client = _client(registrar_a)
    for page in ("/portal/", "/portal/uni-a/", "/portal/uni-a/credentials/", f"/portal/uni-a/credentials/{credential.public_id}/"):
        html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html and "<i>A</i>" not in html, page
    html = client.get(f"/portal/uni-a/credentials/{credential.public_id}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    preview = client.post("/portal/uni-a/issue/", {"template": "master", "step": "preview", **RECIPIENT, "name": evil}).content.decode()
    assert "<script>alert" not in preview and "&lt;script&gt;" in preview


def test_pages_have_nothing_inline(admin_a: Any, issued_a: Credential) -> None:
    from tests.web.test_security_headers import _inline_code

    client = _client(admin_a)
    for page in READ_PAGES[:3] + ISSUE_PAGES + MANAGE_PAGES + ["/portal/"]:
        if page.endswith(".svg"):
            continue
        html = client.get(page.format(id=issued_a.public_id)).content.decode()
        assert _inline_code(html) == [], page
        assert 'href="/static/css/portal.css"' in html


# --------------------------------------------------------------------------- templates


def test_template_create_edit_and_preview(admin_a: Any, org_a: Any) -> None:
    client = _client(admin_a)
    data = {
        "slug": "mba",
        "kind": "master",
        "name_en": "Master of Business Administration",
        "name_zh": "工商管理硕士",
        "description": "MBA",
        "criteria": "Coursework and a capstone project.",
        "degree_type": "Master",
        "field_of_study": "Business",
        "active": "on",
    }
    response = client.post("/portal/uni-a/templates/new/", data)
    assert response.status_code == 302 and response["Location"] == "/portal/uni-a/templates/mba/"
    page = client.get("/portal/uni-a/templates/mba/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "工商管理硕士" in page and "李华 Li Hua" in page  # the sample recipient's preview
    # A duplicate short name is a field error, not a 500.
    duplicate = client.post("/portal/uni-a/templates/new/", data)
    assert duplicate.status_code == 400
    # Edit: becomes the default (the previous default stops being it); audit logged.
    response = client.post("/portal/uni-a/templates/mba/", {**data, "name_en": "MBA", "is_default": "on"})
    assert response.status_code == 302
    from credentials.models import CredentialTemplate

    assert list(CredentialTemplate.objects.filter(organisation=org_a, is_default=True).values_list("slug", flat=True)) == ["mba"]
    assert CredentialTemplate.objects.get(organisation=org_a, slug="mba").name_en == "MBA"
    event = AuditEvent.objects.filter(action="template.update").latest("pk")
    assert "name_en" in event.details["changed"] and event.actor_label == "admin@a.example"
    # Deactivated templates cannot be chosen to issue.
    response = client.post("/portal/uni-a/templates/mba/", {k: v for k, v in data.items() if k != "active"})
    assert CredentialTemplate.objects.get(organisation=org_a, slug="mba").active is False
    issue = client.get("/portal/uni-a/issue/?template=mba", HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose one of the organisation" in issue.content.decode()
    refused = client.post("/portal/uni-a/issue/", {"template": "mba", "step": "preview", **RECIPIENT})
    assert refused.status_code == 400


def test_other_tenant_template_is_404(admin_a: Any, org_b: Any) -> None:
    client = _client(admin_a)
    assert client.get("/portal/uni-b/templates/bachelor/").status_code == 404
    assert client.post("/portal/uni-b/templates/new/", {"slug": "x"}).status_code == 404

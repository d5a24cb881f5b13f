"""Red-team review of issuance, the portal, the issuer API and the public pages (issue 3).

Each test here is a confirmed finding, written before its fix: an attack or an
input that got a 500, a silently wrong diploma, a stale signature, or a secret
where it should not be. Personas come from tests.personas.
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from credentials import batches, services
from credentials.models import Batch, Credential
from credentials.selectors import template_default_for_org
from identity.services import Actor, api_key_create, org_key_create, org_key_mark_compromised
from tests.personas import *  # noqa: F403

PROBLEM = "application/problem+json"


def recipient(number: str = "2021001234", **extra: Any) -> dict[str, Any]:
    return {"student_number": number, "name": "张三", "major": "Computer Science", "date_of_award": "2025-06-30", **extra}


def key_client(organisation: Any, scopes: tuple[str, ...] = ("credentials:issue", "credentials:read", "credentials:revoke")) -> APIClient:
    _, token = api_key_create(organisation=organisation, name="red", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def post_json(client: APIClient, path: str, raw: str | bytes) -> Any:
    return client.post(path, data=raw, content_type="application/json")


def issue(organisation: Any, number: str = "2021001234", **extra: Any) -> Credential:
    template = template_default_for_org(organisation=organisation)
    assert template is not None
    return services.credential_issue(template=template, recipient=recipient(number, **extra), actor=Actor.system()).credential


# --------------------------------------------------------------------------- input: CSV


@pytest.mark.django_db
def test_csv_header_with_many_duplicate_columns_is_refused_quickly(org_a: Any) -> None:
    """A header of 60,000 identical columns (120 KB) made the duplicate check quadratic: minutes of CPU per upload."""
    template = template_default_for_org(organisation=org_a)
    data = (",".join(["name"] * 60_000) + "\r\n" + ",".join(["x"] * 60_000) + "\r\n").encode()
    started = time.monotonic()
    batch = batches.batch_create_from_csv(organisation=org_a, template=template, data=data, filename="wide.csv", actor=Actor.system())
    assert time.monotonic() - started < 5
    assert batch.state == Batch.State.INVALID
    assert {e["code"] for e in batch.errors} >= {batches.ERROR_DUPLICATE_COLUMNS}
    assert not Credential.objects.exists()


# --------------------------------------------------------------------------- input: recipient fields


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [
        "\u2060张三",  # word joiner (invisible)
        "张\ufeff三",  # zero-width no-break space
        "张三\u2028李四",  # line separator
        "Zhang\nSan",  # a newline inside a one-line field
        "Zhang\tSan",
        "\U000e0041dmin",  # tag character (invisible)
        "张三\u00ad",  # soft hyphen (invisible)
        "\u061c张三",  # Arabic letter mark (bidi control)
    ],
)
def test_invisible_and_line_breaking_characters_in_names_are_refused(org_a: Any, value: str) -> None:
    """Only some invisible/bidi characters were refused: others went onto signed diplomas."""
    response = post_json(key_client(org_a), "/api/v1/credentials", json.dumps({"recipient": recipient(name=value)}))
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert any(e["field"] == "recipient.name" for e in response.json()["errors"])
    assert not Credential.objects.exists()


@pytest.mark.django_db
def test_lone_surrogate_in_json_body_is_a_400(org_a: Any) -> None:
    """``"\\ud800"`` is valid JSON text but no Unicode string: it must not reach signing or the database."""
    body = json.dumps({"recipient": recipient(name="PLACEHOLDER")}).replace("PLACEHOLDER", "\\ud800")
    response = post_json(key_client(org_a), "/api/v1/credentials", body)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert not Credential.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [["张三"], {"zh": "张三"}, True, None])
def test_recipient_fields_of_the_wrong_json_type_are_refused(org_a: Any, value: Any) -> None:
    """A list or object was turned into its Python repr (``['张三']``) and signed as the student's name."""
    response = post_json(key_client(org_a), "/api/v1/credentials", json.dumps({"recipient": recipient(name=value)}))
    assert response.status_code == 400, response.content[:300]
    assert any(e["field"] == "recipient.name" for e in response.json()["errors"])
    assert not Credential.objects.exists()


@pytest.mark.django_db
def test_wrong_json_types_in_batch_rows_are_row_errors(org_a: Any) -> None:
    rows = [recipient("2021000001"), recipient("2021000002", major={"a": 1}), recipient("2021000003", honours=[1, 2])]
    response = post_json(key_client(org_a), "/api/v1/batches", json.dumps({"rows": rows}))
    assert response.status_code == 422, response.content[:300]
    batch = Batch.objects.get()
    bad = {row.number: row.errors for row in batch.rows.all() if row.errors}
    assert set(bad) == {2, 3}
    assert not Credential.objects.exists()


# --------------------------------------------------------------------------- keys and signatures


@pytest.mark.django_db
def test_status_lists_are_resigned_after_the_signing_key_is_compromised(org_a: Any) -> None:
    """A status list signed before a compromise kept its cached signature by the compromised key,
    so every credential issued afterwards (by the new key) failed its status check."""
    before = issue(org_a, "2021000001")
    assert services.credential_verify(credential=before.document).verified  # caches the lists' signatures
    org_key_mark_compromised(organisation=org_a, fragment="key-1", actor=Actor.system())
    after = issue(org_a, "2021000002")
    assert after.revocation_list_id == before.revocation_list_id  # same lists, still room in them
    result = services.credential_verify(credential=after.document)
    assert result.verified, result.as_dict()
    assert not services.credential_verify(credential=before.document).verified


@pytest.mark.django_db
def test_status_lists_keep_verifying_old_credentials_after_a_rotation_then_compromise(org_a: Any) -> None:
    old = issue(org_a, "2021000001")
    assert services.credential_verify(credential=old.document).verified
    org_key_create(organisation=org_a, actor=Actor.system())  # key-2 issues from now on; key-1 retired
    newer = issue(org_a, "2021000002")
    org_key_mark_compromised(organisation=org_a, fragment="key-1", actor=Actor.system())
    result = services.credential_verify(credential=newer.document)
    assert result.verified, result.as_dict()


# --------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_pdf_shows_the_signed_degree_and_issuer_not_what_the_database_says_now(org_a: Any, client: Any) -> None:
    """The PDF printed the template's and organisation's current names: renaming a template after
    issuance changed every earlier diploma's PDF, text that no signature covers."""
    credential = issue(org_a)
    template = credential.template
    services.template_update(template=template, actor=Actor.system(), name_en="Honorary Doctorate", name_zh="名誉博士")
    from identity.services import organisation_update

    organisation_update(organisation=org_a, actor=Actor.system(), name_en="Other University", name_zh="别的大学", homepage="")
    response = client.get(f"/v/{credential.public_id}.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "Honorary" not in text and "名誉博士" not in text
    assert "Other University" not in text and "别的大学" not in text
    assert "Bachelor" in text and "University A" in text

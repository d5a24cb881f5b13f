"""NUL characters in addresses get a 404 (path) or 400 (query), never a database error (a 500)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.personas import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/v/%00",
        "/v/abc%00def.pdf",
        "/claim/%00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "/orgs/%00/did.json",
        "/orgs/univ-a/status/%00",
        "/portal/univ-a/credentials/%00/",
        "/portal/univ-a/batches/%00/",
        "/portal/univ-a/credentials/?q=%00",
        "/api/v1/credentials/%00",
        "/api/v1/credentials?student_number=%00",
        "/portal/univ-a/batches/?x%00=1",
    ],
)
def test_nul_in_path_is_a_404_and_in_query_a_400(client: Any, org_a: Any, registrar_a: Any, path: str) -> None:
    login(client, registrar_a)  # noqa: F405
    response = client.get(path)
    expected = 400 if "?" in path else 404
    assert response.status_code == expected, (path, response.status_code)
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == ("BAD_REQUEST" if expected == 400 else "NOT_FOUND")


def test_did_resolution_keeps_its_own_answer_for_nul(client: Any) -> None:
    response = client.get("/1.0/identifiers/did:web:%00")
    assert response.status_code == 400
    assert "invalidDid" in response.content.decode()

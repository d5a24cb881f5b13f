"""Issued credentials verify with the ``vc`` CLI against what the platform serves.

The CLI runs as a separate process, offline, trusting only the files downloaded
here through the platform's public routes: the organisation's DID document and
its two status lists (revocation and suspension). A revoked credential must fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from credentials.models import Credential
from credentials.selectors import template_get_for_org
from credentials.services import credential_issue, credential_status_change, organisation_onboard
from identity.services import Actor

pytestmark = pytest.mark.django_db

VC = Path(sys.executable).with_name("vc")


def _download(client: Client, url: str, target: Path) -> Path:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    target.write_bytes(response.content)
    return target


def _vc_verify(credential: Path, did_doc: Path, lists: list[Path]) -> tuple[int, dict[str, Any]]:
    command = [str(VC), "verify", "--did-doc", str(did_doc)]
    for path in lists:
        command += ["--status-list", str(path)]
    done = subprocess.run(command + [str(credential)], capture_output=True, text=True, timeout=120)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def _files(client: Client, credential: Credential, tmp_path: Path, name: str) -> tuple[Path, Path, list[Path]]:
    did_doc = _download(client, f"/orgs/{credential.organisation.slug}/did.json", tmp_path / f"{name}-did.json")
    entries = credential.document["credentialStatus"]
    lists = [
        _download(client, entry["statusListCredential"], tmp_path / f"{name}-{entry['statusPurpose']}.json")
        for entry in entries
    ]
    document = _download(client, f"/v/{credential.public_id}.json", tmp_path / f"{name}-credential.json")
    return document, did_doc, lists


@pytest.fixture
def issued() -> tuple[Credential, Credential]:
    organisation = organisation_onboard(slug="fudan", name_en="Fudan University", name_zh="复旦大学")
    template = template_get_for_org(organisation=organisation, slug="bachelor")

    def one(number: str, name: str) -> Credential:
        recipient = {"student_number": number, "name": name, "major": "数学 Mathematics", "date_of_award": "2024-06-28"}
        return credential_issue(template=template, recipient=recipient, actor=Actor.system()).credential

    return one("F001", "李雷"), one("F002", "韩梅梅")


def test_issued_credential_verifies_with_the_cli(issued: tuple[Credential, Credential], tmp_path: Path) -> None:
    good, _ = issued
    document, did_doc, lists = _files(Client(), good, tmp_path, "good")
    code, result = _vc_verify(document, did_doc, lists)
    assert code == 0, result
    assert result["verified"] is True
    checks = {c["check"]: c["status"] for c in result["checks"]}
    assert checks == {"structure": "passed", "proof": "passed", "issuer": "passed", "status": "passed", "validity": "passed"}
    assert result["document"]["credentialSubject"]["name"] == "李雷"


def test_revoked_and_suspended_credentials_fail_with_the_cli(issued: tuple[Credential, Credential], tmp_path: Path) -> None:
    good, bad = issued
    credential_status_change(credential=bad, action="revoke", actor=Actor.system(), reason="test")
    # The lists are downloaded after the change, as a verifier would fetch them.
    document, did_doc, lists = _files(Client(), bad, tmp_path, "revoked")
    code, result = _vc_verify(document, did_doc, lists)
    assert code != 0
    assert result["verified"] is False
    status = next(c for c in result["checks"] if c["check"] == "status")
    assert status["status"] == "failed" and status["code"] == "REVOKED"
    # The same (fresh) lists still clear the other credential.
    document, _, _ = _files(Client(), good, tmp_path, "other")
    assert _vc_verify(document, did_doc, lists)[0] == 0

    credential_status_change(credential=good, action="suspend", actor=Actor.system())
    document, did_doc, lists = _files(Client(), good, tmp_path, "suspended")
    code, result = _vc_verify(document, did_doc, lists)
    assert code != 0
    assert next(c for c in result["checks"] if c["check"] == "status")["code"] == "SUSPENDED"


def test_a_foreign_did_document_does_not_verify_it(issued: tuple[Credential, Credential], tmp_path: Path) -> None:
    good, _ = issued
    organisation_onboard(slug="other", name_en="Other University", name_zh="别的大学")
    document, _, lists = _files(Client(), good, tmp_path, "good")
    other = _download(Client(), "/orgs/other/did.json", tmp_path / "other-did.json")
    code, result = _vc_verify(document, other, lists)
    assert code != 0 and result["verified"] is False

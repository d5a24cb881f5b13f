"""The public receipt API and the anchoring pages (operator pages for staff only)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from anchoring import services
from anchoring.chains.evm import EVMChain
from anchoring.receipt import verify_receipt
from tests.anchoring.conftest import Chain, digest
from tests.anchoring.test_pipeline import drive

pytestmark = pytest.mark.django_db(transaction=True)


def test_receipt_api(chain: Chain, client: Any) -> None:
    services.anchor_leaves_enqueue(leaves=[("pub-1", digest(1)), ("pub-2", digest(2)), ("pub-3", digest(3))])
    pending = client.get("/api/v1/credentials/pub-2/anchor")
    assert pending.status_code == 200
    assert pending.json()["status"] == "pending" and "transactionHash" not in pending.json()
    services.anchor_batch_seal(max_age_seconds=0)
    drive()
    answer = client.get("/api/v1/credentials/pub-2/anchor")
    assert answer.status_code == 200
    receipt = answer.json()
    assert receipt["status"] == "anchored"
    for key in ("chain", "chainId", "contract", "transactionHash", "blockNumber", "blockHash", "timestamp",
                "root", "proof", "digestRule", "digest"):
        assert key in receipt, key
    assert receipt["proof"]["treeSize"] == 3 and receipt["proof"]["leafIndex"] == 1
    assert verify_receipt(receipt, digest(2), EVMChain(chain.anvil.url)).status == "anchored"
    # No session or credentials needed, nothing secret inside.
    assert "signer" not in str(receipt).lower() and "raw" not in str(receipt).lower()


@pytest.mark.parametrize("ref", ["unknown", "x" * 80])
def test_receipt_api_unknown_is_problem(client: Any, ref: str) -> None:
    answer = client.get(f"/api/v1/credentials/{ref}/anchor")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "NOT_FOUND"


def test_operator_page_staff_only(chain: Chain, client: Any) -> None:
    services.anchor_leaves_enqueue(leaves=[(f"op-{i}", digest(i)) for i in range(4)])
    services.anchor_batch_seal(max_age_seconds=0)
    drive()
    services.anchor_leaves_enqueue(leaves=[("op-waiting", digest(99))])
    users = get_user_model()
    anonymous = client.get("/anchoring/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(users.objects.create_user("registrar", password="x" * 16))
    assert client.get("/anchoring/").status_code == 403
    assert client.get("/anchoring/batches/1/").status_code == 403
    client.force_login(users.objects.create_user("operator", password="x" * 16, is_staff=True))
    page = client.get("/anchoring/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Credentials waiting for a batch: <strong>1</strong>" in text
    assert "healthy" in text and chain.name in text
    from anchoring.models import AnchorBatch

    batch = AnchorBatch.objects.get()
    detail = client.get(f"/anchoring/batches/{batch.pk}/")
    assert detail.status_code == 200 and "0x" + bytes(batch.root).hex() in detail.content.decode()
    assert client.get("/anchoring/batches/999999/").status_code == 404
    zh = client.get("/anchoring/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200


def test_credential_status_page_is_public(chain: Chain, client: Any) -> None:
    services.anchor_leaf_enqueue(ref="page-1", digest=digest(1))
    page = client.get("/anchoring/credentials/page-1/")
    assert page.status_code == 200 and "pending" in page.content.decode()
    services.anchor_batch_seal(max_age_seconds=0)
    drive()
    text = client.get("/anchoring/credentials/page-1/").content.decode()
    assert "confirmed" in text and "0x" in text
    assert client.get("/anchoring/credentials/nope/").status_code == 404


@pytest.mark.parametrize("ref", ["%00", "a%00b", "x" * 65])
def test_probes_that_cannot_be_refs_are_404_not_500(client: Any, ref: str) -> None:
    receipt = client.get(f"/api/v1/credentials/{ref}/anchor")
    assert receipt.status_code == 404 and receipt["Content-Type"] == "application/problem+json"
    assert client.get(f"/anchoring/credentials/{ref}/").status_code == 404

"""Anchoring state in the portal: per credential in the list, per issuance batch in its summary."""

from __future__ import annotations

from typing import Any

import pytest
from credentials import batches
from credentials.models import Credential
from credentials.selectors import template_default_for_org
from identity.services import Actor
from tests.personas import *  # noqa: F403

pytestmark = pytest.mark.django_db

HEADER = ",".join(("student_number", "name", "major", "date_of_award")) + "\n"


def test_list_and_batch_pages_show_anchoring_states(client: Any, org_a: Any, registrar_a: Any) -> None:
    template = template_default_for_org(organisation=org_a)
    data = (HEADER + "".join(f"S{n},学生{n},物理,2026-07-01\n" for n in range(3))).encode()
    batch = batches.batch_create_from_csv(organisation=org_a, template=template, data=data, filename="c.csv", actor=Actor.system())
    batches.batch_start(batch=batch, actor=Actor.system())
    batches.batch_run(batch_id=batch.pk)
    assert Credential.objects.filter(batch=batch).count() == 3
    # No chain is configured here, so the leaves wait (tests/anchoring covers the
    # later states); issuance queued one leaf per credential.
    login(client, registrar_a)  # noqa: F405
    response = client.get(f"/portal/{org_a.slug}/credentials/")
    listing = response.content.decode()
    assert response.status_code == 200, listing[:300]
    assert listing.count('class="anchor anchor-pending"') == 3
    page = client.get(f"/portal/{org_a.slug}/batches/{batch.public_id}/").content.decode()
    assert "anchoring-summary" in page
    assert "Waiting for an anchoring batch: 3" in page

"""Celery tasks of the credentials app: thin wrappers over services."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def claim_links_send(credential_ids: list[int]) -> int:
    """Email claim links to the holders of newly issued credentials."""
    from credentials.services import claim_links_send_for

    return claim_links_send_for(credential_ids=credential_ids)

"""Anchoring state, kept in the database so that any step can crash and resume.

A leaf is PENDING while ``batch`` is null. Sealing assigns it a batch, its index
and its inclusion path in one transaction. Each batch has one :class:`BatchAnchor`
per configured chain, whose ``state`` walks NEW → SIGNED → SENT → MINED →
CONFIRMED; the signed raw transaction, its hash and nonce are stored before the
first broadcast, so a retry sends the same bytes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AnchorLeaf(models.Model):
    """One credential's digest waiting for, or included in, a batch."""

    ref = models.CharField(max_length=64, unique=True)
    digest = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    batch = models.ForeignKey("AnchorBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="leaves")
    leaf_index = models.PositiveIntegerField(null=True, blank=True)
    # The audit path, bottom-up, as concatenated 32-byte hashes.
    path = models.BinaryField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sealer scans pending leaves in id order.
            models.Index(fields=["id"], condition=Q(batch__isnull=True), name="anchorleaf_pending"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["batch", "leaf_index"], name="anchorleaf_batch_index"),
        ]

    def __str__(self) -> str:
        return self.ref


class AnchorBatch(models.Model):
    """A sealed Merkle tree: its root and size."""

    class State(models.TextChoices):
        SEALED = "sealed", _("sealed")
        CONFIRMED = "confirmed", _("confirmed")

    # Not unique: two one-leaf batches of equal digests share a root; the contract
    # anchors it once and both batches adopt that transaction.
    root = models.BinaryField(max_length=32)
    size = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.SEALED)
    sealed_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "anchor batches"

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.size})"


class AnchorSigner(models.Model):
    """The account that signs anchor transactions on one chain; its row lock guards the nonce."""

    chain = models.CharField(max_length=64)
    address = models.CharField(max_length=42)
    next_nonce = models.PositiveBigIntegerField(default=0)
    # Chain health as last seen by the pipeline.
    last_block = models.PositiveBigIntegerField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "address"], name="anchorsigner_chain_address")]

    def __str__(self) -> str:
        return f"{self.chain}:{self.address}"


class BatchAnchor(models.Model):
    """One batch's anchoring transaction on one chain."""

    class State(models.TextChoices):
        NEW = "new", _("sealed")
        SIGNED = "signed", _("signed")
        SENT = "sent", _("sent")
        MINED = "mined", _("mined")
        CONFIRMED = "confirmed", _("confirmed")

    batch = models.ForeignKey(AnchorBatch, on_delete=models.PROTECT, related_name="anchors")
    chain = models.CharField(max_length=64)
    chain_id = models.PositiveBigIntegerField()
    contract = models.CharField(max_length=42)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW, db_index=True)
    signer = models.ForeignKey(AnchorSigner, null=True, blank=True, on_delete=models.PROTECT)
    nonce = models.PositiveBigIntegerField(null=True, blank=True)
    raw_tx = models.BinaryField(null=True, blank=True)
    tx_hash = models.BinaryField(max_length=32, null=True, blank=True)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    block_hash = models.BinaryField(max_length=32, null=True, blank=True)
    block_timestamp = models.PositiveBigIntegerField(null=True, blank=True)
    gas_used = models.PositiveBigIntegerField(null=True, blank=True)
    finality = models.JSONField(default=dict)
    broadcasts = models.PositiveIntegerField(default=0)
    signings = models.PositiveIntegerField(default=0)
    reorgs = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "chain"], name="batchanchor_batch_chain")]

    def __str__(self) -> str:
        return f"{self.chain} {self.batch_id} {self.state}"

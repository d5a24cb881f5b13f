"""Read-only admin views of the anchoring state (the pipeline alone writes it; no keys here)."""

from __future__ import annotations

from django.contrib import admin

from anchoring.models import AnchorBatch, AnchorLeaf, AnchorSigner, BatchAnchor
from config.admin import ReadOnlyModelAdmin


@admin.register(AnchorLeaf)
class AnchorLeafAdmin(ReadOnlyModelAdmin):
    list_display = ("ref", "batch", "leaf_index", "created_at")
    search_fields = ("ref",)
    exclude = ("digest", "path")


@admin.register(AnchorBatch)
class AnchorBatchAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "size", "state", "sealed_at", "confirmed_at")
    list_filter = ("state",)
    exclude = ("root",)


@admin.register(BatchAnchor)
class BatchAnchorAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "batch", "chain", "state", "nonce", "block_number", "signings", "reorgs", "updated_at")
    list_filter = ("chain", "state")
    # Raw bytes are shown on the operator pages as hex; the raw transaction is public
    # once broadcast, but there is nothing to gain from it here.
    exclude = ("raw_tx", "tx_hash", "block_hash")


@admin.register(AnchorSigner)
class AnchorSignerAdmin(ReadOnlyModelAdmin):
    list_display = ("chain", "address", "next_nonce", "last_block", "last_ok_at", "last_error_at")

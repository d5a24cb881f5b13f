"""Outbox leaves, Merkle batches and receipts (models arrive with anchoring)."""

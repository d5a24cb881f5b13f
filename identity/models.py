"""Organisations, members, DIDs, keys and accreditations (models arrive with issuance)."""

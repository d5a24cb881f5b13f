"""Credential templates, issued credentials and status lists (models arrive with issuance)."""

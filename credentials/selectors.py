"""Credential reads (queryset selectors arrive with the credential models)."""

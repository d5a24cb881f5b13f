"""Holder accounts, stored credentials and shares (models arrive with the wallet)."""

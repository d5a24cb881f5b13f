"""Organisation settings pages of the portal: members, keys, API keys, audit log."""

urlpatterns: list = []

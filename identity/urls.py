"""Portal routes (none yet)."""

urlpatterns: list = []

"""Portal routes (filled in by their owner)."""

urlpatterns: list = []

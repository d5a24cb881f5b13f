"""Public credential routes: verification pages, status lists, claim links."""

urlpatterns: list = []

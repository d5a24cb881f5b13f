"""Public identity routes: organisations' DID documents and logos."""

urlpatterns: list = []

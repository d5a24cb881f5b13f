"""Identity API routes."""

from django.urls import re_path

from identity.api import views

urlpatterns = [
    # Not path("<path:did>"): its "." stops at a newline, so a DID holding %0a
    # would be a 404 instead of the resolver's invalidDid answer.
    re_path(r"^1\.0/identifiers/(?P<did>[\s\S]+)\Z", views.DIDResolutionView.as_view(), name="did-resolve"),
]

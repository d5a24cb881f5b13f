"""Identity API routes."""

from django.urls import path

from identity.api import views

urlpatterns = [
    path("1.0/identifiers/<path:did>", views.DIDResolutionView.as_view(), name="did-resolve"),
]

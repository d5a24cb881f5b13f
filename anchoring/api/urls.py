"""Anchoring API routes (included from anchoring.urls)."""

from django.urls import path

from anchoring.api import views

urlpatterns = [
    path("api/v1/credentials/<str:public_id>/anchor", views.CredentialAnchorView.as_view(), name="api-credential-anchor"),
]

"""VC-API routes (mounted at the site root, as the VC-API specifies)."""

from django.urls import path

from credentials.api import views

urlpatterns = [
    path("credentials/verify", views.VerifyCredentialView.as_view(), name="vcapi-credentials-verify"),
    path("presentations/verify", views.VerifyPresentationView.as_view(), name="vcapi-presentations-verify"),
]

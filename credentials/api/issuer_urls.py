"""Issuer API routes (/api/v1/...), VC-API issue, and the OpenAPI schema and docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from credentials.api import issuer_views as views

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(authentication_classes=()), name="schema"),
    path("api/docs/", views.SwaggerDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/credentials", views.CredentialsView.as_view(), name="api-credentials"),
    path("api/v1/credentials/<str:public_id>", views.CredentialDetailView.as_view(), name="api-credential-detail"),
    path("api/v1/credentials/<str:public_id>/revoke", views.CredentialRevokeView.as_view(), name="api-credential-revoke"),
    path("api/v1/credentials/<str:public_id>/suspend", views.CredentialSuspendView.as_view(), name="api-credential-suspend"),
    path(
        "api/v1/credentials/<str:public_id>/reinstate", views.CredentialReinstateView.as_view(), name="api-credential-reinstate"
    ),
    path("api/v1/batches", views.BatchesView.as_view(), name="api-batches"),
    path("api/v1/batches/<str:public_id>", views.BatchDetailView.as_view(), name="api-batch-detail"),
    path("credentials/issue", views.VCAPIIssueView.as_view(), name="vcapi-credentials-issue"),
]

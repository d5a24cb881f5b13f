"""Anchoring pages (operator, batch, credential status) and its API routes."""

from django.urls import include, path

from anchoring import views

app_name = "anchoring"

urlpatterns = [
    path("", include("anchoring.api.urls")),
    path("anchoring/", views.operator_page, name="operator"),
    path("anchoring/batches/<int:batch_id>/", views.batch_page, name="batch"),
    path("anchoring/credentials/<str:ref>/", views.credential_status_page, name="credential"),
]

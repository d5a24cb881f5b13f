"""Portal routes for CSV batches (credentials/batch_views.py)."""

from django.urls import path

from credentials import batch_views as views

urlpatterns = [
    path("<slug:slug>/batches/", views.batch_list, name="batch_list"),
    # The body limit for paths ending in /batches/new is BATCH_MAX_BYTES (credentials.middleware.body_limit).
    path("<slug:slug>/batches/new", views.batch_new, name="batch_new"),
    path("<slug:slug>/batches/template.csv", views.batch_template_csv, name="batch_template_csv"),
    path("<slug:slug>/batches/<str:batch_id>/", views.batch_detail, name="batch_detail"),
    path("<slug:slug>/batches/<str:batch_id>/start", views.batch_start_view, name="batch_start"),
    path("<slug:slug>/batches/<str:batch_id>/progress.json", views.batch_progress_json, name="batch_progress"),
    path("<slug:slug>/batches/<str:batch_id>/results.csv", views.batch_results, name="batch_results"),
]

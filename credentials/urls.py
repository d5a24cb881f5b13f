"""Registrar portal routes (mounted at /portal/, namespace "portal").

Each part of the portal keeps its routes in its own module.
"""

from django.urls import include, path

from credentials import views

urlpatterns = [
    path("", views.portal_home, name="home"),
    # Issue one, credential list and detail, templates (credentials/views.py).
    path("", include("credentials.portal_urls")),
    # CSV batches and their progress (credentials/batch_views.py).
    path("", include("credentials.batch_urls")),
    # Organisation settings: members, keys, API keys, audit log (identity/views.py).
    path("", include("identity.urls")),
]

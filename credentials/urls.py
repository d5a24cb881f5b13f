"""Registrar portal routes (mounted at /portal/, namespace "portal").

Each part of the portal keeps its routes in its own module.
"""

from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.cache import never_cache

from credentials import views


def _never_cached(patterns: list) -> list:
    """Every portal page carries personal data (names, student numbers, dates of
    birth, API key tokens): no proxy or browser disk cache may keep it."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _never_cached(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback = never_cache(pattern.callback)
    return patterns


urlpatterns = [
    path("", views.portal_home, name="home"),
    # Issue one, credential list and detail, templates (credentials/views.py).
    path("", include("credentials.portal_urls")),
    # CSV batches and their progress (credentials/batch_views.py).
    path("", include("credentials.batch_urls")),
    # Organisation settings: members, keys, API keys, audit log (identity/views.py).
    path("", include("identity.urls")),
]
_never_cached(urlpatterns)

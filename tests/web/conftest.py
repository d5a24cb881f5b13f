"""Django settings for the web tests.

The environment is prepared here, before pytest-django sets Django up, rather
than in pyproject.toml: the pure-core tests must keep running without Django
settings (``-p no:django``). Run: ``.venv/bin/python -m pytest tests/web``.
"""

from __future__ import annotations

import os
import secrets

# A throwaway key per run: DEBUG is off in tests, as in production, so the
# settings require one.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
# The test client speaks plain HTTP; every other HTTPS protection stays on.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402
import pytest  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402

# Loading the settings now lets pytest-django's own configure hook finish the
# setup even though DJANGO_SETTINGS_MODULE was not in the environment it saw.
django_settings.INSTALLED_APPS  # noqa: B018
django.setup()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: pytest.FixtureRequest) -> None:
    # Production's manifest storage needs collectstatic; templates only need URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def api():
    """A DRF test client."""
    from rest_framework.test import APIClient

    return APIClient()


def pytest_configure(config: pytest.Config) -> None:
    # STATIC_ROOT is filled by collectstatic in deployment; tests do not run it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")

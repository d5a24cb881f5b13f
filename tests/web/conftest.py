"""Django settings for the web tests.

The environment (tests/web/django_env.py) is prepared here rather than in
pyproject.toml: the pure-core tests must keep running without Django settings
(``-p no:django``). Run: ``.venv/bin/python -m pytest tests/web``.
"""

from __future__ import annotations

from typing import Any

from tests.web import django_env  # noqa: F401  (sets the environment first)

import django  # noqa: E402
import pytest  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402

# Loading the settings now lets pytest-django's own configure hook finish the
# setup even though DJANGO_SETTINGS_MODULE was not in the environment it saw.
django_settings.INSTALLED_APPS  # noqa: B018
django.setup()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Production's manifest storage needs collectstatic; templates only need URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def api() -> Any:
    """A DRF test client."""
    from rest_framework.test import APIClient

    return APIClient()


def pytest_configure(config: pytest.Config) -> None:
    # STATIC_ROOT is filled by collectstatic in deployment; tests do not run it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")

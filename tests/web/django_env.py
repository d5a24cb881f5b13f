"""Environment for the Django tests, loadable early as a pytest plugin.

``make test`` passes ``-p tests.web.django_env`` so that these defaults are in
place before pytest-django reads ``DJANGO_SETTINGS_MODULE`` and imports the
settings, whichever test directory is collected first. tests/web/conftest.py
imports it too, for a plain ``pytest tests/web``. It only sets variables the
environment does not already set.
"""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A throwaway key per run: DEBUG is off in tests, as in production, so the
# settings require one.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
# A throwaway master key for organisations' sealed private keys.
os.environ.setdefault("LIANZHENG_MASTER_KEY", secrets.token_hex(32))
# The test client's host: hosted DIDs are did:web:testserver:orgs:<slug>.
os.environ.setdefault("PUBLIC_URL", "http://testserver")
# Organisation staff need TOTP in production; tests that check it turn it back on.
os.environ.setdefault("STAFF_MFA_REQUIRED", "0")
# The test client speaks plain HTTP; every other HTTPS protection stays on.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The suites post far more than a client would in a minute; the throttle itself
# is tested with low rates patched in (tests/web/test_throttling.py).
os.environ.setdefault("VERIFY_RATE", "100000/minute")
os.environ.setdefault("RESOLVE_RATE", "100000/minute")

# Tests that start real Celery workers must not share a queue with another xdist
# process's workers (they would take each other's tasks against the wrong test
# database): each xdist worker gets its own Redis database number.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
_broker = os.environ.get("CELERY_BROKER_URL", "")
if _xdist.startswith("gw") and _xdist[2:].isdigit() and _broker.startswith("redis://"):
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(_broker)
    os.environ["CELERY_BROKER_URL"] = urlunsplit(_parts._replace(path=f"/{10 + int(_xdist[2:])}"))

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

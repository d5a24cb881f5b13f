"""ASGI entry point.

Django's ASGI handler buffers the whole request body before any middleware runs;
``ASGIBodyLimit`` stops reading past the body limit and answers 413 itself.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from credentials.middleware import ASGIBodyLimit  # noqa: E402  (needs the settings loaded above)

application = ASGIBodyLimit(django_application)

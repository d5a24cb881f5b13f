"""Shared personas for the Django tests: two universities and the people around them.

Use from any Django test module::

    from tests.personas import *  # noqa: F403  (fixtures and helpers)

or list ``"tests.personas"`` in a conftest's ``pytest_plugins``. Every fixture is
function-scoped (each test gets fresh rows in its own transaction) and cheap:
users get no password unless a test asks for one (password hashing is the slow
part), through :func:`make_user` or :func:`set_password`.

The cast, after healthchecks' alice/bob/charlie:

- ``org_a``, ``org_b``: onboarded universities (key, DID, four default templates).
- ``admin_a``: organisation admin of A; ``registrar_a``: registrar of A;
  ``viewer_a``: viewer of A; ``registrar_b``: registrar of B (the outsider to A).
- ``holder``: a citizen with no membership anywhere.
- ``operator``: platform operator (``is_staff`` and superuser, no membership).
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = [
    "PERSONA_PASSWORD",
    "make_user",
    "set_password",
    "login",
    "org_a",
    "org_b",
    "admin_a",
    "registrar_a",
    "viewer_a",
    "registrar_b",
    "holder",
    "operator",
]

# Only for tests that log in through the form; fixtures leave passwords unusable.
PERSONA_PASSWORD = "persona-test-password-9"


def make_user(email: str, *, password: str | None = None, is_staff: bool = False, is_superuser: bool = False) -> Any:
    """A user whose login is ``email`` (a verified, primary allauth address)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model()(username=email, email=email, is_staff=is_staff, is_superuser=is_superuser)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def set_password(user: Any, password: str = PERSONA_PASSWORD) -> str:
    """Give ``user`` a usable password (for tests that log in through the form); returns it."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def login(client: Any, user: Any) -> Any:
    """Log ``user`` in on ``client`` (a Django test client) without the login form."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _onboard(slug: str, name_en: str, name_zh: str) -> Any:
    from credentials.services import organisation_onboard

    return organisation_onboard(slug=slug, name_en=name_en, name_zh=name_zh, homepage=f"https://{slug}.example")


def _member(email: str, organisation: Any, role: str) -> Any:
    from identity.services import membership_set

    user = make_user(email)
    membership_set(organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def org_a(db: None) -> Any:
    """University A (slug ``univ-a``)."""
    return _onboard("univ-a", "University A", "甲大学")


@pytest.fixture
def org_b(db: None) -> Any:
    """University B (slug ``univ-b``)."""
    return _onboard("univ-b", "University B", "乙大学")


@pytest.fixture
def admin_a(org_a: Any) -> Any:
    """Organisation admin of A."""
    return _member("admin@univ-a.example", org_a, "admin")


@pytest.fixture
def registrar_a(org_a: Any) -> Any:
    """Registrar of A: issues and revokes A's credentials."""
    return _member("registrar@univ-a.example", org_a, "registrar")


@pytest.fixture
def viewer_a(org_a: Any) -> Any:
    """Viewer of A: reads A's pages, changes nothing."""
    return _member("viewer@univ-a.example", org_a, "viewer")


@pytest.fixture
def registrar_b(org_b: Any) -> Any:
    """Registrar of B: must see nothing of A."""
    return _member("registrar@univ-b.example", org_b, "registrar")


@pytest.fixture
def holder(db: None) -> Any:
    """A citizen holding credentials; member of no organisation."""
    return make_user("holder@example.com")


@pytest.fixture
def operator(db: None) -> Any:
    """A platform operator (Django admin), member of no organisation."""
    return make_user("operator@example.com", is_staff=True, is_superuser=True)

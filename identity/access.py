"""Permission-checked lookups: the only way portal and API code reach an organisation.

Each returns the same 404 whether the organisation does not exist or the user may
not see it, so that a probe cannot tell the two apart.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from identity.models import Membership, Organisation

VIEW = frozenset({Membership.Role.ADMIN, Membership.Role.REGISTRAR, Membership.Role.VIEWER})
ISSUE = frozenset({Membership.Role.ADMIN, Membership.Role.REGISTRAR})
MANAGE = frozenset({Membership.Role.ADMIN})


def membership_for(*, user: AbstractBaseUser | AnonymousUser, slug: str) -> Membership | None:
    """The user's membership of the organisation ``slug``, if any."""
    if not user.is_authenticated or not isinstance(slug, str):
        return None
    return (
        Membership.objects.select_related("organisation")
        .filter(user_id=user.pk, organisation__slug=slug)
        .first()
    )


def organisation_for(*, user: AbstractBaseUser | AnonymousUser, slug: str, roles: frozenset[str] = VIEW) -> Organisation:
    """The organisation ``slug`` if ``user`` holds one of ``roles`` in it; else Http404."""
    membership = membership_for(user=user, slug=slug)
    if membership is None:
        raise Http404
    if membership.role not in roles:
        raise Http404
    return membership.organisation


def memberships_of(user: AbstractBaseUser | AnonymousUser) -> list[Membership]:
    """Every organisation the user belongs to, with the role."""
    if not user.is_authenticated:
        return []
    return list(Membership.objects.select_related("organisation").filter(user_id=user.pk).order_by("organisation__slug"))

"""Organisation settings pages of the portal: names and logo, members, signing keys, API keys, audit log.

Every page needs the MANAGE role (organisation admins) and reaches its
organisation through ``identity.access.organisation_for``: a missing
organisation and one the user may not manage are the same 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_http_methods, require_safe

from identity.access import MANAGE, organisation_for
from identity.forms import ApiKeyForm, KeyCompromiseForm, KeyRotateForm, MemberAddForm, MemberRoleForm, OrganisationForm
from identity.models import ApiKey, AuditEvent, Membership, Organisation, OrgKey
from identity.selectors import organisation_did
from identity.services import (
    Actor,
    api_key_create,
    api_key_revoke,
    audit_record,
    membership_remove,
    membership_set,
    org_key_create,
    org_key_mark_compromised,
    organisation_update,
)

AUDIT_PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, address=request.META.get("REMOTE_ADDR") or None)  # type: ignore[arg-type]


def _manage(request: HttpRequest, slug: str) -> Organisation:
    return organisation_for(user=request.user, slug=slug, roles=MANAGE)


def _batches_url(slug: str) -> str:
    # The batch pages belong to the credentials app, which identity may not import.
    try:
        return reverse("portal:batch_list", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/portal/{slug}/batches/"


def _context(organisation: Organisation, section: str, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "role": Membership.Role.ADMIN,
        "role_label": Membership.Role.ADMIN.label,
        "can_issue": True,
        "can_manage": True,
        "batches_url": _batches_url(organisation.slug),
        "section": section,
        **extra,
    }


# --------------------------------------------------------------------------- names and logo


@login_required
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Names, home page and logo."""
    organisation = _manage(request, slug)
    initial = {"name_en": organisation.name_en, "name_zh": organisation.name_zh, "homepage": organisation.homepage}
    form = OrganisationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation_update(
            organisation=organisation,
            actor=_actor(request),
            name_en=form.cleaned_data["name_en"],
            name_zh=form.cleaned_data["name_zh"],
            homepage=form.cleaned_data["homepage"],
            logo=form.cleaned_data["logo"],
            remove_logo=form.cleaned_data["remove_logo"],
        )
        messages.success(request, _("The organisation's details have been saved."))
        return redirect("portal:org_settings", slug=slug)
    return render(
        request,
        "portal/settings.html",
        _context(organisation, "settings", form=form, did=organisation_did(organisation)),
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- members


class LastAdmin(Exception):
    """The change would leave the organisation without an admin."""


def _guard_last_admin(organisation: Organisation, membership: Membership, new_role: str | None) -> None:
    """Refuse to remove or demote the last admin (call inside a transaction).

    The admin rows are locked so that two admins demoting each other at the same
    time cannot both succeed.
    """
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=Membership.Role.ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if membership.pk in admins and new_role != Membership.Role.ADMIN and len(admins) <= 1:
        raise LastAdmin


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's members; add an existing account by email."""
    organisation = _manage(request, slug)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["email"]
        if Membership.objects.filter(organisation=organisation, user=user).exists():
            form.add_error("email", _("This person is already a member; change their role below."))
        else:
            membership_set(organisation=organisation, user=user, role=form.cleaned_data["role"], actor=_actor(request))
            messages.success(request, _("%(email)s has been added.") % {"email": user.email})
            return redirect("portal:members", slug=slug)
    rows = [
        (m, MemberRoleForm(initial={"role": m.role}, prefix=f"m{m.pk}"))
        for m in Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__email", "pk")
    ]
    return render(
        request,
        "portal/members.html",
        _context(organisation, "members", form=form, rows=rows),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def member_change(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Change a member's role, or remove them (never the last admin)."""
    organisation = _manage(request, slug)
    membership = Membership.objects.select_related("user").filter(organisation=organisation, pk=membership_id).first()
    if membership is None:
        raise Http404
    remove = request.POST.get("op") == "remove"
    role = None
    if not remove:
        form = MemberRoleForm(request.POST, prefix=f"m{membership.pk}")
        if not form.is_valid():
            messages.error(request, _("Choose one of the roles."))
            return redirect("portal:members", slug=slug)
        role = form.cleaned_data["role"]
    try:
        with transaction.atomic():
            _guard_last_admin(organisation, membership, role)
            if remove:
                membership_remove(organisation=organisation, user=membership.user, actor=_actor(request))
            elif role != membership.role:
                membership_set(organisation=organisation, user=membership.user, role=role, actor=_actor(request))
    except LastAdmin:
        messages.error(request, _("An organisation needs at least one admin: add another admin first."))
        return redirect("portal:members", slug=slug)
    messages.success(request, _("The member has been removed.") if remove else _("The role has been changed."))
    if membership.user_id == request.user.pk and (remove or role != Membership.Role.ADMIN):
        # The page is no longer theirs to see.
        return redirect("portal:home")
    return redirect("portal:members", slug=slug)


# --------------------------------------------------------------------------- signing keys


@login_required
@require_safe
def keys(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's signing keys (public parts only) and key rotation."""
    organisation = _manage(request, slug)
    # ``only`` keeps the sealed private key out of memory as well as out of the page.
    rows = OrgKey.objects.filter(organisation=organisation).only(
        "pk", "organisation_id", "fragment", "key_type", "public_multibase", "status", "created_at", "retired_at", "compromised_at"
    ).order_by("-created_at", "-pk")
    return render(
        request,
        "portal/keys.html",
        _context(organisation, "keys", rows=rows, form=KeyRotateForm(), did=organisation_did(organisation)),
    )


@login_required
@require_POST
def key_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    """Create a new issuing key; the current one is retired and keeps verifying."""
    organisation = _manage(request, slug)
    form = KeyRotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a key type."))
        return redirect("portal:keys", slug=slug)
    key = org_key_create(organisation=organisation, key_type=form.cleaned_data["key_type"], actor=_actor(request))
    messages.success(request, _("New signing key %(fragment)s is now issuing.") % {"fragment": key.fragment})
    return redirect("portal:keys", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def key_compromise(request: HttpRequest, slug: str, fragment: str) -> HttpResponse:
    """Confirm, then mark a key compromised."""
    organisation = _manage(request, slug)
    key = OrgKey.objects.filter(organisation=organisation, fragment=fragment).only(
        "pk", "organisation_id", "fragment", "key_type", "status", "created_at"
    ).first()
    if key is None:
        raise Http404
    form = KeyCompromiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org_key_mark_compromised(organisation=organisation, fragment=key.fragment, actor=_actor(request))
        messages.success(request, _("Key %(fragment)s is marked compromised.") % {"fragment": key.fragment})
        return redirect("portal:keys", slug=slug)
    return render(
        request,
        "portal/key_compromise.html",
        _context(organisation, "keys", key=key, form=form),
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- API keys


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's API keys; a new key's token is shown on this response only."""
    organisation = _manage(request, slug)
    form = ApiKeyForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _created, token = api_key_create(
            organisation=organisation, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], actor=_actor(request)
        )
        # Not a redirect: the token must not travel through the session or a
        # message; it exists only in this response, which nothing caches.
        form = ApiKeyForm()
    response = render(
        request,
        "portal/api_keys.html",
        _context(
            organisation,
            "api_keys",
            form=form,
            token=token,
            rows=ApiKey.objects.filter(organisation=organisation).select_related("created_by"),
        ),
        status=400 if request.method == "POST" and token is None else 200,
    )
    return response


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, slug: str, prefix: str) -> HttpResponse:
    """Revoke an API key (it stops authenticating at once)."""
    organisation = _manage(request, slug)
    if not ApiKey.objects.filter(organisation=organisation, prefix=prefix).exists():
        raise Http404
    api_key_revoke(organisation=organisation, prefix=prefix, actor=_actor(request))
    messages.success(request, _("The API key has been revoked."))
    return redirect("portal:api_keys", slug=slug)


# --------------------------------------------------------------------------- audit log


@login_required
@require_safe
def audit(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's audit log, newest first."""
    organisation = _manage(request, slug)
    events = AuditEvent.objects.filter(organisation=organisation).order_by("-at", "-pk")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/audit.html", _context(organisation, "audit", page=page, params=""))

"""Registrar portal pages: dashboard, issue one, credentials, templates.

Every page reaches its organisation through ``identity.access.organisation_for``
(404 alike for a missing and a forbidden organisation) and its objects through
the organisation-scoped selectors, so a slug or id from another tenant is a 404.
Reads need a VIEW role, issuing and status changes ISSUE, templates MANAGE.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_http_methods, require_safe

from credentials import diplomas, selectors
from anchoring.selectors import anchor_status_for_refs
from credentials.forms import SAMPLE_RECIPIENT, RecipientForm, StatusChangeForm, TemplateForm
from credentials.models import Credential, CredentialTemplate
from credentials.services import (
    IssueError,
    claim_link_send,
    credential_issue,
    credential_preview,
    credential_status_change,
    template_create,
    template_update,
    verification_url,
)
from identity.access import ISSUE, MANAGE, VIEW, membership_for, memberships_of, organisation_for
from identity.models import Membership, Organisation
from identity.services import Actor, audit_record

PAGE_SIZE = 50
# A previewed recipient is issued from this signed token; an hour is enough to
# read a preview, and short enough that an old tab cannot issue stale data.
ISSUE_TOKEN_SALT = "lianzheng.portal.issue"
ISSUE_TOKEN_MAX_AGE = 3600


def actor_of(request: HttpRequest) -> Actor:
    """The audit log's view of the person making this request."""
    return Actor(user=request.user, address=request.META.get("REMOTE_ADDR") or None)  # type: ignore[arg-type]


def _organisation(request: HttpRequest, slug: str, roles: frozenset[str]) -> tuple[Organisation, str]:
    organisation = organisation_for(user=request.user, slug=slug, roles=roles)
    membership = membership_for(user=request.user, slug=slug)
    assert membership is not None  # organisation_for has just found it
    return organisation, membership.role


def _context(request: HttpRequest, organisation: Organisation, role: str, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "role": role,
        "role_label": dict(Membership.Role.choices).get(role, role),
        "can_issue": role in ISSUE,
        "can_manage": role in MANAGE,
        "batches_url": batches_url(organisation.slug),
        **extra,
    }


def batches_url(slug: str) -> str:
    """The batch pages (another part of the portal) of an organisation."""
    try:
        return reverse("portal:batch_list", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/portal/{slug}/batches/"


def batch_url(slug: str, public_id: str) -> str:
    """One batch's page (another part of the portal)."""
    try:
        return reverse("portal:batch_detail", kwargs={"slug": slug, "batch_id": public_id})
    except NoReverseMatch:
        return f"{batches_url(slug)}{public_id}/"


def credential_card(document: dict[str, Any]) -> dict[str, Any]:
    """What a person reads on a diploma, taken from the (signed or previewed) document."""
    subject = document.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    achievement = subject.get("achievement") or {}
    identifiers = {i.get("identityType"): i.get("identityHash") for i in subject.get("identifier") or [] if isinstance(i, dict)}
    descriptions = {d.get("id"): d.get("name") for d in achievement.get("resultDescription") or [] if isinstance(d, dict)}
    results = [
        {"name": descriptions.get(r.get("resultDescription"), ""), "value": r.get("value", "")}
        for r in subject.get("result") or []
        if isinstance(r, dict)
    ]
    issuer = document.get("issuer") or {}
    return {
        "issuer": issuer.get("name", "") if isinstance(issuer, dict) else str(issuer),
        "issuer_id": issuer.get("id", "") if isinstance(issuer, dict) else str(issuer),
        "achievement": achievement.get("name", ""),
        "degree_type": ", ".join(achievement.get("tag") or []),
        "field_of_study": achievement.get("fieldOfStudy", ""),
        "major": achievement.get("specialization", ""),
        "name": subject.get("name", ""),
        "student_number": identifiers.get("studentId", ""),
        "date_of_birth": identifiers.get("ext:dateOfBirth", ""),
        "awarded": str(document.get("awardedDate", ""))[:10],
        "valid_from": document.get("validFrom", ""),
        "results": results,
    }


# --------------------------------------------------------------------------- home and dashboard


@login_required
@require_safe
def portal_home(request: HttpRequest) -> HttpResponse:
    """The organisations the user belongs to."""
    return render(request, "portal/home.html", {"memberships": memberships_of(request.user)})


@login_required
@require_safe
def organisation_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's counts and most recent credentials and batches."""
    organisation, role = _organisation(request, slug, VIEW)
    credentials = selectors.credential_list_for_org(organisation=organisation)
    by_status = dict(credentials.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {
        "total": sum(by_status.values()),
        "active": by_status.get(Credential.Status.ACTIVE, 0),
        "suspended": by_status.get(Credential.Status.SUSPENDED, 0),
        "revoked": by_status.get(Credential.Status.REVOKED, 0),
        "templates": selectors.template_list_for_org(organisation=organisation).count(),
    }
    return render(
        request,
        "portal/dashboard.html",
        _context(
            request,
            organisation,
            role,
            section="dashboard",
            counts=counts,
            recent=list(credentials[:10]),
            batches=[(b, batch_url(organisation.slug, b.public_id)) for b in selectors.batch_list_for_org(organisation=organisation)[:5]],
        ),
    )


# --------------------------------------------------------------------------- issue one


def _issue_token(organisation: Organisation, template: CredentialTemplate, recipient: dict[str, str]) -> str:
    return signing.dumps({"o": organisation.pk, "t": template.pk, "r": recipient}, salt=ISSUE_TOKEN_SALT, compress=True)


def _template_from(request: HttpRequest, organisation: Organisation, slug: str | None) -> CredentialTemplate | None:
    if not slug:
        return selectors.template_default_for_org(organisation=organisation)
    template = selectors.template_get_for_org(organisation=organisation, slug=slug)
    return template if template is not None and template.active else None


@login_required
@require_http_methods(["GET", "POST"])
def credential_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Issue one: choose a template, fill in the recipient, preview, then issue."""
    organisation, role = _organisation(request, slug, ISSUE)
    templates = list(selectors.template_list_for_org(organisation=organisation))
    data = request.POST if request.method == "POST" else request.GET
    template = _template_from(request, organisation, data.get("template"))
    step = request.POST.get("step", "") if request.method == "POST" else ""
    context = _context(request, organisation, role, section="issue", templates=templates, template=template)
    if template is None:
        if data.get("template"):
            context["template_error"] = _("Choose one of the organisation's active templates.")
        return render(request, "portal/issue.html", {**context, "form": RecipientForm()}, status=200 if request.method == "GET" else 400)

    if step == "issue":
        return _issue_confirmed(request, organisation, role, template, context)

    if step == "preview":
        form = RecipientForm(request.POST)
    elif step == "edit":
        form = RecipientForm(initial={name: request.POST.get(name, "") for name in diplomas.FIELDS})
    else:
        form = RecipientForm()
    if step == "preview" and form.is_valid():
        recipient = form.recipient()
        try:
            document = credential_preview(template=template, recipient=recipient)
        except IssueError as error:
            form.add_recipient_errors(error.errors)
        else:
            return render(
                request,
                "portal/issue_preview.html",
                {
                    **context,
                    "form": form,
                    "card": credential_card(document),
                    "document_json": json.dumps(document, ensure_ascii=False, indent=2),
                    "token": _issue_token(organisation, template, recipient),
                },
            )
    status = 400 if step == "preview" else 200
    return render(request, "portal/issue.html", {**context, "form": form}, status=status)


def _issue_confirmed(
    request: HttpRequest, organisation: Organisation, role: str, template: CredentialTemplate, context: dict[str, Any]
) -> HttpResponse:
    token = request.POST.get("token", "")
    try:
        payload = signing.loads(token, salt=ISSUE_TOKEN_SALT, max_age=ISSUE_TOKEN_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("The preview has expired or was altered. Please check the details and preview again."))
        return render(request, "portal/issue.html", {**context, "form": RecipientForm()}, status=400)
    # The token names its organisation and template: a preview made for one
    # organisation cannot be replayed against another's issue page.
    if payload.get("o") != organisation.pk or payload.get("t") != template.pk:
        raise Http404
    recipient = payload["r"]
    # The same token twice (a double click, a reload) issues once.
    key = "portal:" + hashlib.sha256(token.encode()).hexdigest()[:40]
    try:
        issued = credential_issue(template=template, recipient=recipient, actor=actor_of(request), idempotency_key=key)
    except IssueError as error:
        form = RecipientForm(initial=recipient)
        messages.error(request, _("The credential could not be issued: %(reason)s") % {"reason": error})
        return render(request, "portal/issue.html", {**context, "form": form}, status=400)
    if issued.existed:
        messages.info(request, _("This student already has a credential of this template; it is shown here."))
    else:
        messages.success(request, _("The credential has been issued."))
    return redirect("portal:credential_detail", slug=organisation.slug, public_id=issued.credential.public_id)


# --------------------------------------------------------------------------- credentials


@login_required
@require_safe
def credential_list(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's credentials: search, filters, 50 a page."""
    organisation, role = _organisation(request, slug, VIEW)
    query = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "")
    status = status if status in Credential.Status.values else ""
    template = request.GET.get("template", "")[:63]
    qs = selectors.credential_list_for_org(organisation=organisation, query=query, status=status, template=template)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    anchoring = anchor_status_for_refs(refs=[c.public_id for c in page])
    for c in page:
        c.anchor_state = anchoring.get(c.public_id, "unknown")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "portal/credential_list.html",
        _context(
            request,
            organisation,
            role,
            section="credentials",
            page=page,
            query=query,
            status=status,
            template=template,
            statuses=Credential.Status.choices,
            templates=selectors.template_list_for_org(organisation=organisation, active_only=False),
            params=params.urlencode(),
        ),
    )


def _credential(organisation: Organisation, public_id: str) -> Credential:
    credential = selectors.credential_get_for_org(organisation=organisation, public_id=public_id)
    if credential is None:
        raise Http404
    return credential


@login_required
@require_safe
def credential_detail(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """One credential: the diploma, its status, QR, links, anchoring and claim link."""
    organisation, role = _organisation(request, slug, VIEW)
    credential = _credential(organisation, public_id)
    from anchoring.selectors import anchor_status_for

    return render(
        request,
        "portal/credential_detail.html",
        _context(
            request,
            organisation,
            role,
            section="credentials",
            credential=credential,
            card=credential_card(credential.document),
            document_json=json.dumps(credential.document, ensure_ascii=False, indent=2),
            verify_url=verification_url(credential.public_id),
            anchor=anchor_status_for(ref=credential.public_id),
            claim=credential.claim_links.first(),
            status_forms=_status_forms(credential) if role in ISSUE else [],
        ),
    )


def _status_forms(credential: Credential) -> list[tuple[str, str, StatusChangeForm]]:
    allowed = {
        Credential.Status.ACTIVE: ["suspend", "revoke"],
        Credential.Status.SUSPENDED: ["reinstate", "revoke"],
        Credential.Status.REVOKED: [],
    }[Credential.Status(credential.status)]
    labels = dict(StatusChangeForm.ACTIONS)
    return [(action, str(labels[action]), StatusChangeForm(initial={"action": action}, prefix=action)) for action in allowed]


@login_required
@require_safe
def credential_qr(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """The credential's verification URL as an SVG QR code."""
    import qrcode
    import qrcode.image.svg

    organisation, _role = _organisation(request, slug, VIEW)
    credential = _credential(organisation, public_id)
    image = qrcode.make(verification_url(credential.public_id), image_factory=qrcode.image.svg.SvgPathImage, border=2)
    response = HttpResponse(image.to_string(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def credential_status(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """Revoke, suspend or reinstate (with a reason and a confirmation)."""
    organisation, role = _organisation(request, slug, ISSUE)
    credential = _credential(organisation, public_id)
    action = request.POST.get("action", "")
    form = StatusChangeForm(request.POST, prefix=action if action in dict(StatusChangeForm.ACTIONS) else None)
    if not form.is_valid():
        messages.error(request, _("Give a reason and tick the confirmation to change the status."))
        return redirect("portal:credential_detail", slug=slug, public_id=public_id)
    try:
        credential_status_change(
            credential=credential, action=form.cleaned_data["action"], actor=actor_of(request), reason=form.cleaned_data["reason"]
        )
    except IssueError:
        messages.error(request, _("This change is not possible for a credential in its current status."))
    else:
        done = {"revoke": _("The credential has been revoked."), "suspend": _("The credential has been suspended."),
                "reinstate": _("The credential has been reinstated.")}
        messages.success(request, done[form.cleaned_data["action"]])
    return redirect("portal:credential_detail", slug=slug, public_id=public_id)


@login_required
@require_POST
def credential_claim_send(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """Send the holder a new claim link (the old one stops working)."""
    organisation, _role = _organisation(request, slug, ISSUE)
    credential = _credential(organisation, public_id)
    try:
        claim_link_send(credential=credential, actor=actor_of(request))
    except IssueError:
        messages.error(request, _("This credential has no holder email address."))
    else:
        messages.success(request, _("A new claim link has been sent to the holder."))
    return redirect("portal:credential_detail", slug=slug, public_id=public_id)


# --------------------------------------------------------------------------- templates


_TEMPLATE_TEXT = ("kind", "name_en", "name_zh", "description", "criteria", "degree_type", "field_of_study", "is_default", "active")


def _template_preview(template: CredentialTemplate) -> dict[str, Any] | None:
    try:
        document = credential_preview(template=template, recipient=dict(SAMPLE_RECIPIENT))
    except (IssueError, ValueError):
        return None
    return {"card": credential_card(document), "json": json.dumps(document, ensure_ascii=False, indent=2)}


@login_required
@require_safe
def template_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's diploma templates."""
    organisation, role = _organisation(request, slug, VIEW)
    templates = selectors.template_list_for_org(organisation=organisation, active_only=False).order_by("-active", "slug")
    return render(request, "portal/template_list.html", _context(request, organisation, role, section="templates", templates=templates))


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, slug: str, template_slug: str | None = None) -> HttpResponse:
    """Create (no ``template_slug``) or edit a template, with a sample preview."""
    organisation, role = _organisation(request, slug, MANAGE)
    instance = None
    if template_slug is not None:
        instance = selectors.template_get_for_org(organisation=organisation, slug=template_slug)
        if instance is None:
            raise Http404
    form = TemplateForm(request.POST or None, instance=instance, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in _TEMPLATE_TEXT}
        try:
            if instance is None:
                active = fields.pop("active")
                saved = template_create(organisation=organisation, slug=form.cleaned_data["slug"], actor=actor_of(request), **fields)
                if not active:
                    saved = template_update(template=saved, actor=actor_of(request), active=False)
            else:
                # The form has already written its values onto ``instance``; compare against the stored row.
                current = selectors.template_get_for_org(organisation=organisation, slug=instance.slug)
                assert current is not None
                saved = template_update(template=current, actor=actor_of(request), **fields)
        except IntegrityError:
            form.add_error(None, _("The template could not be saved; please try again."))
        else:
            messages.success(request, _("The template has been saved."))
            return redirect("portal:template_edit", slug=slug, template_slug=saved.slug)
    if instance is not None:
        # Re-read: a failed save may have changed the form's instance in memory.
        instance = selectors.template_get_for_org(organisation=organisation, slug=instance.slug)
    return render(
        request,
        "portal/template_form.html",
        _context(
            request,
            organisation,
            role,
            section="templates",
            form=form,
            template=instance,
            preview=_template_preview(instance) if instance is not None else None,
        ),
        status=400 if request.method == "POST" else 200,
    )

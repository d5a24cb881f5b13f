"""Credential reads: organisation-scoped querysets and the published status lists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from credentials.models import Batch, Credential, CredentialTemplate, StatusList
from identity.models import Organisation


def credential_list_for_org(
    *,
    organisation: Organisation,
    query: str = "",
    status: str = "",
    template: str = "",
    batch: str = "",
) -> QuerySet[Credential]:
    """An organisation's credentials, newest first, optionally filtered."""
    qs = Credential.objects.filter(organisation=organisation).select_related("template")
    if query:
        qs = qs.filter(Q(student_number__iexact=query) | Q(recipient_name__icontains=query) | Q(public_id=query))
    if status:
        qs = qs.filter(status=status)
    if template:
        qs = qs.filter(template__slug=template)
    if batch:
        qs = qs.filter(batch__public_id=batch)
    return qs.order_by("-issued_at", "-pk")


def credential_get_for_org(*, organisation: Organisation, public_id: str) -> Credential | None:
    """One of the organisation's credentials by public id (None for any other)."""
    if not isinstance(public_id, str) or len(public_id) > 64:
        return None
    return Credential.objects.select_related("template", "organisation").filter(organisation=organisation, public_id=public_id).first()


def credential_get_public(*, public_id: str) -> Credential | None:
    """A credential by its opaque public id, for the public verification page."""
    if not isinstance(public_id, str) or len(public_id) > 64:
        return None
    return Credential.objects.select_related("template", "organisation").filter(public_id=public_id).first()


def template_list_for_org(*, organisation: Organisation, active_only: bool = True) -> QuerySet[CredentialTemplate]:
    """The organisation's templates."""
    qs = CredentialTemplate.objects.filter(organisation=organisation)
    return qs.filter(active=True) if active_only else qs


def template_get_for_org(*, organisation: Organisation, slug: str) -> CredentialTemplate | None:
    """One of the organisation's templates by slug."""
    return CredentialTemplate.objects.select_related("organisation").filter(organisation=organisation, slug=slug).first()


def template_default_for_org(*, organisation: Organisation) -> CredentialTemplate | None:
    """The template VC-API issue uses for the organisation."""
    return (
        CredentialTemplate.objects.select_related("organisation")
        .filter(organisation=organisation, active=True)
        .order_by("-is_default", "pk")
        .first()
    )


def batch_list_for_org(*, organisation: Organisation) -> QuerySet[Batch]:
    """The organisation's batches, newest first."""
    return Batch.objects.filter(organisation=organisation).select_related("template")


def batch_get_for_org(*, organisation: Organisation, public_id: str) -> Batch | None:
    """One of the organisation's batches by public id."""
    if not isinstance(public_id, str) or len(public_id) > 64:
        return None
    return Batch.objects.select_related("template", "organisation").filter(organisation=organisation, public_id=public_id).first()


def status_list_get(*, slug: str, public_id: str) -> StatusList | None:
    """A published status list by organisation slug and list id."""
    return StatusList.objects.select_related("organisation").filter(organisation__slug=slug, public_id=public_id).first()


class HostedStatusLists(Mapping[str, Any]):
    """Signed status list credentials this platform publishes, by URL (read lazily)."""

    def _parse(self, url: object) -> tuple[str, str] | None:
        prefix = f"{settings.PUBLIC_URL}/orgs/"
        if not isinstance(url, str) or not url.startswith(prefix):
            return None
        parts = url[len(prefix):].split("/")
        if len(parts) != 3 or parts[1] != "status":
            return None
        return parts[0], parts[2]

    def __getitem__(self, url: str) -> Any:
        from credentials.services import status_list_document

        parsed = self._parse(url)
        status_list = status_list_get(slug=parsed[0], public_id=parsed[1]) if parsed else None
        if status_list is None:
            raise KeyError(url)
        return status_list_document(status_list=status_list)

    def __contains__(self, url: object) -> bool:
        parsed = self._parse(url)
        return parsed is not None and StatusList.objects.filter(organisation__slug=parsed[0], public_id=parsed[1]).exists()

    def __iter__(self) -> Iterator[str]:
        from credentials.services import status_list_url

        return iter([status_list_url(s) for s in StatusList.objects.select_related("organisation")])

    def __len__(self) -> int:
        return StatusList.objects.count()

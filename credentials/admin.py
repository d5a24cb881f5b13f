"""Platform operators' admin: organisations (onboarding), templates, issued credentials, batches, status lists.

Organisations are registered here rather than in identity.admin because the
add form onboards through ``organisation_onboard`` (key, DID and the four
starting templates), which lives in credentials.

Issued credentials are signed documents: the admin shows them read-only, and
status changes go through the portal (or the API), which flips the status-list
bit and writes the audit log. Status lists show their counters, not their bits.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyModelAdmin
from credentials.models import Batch, Credential, CredentialTemplate, StatusList
from credentials.services import organisation_onboard
from identity.admin import MembershipInline, OrgKeyInline
from identity.models import Organisation
from identity.services import KEY_TYPES, Actor, logo_check


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, address=request.META.get("REMOTE_ADDR") or None)  # type: ignore[arg-type]


class OrganisationAddForm(forms.ModelForm):
    """The operator's onboarding form: the organisation's names plus its first key type and logo."""

    key_type = forms.ChoiceField(label=_("Signing key type"), choices=[(k, k) for k in KEY_TYPES], initial="Ed25519")
    homepage = forms.URLField(label=_("home page"), required=False, assume_scheme="https")
    logo_file = forms.FileField(label=_("Logo (PNG or JPEG, at most 512 KiB)"), required=False)

    class Meta:
        model = Organisation
        fields = ["slug", "name_en", "name_zh", "homepage"]

    def clean_logo_file(self) -> bytes:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return b""
        data = upload.read(512 * 1024 + 1)
        try:
            logo_check(data)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return data


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_zh", "homepage", "created_at"]
    search_fields = ["slug", "name_en", "name_zh"]
    fields = ["slug", "name_en", "name_zh", "homepage", "logo_type", "created_at"]
    readonly_fields = ["slug", "logo_type", "created_at"]
    inlines = [MembershipInline, OrgKeyInline]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "homepage":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = OrganisationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["slug", "name_en", "name_zh", "homepage", "key_type", "logo_file"]
        return list(self.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        # On the add page the organisation is onboarded first; members come after.
        return [] if obj is None else list(self.inlines)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = organisation_onboard(
            slug=form.cleaned_data["slug"],
            name_en=form.cleaned_data["name_en"],
            name_zh=form.cleaned_data["name_zh"],
            homepage=form.cleaned_data.get("homepage") or "",
            logo=form.cleaned_data.get("logo_file") or b"",
            key_type=form.cleaned_data["key_type"],
            actor=_actor(request),
        )
        # The admin goes on with ``obj`` (its log entry, the redirect): make it the saved row.
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj.logo_type = created.logo_type
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Credentials name the organisation's DID: it is never deleted.
        return False




@admin.register(CredentialTemplate)
class CredentialTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "name_en", "name_zh", "suite", "is_default", "active"]
    list_filter = ["kind", "active", "organisation"]
    search_fields = ["slug", "name_en", "name_zh", "organisation__slug"]
    fields = [
        "organisation", "slug", "kind", "name_en", "name_zh", "description", "criteria", "degree_type",
        "field_of_study", "suite", "is_default", "active", "created_at",
    ]
    readonly_fields = ["created_at", "suite"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Issued credentials link the template's organisation and slug: fixed once created.
        return [*self.readonly_fields, "organisation", "slug"] if obj is not None else list(self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Credential)
class CredentialAdmin(ReadOnlyModelAdmin):
    list_display = ["public_id", "organisation", "template", "student_number", "recipient_name", "status", "issued_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["public_id", "student_number", "recipient_name"]
    date_hierarchy = "issued_at"
    fields = [
        "public_id", "organisation", "template", "batch", "student_number", "recipient_name", "recipient_email",
        "status", "issued_at", "issued_by_label", "revocation_index", "suspension_index", "signed_document",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("organisation", "template", "batch")

    @admin.display(description="document")
    def signed_document(self, obj: Credential) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.document, ensure_ascii=False, indent=2))


@admin.register(Batch)
class BatchAdmin(ReadOnlyModelAdmin):
    list_display = ["public_id", "organisation", "template", "state", "total_rows", "issued_rows", "skipped_rows", "created_at"]
    list_filter = ["state", "organisation"]
    search_fields = ["public_id", "source_name", "organisation__slug"]
    fields = [
        "public_id", "organisation", "template", "source_name", "created_by_label", "state", "only_valid", "total_rows",
        "valid_rows", "issued_rows", "skipped_rows", "errors", "created_at", "started_at", "finished_at",
    ]
    readonly_fields = fields


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyModelAdmin):
    list_display = ["__str__", "purpose", "size", "next_index", "version", "created_at"]
    list_filter = ["purpose", "organisation"]
    fields = ["organisation", "purpose", "public_id", "size", "next_index", "version", "document_version", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("organisation").defer("bits", "document")

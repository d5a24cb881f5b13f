"""Platform operators' admin: organisations, members, keys, API keys, audit log.

Nothing secret is ever a field here: an organisation key shows only its public
part (``sealed_private`` is never listed), an API key only its prefix (never
``secret_hash``). Keys, API keys and the audit log are read-only; keys and API
keys change through the services (which write the audit log), not by editing
rows. The Organisation admin itself is registered in ``credentials.admin``:
operators onboard organisations through ``credentials.services.organisation_onboard``
(key, DID and starting templates), and identity may not import credentials.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyModelAdmin
from identity.models import ApiKey, AuditEvent, Membership, OrgKey
from identity.services import Actor, api_key_revoke, membership_remove, membership_set


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, address=request.META.get("REMOTE_ADDR") or None)  # type: ignore[arg-type]


class MembershipInline(admin.TabularInline):
    """Members at a glance; they are added and changed on the Membership pages (audit-logged)."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrgKeyInline(admin.TabularInline):
    model = OrgKey
    extra = 0
    fields = ["fragment", "key_type", "public_multibase", "status", "created_at", "retired_at", "compromised_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organisation", "user", "role", "created_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__email", "organisation__slug"]
    raw_id_fields = ["user"]
    fields = ["organisation", "user", "role", "created_at"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "organisation", "user"] if obj is not None else list(self.readonly_fields)

    # Through the services, so that the organisation's audit log shows the operator's changes.
    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = membership_set(organisation=obj.organisation, user=obj.user, role=obj.role, actor=_actor(request))
        obj.pk, obj.created_at = saved.pk, saved.created_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_remove(organisation=obj.organisation, user=obj.user, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset.select_related("organisation", "user"):
            self.delete_model(request, membership)


@admin.register(OrgKey)
class OrgKeyAdmin(ReadOnlyModelAdmin):
    list_display = ["__str__", "key_type", "status", "created_at", "retired_at", "compromised_at"]
    list_filter = ["status", "key_type"]
    search_fields = ["organisation__slug", "fragment"]
    # The sealed private key is deliberately absent from every list here.
    fields = ["organisation", "fragment", "key_type", "public_multibase", "status", "created_at", "retired_at", "compromised_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("organisation").defer("sealed_private")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyModelAdmin):
    # Read-only: a token is shown once, to the organisation admin who creates it in
    # the portal; operators can only revoke.
    list_display = ["__str__", "organisation", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "prefix", "organisation__slug"]
    # Only the prefix: the secret's hash is never shown.
    fields = ["organisation", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("organisation", "created_by").defer("secret_hash")

    @admin.action(description=_("Revoke the selected API keys"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for key in queryset.select_related("organisation"):
            api_key_revoke(organisation=key.organisation, prefix=key.prefix, actor=_actor(request))
            count += 1
        self.message_user(request, _("%(count)d API key(s) revoked.") % {"count": count}, messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["at", "organisation", "actor_label", "address", "action", "object_type", "object_id"]
    list_filter = ["action", "organisation"]
    search_fields = ["actor_label", "action", "object_id", "organisation__slug"]
    date_hierarchy = "at"
    fields = ["organisation", "at", "actor_label", "address", "action", "object_type", "object_id", "details"]
    readonly_fields = fields

"""Organisations, their members, signing keys, API keys and audit trail.

Private keys are stored only sealed (``identity.keys.seal_private_key``) under the
platform master key, with the key row's identity as associated data, so a sealed
key copied onto another row does not open. Nothing here renders a secret: the
sealed fields are excluded from ``__repr__``/``__str__`` and from the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A university (or any issuer). Its DID is ``did:web:<host>:orgs:<slug>``."""

    slug = models.SlugField(max_length=63, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    homepage = models.URLField(_("home page"), blank=True)
    # A small image (PNG/JPEG), kept in the database so that every web node and the
    # PDF renderer see the same bytes without shared storage.
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def display_name(self, language: str | None = None) -> str:
        """The organisation's name in the given (or active) language."""
        from django.utils.translation import get_language

        lang = (language or get_language() or "en").lower()
        return self.name_zh if lang.startswith("zh") and self.name_zh else self.name_en


class OrgKey(models.Model):
    """A signing key of an organisation: a verification method of its DID."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active (issuing)")
        RETIRED = "retired", _("retired (verifies old credentials)")
        COMPROMISED = "compromised", _("compromised")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="keys")
    fragment = models.CharField(max_length=64)
    key_type = models.CharField(max_length=16)
    public_multibase = models.CharField(max_length=128)
    # lzkey:v1 envelope (identity.keys); the plaintext never reaches the database.
    sealed_private = models.TextField(editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    compromised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation_id", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "fragment"], name="orgkey_unique_fragment"),
            # At most one issuing key per organisation.
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(status="active"), name="orgkey_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.slug}#{self.fragment}"

    def __repr__(self) -> str:
        return f"<OrgKey {self} {self.key_type} {self.status}>"


class Membership(models.Model):
    """A user's role in an organisation."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("organisation admin")
        REGISTRAR = "registrar", _("registrar")
        VIEWER = "viewer", _("viewer")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}:{self.role}"


class ApiKey(models.Model):
    """An organisation's API key: shown once, stored as a SHA-256 hash of its secret.

    The token is ``lz_<prefix>_<secret>``; the prefix finds the row, the hash is
    compared in constant time. Secrets carry 256 random bits, so a fast hash is
    the right one (no password stretching needed).
    """

    class Scope(models.TextChoices):
        ISSUE = "credentials:issue", _("issue credentials")
        READ = "credentials:read", _("read credentials")
        REVOKE = "credentials:revoke", _("revoke credentials")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} (lz_{self.prefix}_…)"

    def __repr__(self) -> str:
        return f"<ApiKey {self.prefix} org={self.organisation_id}>"

    @property
    def scope_labels(self) -> list[str]:
        """The scopes in words (translated), for pages."""
        labels = dict(self.Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


class AuditEvent(models.Model):
    """One line of an organisation's append-only audit log."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="audit_events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No database constraint and no SET NULL: the log is never updated (on
    # PostgreSQL a trigger forbids it), so deleting a user must not touch it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # Who acted, as text that survives the user's deletion: an email or "api-key:<prefix>".
    actor_label = models.CharField(max_length=254, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_org_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("audit events are append-only")

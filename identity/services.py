"""Identity writes: organisations, keys, members, API keys and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from identity.keys import KeyType
from identity.models import ApiKey, AuditEvent, Membership, Organisation, OrgKey
from identity.signing import key_store

KEY_TYPES = {"Ed25519": KeyType.ED25519, "P-256": KeyType.P256}
_LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 512 * 1024


class Actor:
    """Who does something, as the audit log records it."""

    def __init__(self, *, user: AbstractBaseUser | None = None, label: str = "", address: str | None = None) -> None:
        self.user = user if user is not None and user.is_authenticated else None
        self.label = label or (getattr(self.user, "email", "") or str(getattr(self.user, "pk", ""))) or "system"
        self.address = address

    @classmethod
    def system(cls) -> Actor:
        """The platform itself (management commands, the worker)."""
        return cls(label="system")


def audit_record(
    *,
    organisation: Organisation,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the organisation's audit log."""
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor.user,
        actor_label=actor.label[:254],
        address=actor.address,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:128],
        details=details or {},
    )


def logo_check(data: bytes) -> str:
    """The MIME type of a logo image, or ValueError if it is not a small PNG or JPEG."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(f"the logo must be at most {MAX_LOGO_BYTES // 1024} KiB")
    for magic, mime in _LOGO_TYPES.items():
        if data.startswith(magic):
            return mime
    raise ValueError("the logo must be a PNG or JPEG image")


@transaction.atomic
def organisation_create(
    *,
    slug: str,
    name_en: str,
    name_zh: str,
    homepage: str = "",
    logo: bytes = b"",
    key_type: str = "Ed25519",
    actor: Actor | None = None,
) -> Organisation:
    """Create an organisation with its first signing key (and so its DID)."""
    organisation = Organisation(slug=slug, name_en=name_en, name_zh=name_zh, homepage=homepage)
    if logo:
        organisation.logo_type = logo_check(logo)
        organisation.logo = logo
    organisation.full_clean()
    organisation.save()
    actor = actor or Actor.system()
    audit_record(organisation=organisation, actor=actor, action="organisation.create", object_type="organisation", object_id=slug)
    org_key_create(organisation=organisation, key_type=key_type, actor=actor)
    return organisation


def _next_fragment(organisation: Organisation) -> str:
    used = set(OrgKey.objects.filter(organisation=organisation).values_list("fragment", flat=True))
    n = len(used) + 1
    while f"key-{n}" in used:
        n += 1
    return f"key-{n}"


@transaction.atomic
def org_key_create(*, organisation: Organisation, key_type: str = "Ed25519", actor: Actor | None = None) -> OrgKey:
    """Generate a new signing key and make it the organisation's assertion key.

    The previous active key is retired, not removed: it stays in the DID document
    so that credentials it signed keep verifying.
    """
    if key_type not in KEY_TYPES:
        raise ValueError(f"key type must be one of {', '.join(KEY_TYPES)}")
    # Lock the organisation row: two rotations at once must not both retire and create.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    now = timezone.now()
    previous = list(OrgKey.objects.filter(organisation=organisation, status=OrgKey.Status.ACTIVE))
    OrgKey.objects.filter(pk__in=[k.pk for k in previous]).update(status=OrgKey.Status.RETIRED, retired_at=now)
    key = OrgKey(organisation=organisation, fragment=_next_fragment(organisation), key_type=key_type, created_at=now)
    key.public_multibase = key_store().create(key=key, key_type=KEY_TYPES[key_type])
    key.save()
    audit_record(
        organisation=organisation,
        actor=actor or Actor.system(),
        action="key.create" if not previous else "key.rotate",
        object_type="key",
        object_id=key.fragment,
        details={"keyType": key_type, "retired": [k.fragment for k in previous]},
    )
    return key


@transaction.atomic
def org_key_mark_compromised(
    *, organisation: Organisation, fragment: str, at: datetime | None = None, actor: Actor | None = None
) -> OrgKey:
    """Record that a key was compromised (from ``at``, default now).

    A compromised key leaves the DID document's assertionMethod, so nothing it
    signed verifies any more; if it was the issuing key a new one replaces it.
    """
    key = OrgKey.objects.select_for_update().get(organisation=organisation, fragment=fragment)
    if key.status == OrgKey.Status.COMPROMISED:
        return key
    was_active = key.status == OrgKey.Status.ACTIVE
    key.status = OrgKey.Status.COMPROMISED
    key.compromised_at = at or timezone.now()
    key.save(update_fields=["status", "compromised_at"])
    audit_record(
        organisation=organisation,
        actor=actor or Actor.system(),
        action="key.compromised",
        object_type="key",
        object_id=fragment,
        details={"compromisedAt": key.compromised_at.isoformat()},
    )
    if was_active:
        org_key_create(organisation=organisation, key_type=key.key_type, actor=actor)
    return key


@transaction.atomic
def membership_set(
    *, organisation: Organisation, user: AbstractBaseUser, role: str, actor: Actor | None = None
) -> Membership:
    """Give ``user`` ``role`` in the organisation (adding or changing their membership)."""
    if role not in Membership.Role.values:
        raise ValueError(f"role must be one of {', '.join(Membership.Role.values)}")
    membership, _created = Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    audit_record(
        organisation=organisation,
        actor=actor or Actor.system(),
        action="member.set",
        object_type="user",
        object_id=str(user.pk),
        details={"role": role, "email": getattr(user, "email", "")},
    )
    return membership


@transaction.atomic
def membership_remove(*, organisation: Organisation, user: AbstractBaseUser, actor: Actor | None = None) -> None:
    """Remove ``user`` from the organisation."""
    Membership.objects.filter(organisation=organisation, user=user).delete()
    audit_record(
        organisation=organisation, actor=actor or Actor.system(), action="member.remove", object_type="user", object_id=str(user.pk)
    )


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@transaction.atomic
def api_key_create(
    *, organisation: Organisation, name: str, scopes: Iterable[str], actor: Actor | None = None
) -> tuple[ApiKey, str]:
    """Create an API key; returns the row and the token, which is never shown again."""
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {', '.join(ApiKey.Scope.values)}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organisation=organisation,
        name=name[:100],
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        scopes=scopes,
        created_by=actor.user if actor else None,
    )
    audit_record(
        organisation=organisation,
        actor=actor or Actor.system(),
        action="apikey.create",
        object_type="apikey",
        object_id=prefix,
        details={"name": key.name, "scopes": scopes},
    )
    return key, f"lz_{prefix}_{secret}"


def api_key_authenticate(*, token: str) -> ApiKey | None:
    """The live API key a token belongs to, or None (same answer for every failure)."""
    parts = token.split("_", 2) if isinstance(token, str) and len(token) < 200 else []
    if len(parts) != 3 or parts[0] != "lz":
        return None
    key = ApiKey.objects.select_related("organisation").filter(prefix=parts[1], revoked_at__isnull=True).first()
    expected = key.secret_hash if key else _hash_secret("x" * 43)
    if not hmac.compare_digest(expected, _hash_secret(parts[2])) or key is None:
        return None
    # At most one write a minute per key: the timestamp is informative only.
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@transaction.atomic
def api_key_revoke(*, organisation: Organisation, prefix: str, actor: Actor | None = None) -> None:
    """Revoke an organisation's API key (idempotent)."""
    updated = ApiKey.objects.filter(organisation=organisation, prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(
            organisation=organisation, actor=actor or Actor.system(), action="apikey.revoke", object_type="apikey", object_id=prefix
        )


def platform_did_host() -> tuple[str, int | None]:
    """The host (and port, if not the scheme's default) of the platform's public URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.PUBLIC_URL)
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname or "localhost", (parts.port if parts.port and parts.port != default else None)


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    actor: Actor,
    name_en: str,
    name_zh: str,
    homepage: str,
    logo: tuple[bytes, str] | None = None,
    remove_logo: bool = False,
) -> Organisation:
    """Change an organisation's names, home page and logo, and log what changed.

    The slug is not changeable: it is part of the DID, which credentials name.
    """
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = [
        name
        for name, value in (("name_en", name_en), ("name_zh", name_zh), ("homepage", homepage))
        if getattr(locked, name) != value
    ]
    locked.name_en, locked.name_zh, locked.homepage = name_en, name_zh, homepage
    if logo is not None:
        locked.logo, locked.logo_type = logo
        changed.append("logo")
    elif remove_logo and locked.logo_type:
        locked.logo, locked.logo_type = b"", ""
        changed.append("logo")
    locked.full_clean()
    locked.save()
    if changed:
        audit_record(
            organisation=locked, actor=actor, action="organisation.update", object_type="organisation", object_id=locked.slug,
            details={"changed": changed},
        )
    return locked

"""Credential services: verification through the pure pipeline (issuance lives in credentials.issuance)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from credentials import diplomas
from credentials.bulk import bulk_insert
from credentials.models import Batch, ClaimLink, Credential, CredentialTemplate, StatusList
from credentials.vc import model as vc_model
from credentials.vc import status as vc_status
from credentials.vc import verify as vc_verify
from credentials.vc.digest import credential_digest
from credentials.vc.suites import add_proof
from identity.models import Organisation, OrgKey
from identity.selectors import did_resolver, organisation_did, organisation_signer
from identity.services import Actor, audit_record

if TYPE_CHECKING:
    from credentials.vc.statusfetch import RemoteStatusLists


def hosted_status_lists() -> Mapping[str, Any]:
    """Status list credentials this platform publishes, by URL, read lazily from the
    database, so that the platform never fetches its own lists."""
    from credentials.selectors import HostedStatusLists

    return HostedStatusLists()


@lru_cache(maxsize=1)
def status_lists() -> RemoteStatusLists:
    """The process-wide status list source: hosted lists first, then fetched.

    Foreign lists are fetched over guarded HTTPS (public addresses only, no
    redirects, 3 s, 1 MiB) and kept five minutes (less if the list's ``ttl``
    says so); failures are kept thirty seconds. A list that cannot be fetched
    fails the status check: a revoked credential must not verify because its
    issuer's host is down or blocked.
    """
    from credentials.vc.statusfetch import RemoteStatusLists, StatusListFetcher

    return RemoteStatusLists(StatusListFetcher(), local=hosted_status_lists())


def credential_verify(
    *, credential: dict | str, checks: Sequence[str] | None = None, now: datetime | None = None
) -> vc_verify.VerificationResult:
    """Verify a credential with the platform's DID resolver and status lists.

    Raises ``VCError`` only when the input is not a credential at all; every other
    problem is a failed check in the result.
    """
    return vc_verify.verify_credential(
        credential,
        resolver=did_resolver(),
        checks=checks,
        status_lists=status_lists(),
        now=now or timezone.now(),
    )


def presentation_verify(
    *,
    presentation: dict | str,
    challenge: str | None = None,
    domain: str | None = None,
    checks: Sequence[str] | None = None,
    now: datetime | None = None,
) -> vc_verify.VerificationResult:
    """Verify a presentation and the credentials it carries."""
    return vc_verify.verify_presentation(
        presentation,
        resolver=did_resolver(),
        challenge=challenge,
        domain=domain,
        checks=checks,
        status_lists=status_lists(),
        now=now or timezone.now(),
    )


# --------------------------------------------------------------------------- issuance


class IssueError(Exception):
    """Issuance refused: the recipient fields are invalid, or the template cannot issue."""

    def __init__(self, code: str, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.errors = errors or []


# The same canonicalisation with the other key family: a template names a suite, and
# a key rotation from Ed25519 to P-256 (or back) keeps its canonicalisation.
_SUITE_FOR_KEY = {
    ("eddsa-rdfc-2022", "P-256"): "ecdsa-rdfc-2019",
    ("eddsa-jcs-2022", "P-256"): "ecdsa-jcs-2019",
    ("ecdsa-rdfc-2019", "Ed25519"): "eddsa-rdfc-2022",
    ("ecdsa-jcs-2019", "Ed25519"): "eddsa-jcs-2022",
}


def suite_for_key(suite: str, key_type: str) -> str:
    """The cryptosuite to sign with: ``suite``, or its twin for the signer's key type."""
    return _SUITE_FOR_KEY.get((suite, key_type), suite)


def new_public_id() -> str:
    """An opaque identifier with 128 random bits (22 characters, URL-safe).

    It never starts with ``-`` or ``_``: such an id would read as an option on a
    command line and as a formula in a spreadsheet (the results CSV would have to
    prefix it with an apostrophe).
    """
    while True:
        value = secrets.token_urlsafe(16)
        if value[0].isalnum():
            return value


def verification_url(public_id: str) -> str:
    """The public page that shows a credential and the result of verifying it."""
    return f"{settings.PUBLIC_URL}/v/{public_id}"


def status_list_url(status_list: StatusList) -> str:
    """Where a status list credential is published."""
    return f"{settings.PUBLIC_URL}/orgs/{status_list.organisation.slug}/status/{status_list.public_id}"


def _status_list_new(organisation: Organisation, purpose: str) -> StatusList:
    size = vc_status.MIN_ENTRIES
    return StatusList.objects.create(
        organisation=organisation,
        purpose=purpose,
        public_id=new_public_id(),
        size=size,
        bits=bytes(vc_status.new_bitstring(size)),
    )


def _permute(status_list: StatusList, n: int) -> int:
    """The n-th index handed out by a list: a keyed permutation of 0..size-1.

    Indexes in issuance order would let anyone holding two credentials estimate
    when, and how many, others were issued between them; the spec recommends
    random assignment. ``size`` is a power of two, so ``a`` odd makes this a
    bijection; ``a`` and ``b`` come from the list's random public id.
    """
    seed = hashlib.sha256(status_list.public_id.encode()).digest()
    a = int.from_bytes(seed[:8], "big") | 1
    b = int.from_bytes(seed[8:16], "big")
    return (a * n + b) % status_list.size


def status_indexes_allocate(*, organisation: Organisation, purpose: str, count: int) -> list[tuple[StatusList, int]]:
    """Reserve ``count`` fresh status-list positions (call inside a transaction).

    The list rows are locked (in pk order) while their counter moves, so two
    issuers never get the same position; a full list is followed by a new one.
    """
    allocated: list[tuple[StatusList, int]] = []
    while len(allocated) < count:
        current = (
            StatusList.objects.select_for_update()
            .filter(organisation=organisation, purpose=purpose, next_index__lt=F("size"))
            .order_by("pk")
            .first()
        )
        if current is None:
            current = _status_list_new(organisation, purpose)
            current = StatusList.objects.select_for_update().get(pk=current.pk)
        take = min(count - len(allocated), current.size - current.next_index)
        start = current.next_index
        current.next_index = start + take
        current.save(update_fields=["next_index"])
        allocated.extend((current, _permute(current, n)) for n in range(start, start + take))
    return allocated


def _issuer_of(organisation: Organisation) -> diplomas.Issuer:
    name = organisation.name_en if not organisation.name_zh else f"{organisation.name_zh} / {organisation.name_en}"
    return diplomas.Issuer(id=organisation_did(organisation), name=name, url=organisation.homepage)


def _achievement_of(template: CredentialTemplate) -> diplomas.Achievement:
    name = template.name_en if not template.name_zh else f"{template.name_zh} / {template.name_en}"
    return diplomas.Achievement(
        id=f"{settings.PUBLIC_URL}/orgs/{template.organisation.slug}/achievements/{template.slug}",
        kind=template.kind,
        name=name,
        description=template.description,
        criteria=template.criteria,
        degree_type=template.degree_type,
        field_of_study=template.field_of_study,
    )


def _status_entry(status_list: StatusList, index: int) -> dict[str, Any]:
    url = status_list_url(status_list)
    return {
        "id": f"{url}#{index}",
        "type": vc_status.ENTRY_TYPE,
        "statusPurpose": status_list.purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def credential_preview(*, template: CredentialTemplate, recipient: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The unsigned credential a recipient would get (nothing is stored or reserved)."""
    now = now or timezone.now()
    fields, errors = diplomas.recipient_validate(recipient, today=now.date())
    if errors:
        raise IssueError("MALFORMED_VALUE_ERROR", "the recipient fields are invalid", [e.as_dict() for e in errors])
    return diplomas.achievement_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000000",
        issuer=_issuer_of(template.organisation),
        achievement=_achievement_of(template),
        recipient=fields,
        valid_from=vc_model.format_datetime(now),
        status_entries=[],
    )


@dataclass
class Issued:
    """One issuance outcome: the credential, and whether it already existed."""

    credential: Credential
    existed: bool


def credentials_issue(
    *,
    template: CredentialTemplate,
    recipients: Sequence[dict[str, str]],
    actor: Actor,
    batch: Batch | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> list[Issued]:
    """Issue one credential per (already validated) recipient, in one transaction.

    Idempotent by student number and template: a recipient who already has this
    template's credential gets the existing one back (``existed``), and nothing is
    signed or stored twice. Each new credential gets a revocation and a suspension
    status entry, is signed with the organisation's issuing key, and is stored with
    its anchoring leaf in the same transaction; holders with an email get a claim
    link after commit.
    """
    if not template.active:
        raise IssueError("TEMPLATE_INACTIVE", "this template is not active")
    now = (now or timezone.now()).replace(microsecond=0)
    organisation = template.organisation
    with transaction.atomic():
        numbers = [r["student_number"] for r in recipients]
        if len(set(numbers)) != len(numbers):
            raise IssueError("DUPLICATE_ROW", "a student number appears twice")
        existing = {c.student_number: c for c in Credential.objects.filter(template=template, student_number__in=numbers)}
        fresh = [r for r in recipients if r["student_number"] not in existing]
        created: dict[str, Credential] = {}
        if fresh:
            # Hold the issuing key's row until commit: marking it compromised (or
            # rotating) waits for this chunk, so a chunk never commits credentials
            # signed by a key that was already declared compromised when it started.
            list(OrgKey.objects.select_for_update().filter(organisation=organisation, status=OrgKey.Status.ACTIVE).values_list("pk"))
            signer = organisation_signer(organisation)
            suite = suite_for_key(template.suite, signer.key_type.value)
            issuer = _issuer_of(organisation)
            achievement = _achievement_of(template)
            revocation = status_indexes_allocate(organisation=organisation, purpose="revocation", count=len(fresh))
            suspension = status_indexes_allocate(organisation=organisation, purpose="suspension", count=len(fresh))
            valid_from = vc_model.format_datetime(now)
            rows: list[Credential] = []
            leaves: list[tuple[str, bytes]] = []
            for recipient, (rev_list, rev_index), (sus_list, sus_index) in zip(fresh, revocation, suspension):
                document = diplomas.achievement_credential(
                    credential_id=f"urn:uuid:{uuid.uuid4()}",
                    issuer=issuer,
                    achievement=achievement,
                    recipient=recipient,
                    valid_from=valid_from,
                    status_entries=[_status_entry(rev_list, rev_index), _status_entry(sus_list, sus_index)],
                    holder=recipient.get("holder_did"),
                )
                signed = add_proof(document, signer=signer, cryptosuite=suite, created=valid_from)
                credential = Credential(
                    public_id=new_public_id(),
                    organisation=organisation,
                    template=template,
                    batch=batch,
                    student_number=recipient["student_number"],
                    recipient_name=recipient["name"],
                    recipient_email=recipient.get("email", ""),
                    subject=recipient,
                    document=signed,
                    revocation_list=rev_list,
                    revocation_index=rev_index,
                    suspension_list=sus_list,
                    suspension_index=sus_index,
                    issued_at=now,
                    issued_by_label=actor.label[:254],
                    idempotency_key=idempotency_key if len(fresh) == 1 else None,
                )
                rows.append(credential)
                leaves.append((credential.public_id, credential_digest(signed)))
            from anchoring.services import anchor_leaves_enqueue

            bulk_insert(Credential, rows)
            anchor_leaves_enqueue(leaves=leaves)
            created = {c.student_number: c for c in rows}
            audit_record(
                organisation=organisation,
                actor=actor,
                action="credential.issue",
                object_type="batch" if batch is not None else "credential",
                object_id=batch.public_id if batch is not None else rows[0].public_id,
                details={"template": template.slug, "count": len(rows)}
                if batch is not None
                else {"template": template.slug, "studentNumber": rows[0].student_number},
            )
            if notify:
                with_email = [c.pk for c in rows if c.recipient_email]
                if with_email:
                    transaction.on_commit(lambda: _claim_links_send_later(with_email))
    out: list[Issued] = []
    for recipient in recipients:
        number = recipient["student_number"]
        if number in created:
            out.append(Issued(created[number], existed=False))
        else:
            out.append(Issued(existing[number], existed=True))
    return out


def credential_issue(
    *,
    template: CredentialTemplate,
    recipient: dict[str, Any],
    actor: Actor,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Issued:
    """Validate and issue one credential (see :func:`credentials_issue`).

    With an ``idempotency_key``, a repeated request returns the credential the
    first one issued, whatever its body; the same student and template without a
    key also returns the existing credential.
    """
    now = now or timezone.now()
    if idempotency_key is not None:
        earlier = Credential.objects.filter(organisation=template.organisation, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return Issued(earlier, existed=True)
    fields, errors = diplomas.recipient_validate(recipient, today=now.date())
    if errors:
        raise IssueError("MALFORMED_VALUE_ERROR", "the recipient fields are invalid", [e.as_dict() for e in errors])
    try:
        return credentials_issue(template=template, recipients=[fields], actor=actor, idempotency_key=idempotency_key, now=now)[0]
    except IntegrityError:
        # A concurrent request with the same key or student won the race: return its credential.
        found = Credential.objects.filter(template=template, student_number=fields["student_number"]).first()
        if found is None and idempotency_key is not None:
            found = Credential.objects.filter(organisation=template.organisation, idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return Issued(found, existed=True)


def credential_anchor_verify(*, credential: Credential) -> list[dict[str, Any]]:
    """Check the credential's anchor on every configured chain, recomputing its digest
    from the stored document (see anchoring.selectors.anchor_verify)."""
    from anchoring.selectors import anchor_verify

    return anchor_verify(ref=credential.public_id, digest=credential_digest(credential.document))


# --------------------------------------------------------------------------- status changes


_TRANSITIONS = {
    # action: (list attribute, index attribute, bit value, allowed from, new status)
    "revoke": ("revocation_list", "revocation_index", 1, {"active", "suspended"}, Credential.Status.REVOKED),
    "suspend": ("suspension_list", "suspension_index", 1, {"active"}, Credential.Status.SUSPENDED),
    "reinstate": ("suspension_list", "suspension_index", 0, {"suspended"}, Credential.Status.ACTIVE),
}


def credential_status_change(*, credential: Credential, action: str, actor: Actor, reason: str = "") -> Credential:
    """Revoke, suspend or reinstate a credential: flips its bit and republishes the list.

    Revocation is final. Repeating a change that already happened does nothing.
    """
    if action not in _TRANSITIONS:
        raise ValueError(f"unknown status action {action!r}")
    list_attr, index_attr, value, allowed, new_status = _TRANSITIONS[action]
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.status == new_status:
            return locked
        if locked.status not in allowed:
            raise IssueError("INVALID_STATUS_CHANGE", f"a {locked.status} credential cannot be changed by {action}")
        status_list = StatusList.objects.select_for_update().get(pk=getattr(locked, f"{list_attr}_id"))
        bits = bytearray(status_list.bits)
        vc_status.set_status(bits, getattr(locked, index_attr), value)
        status_list.bits = bytes(bits)
        status_list.version += 1
        status_list.save(update_fields=["bits", "version"])
        # Suspension and revocation are independent bits: revoking a suspended
        # credential leaves it suspended on the list too, which is harmless.
        locked.status = new_status
        locked.save(update_fields=["status"])
        audit_record(
            organisation=locked.organisation,
            actor=actor,
            action=f"credential.{action}",
            object_type="credential",
            object_id=locked.public_id,
            details={"reason": reason[:500]} if reason else {},
        )
    return locked


def _signed_by(document: dict[str, Any] | None, verification_method: str) -> bool:
    proof = document.get("proof") if isinstance(document, dict) else None
    return isinstance(proof, dict) and proof.get("verificationMethod") == verification_method


def status_list_document(*, status_list: StatusList) -> dict[str, Any]:
    """The signed status list credential, re-signed when a bit has changed or the
    issuing key has (a list signed by a since-compromised key verifies no more,
    and would fail the status check of every credential that points to it)."""
    from identity.selectors import organisation_active_key

    key = organisation_active_key(status_list.organisation)
    method = f"{organisation_did(status_list.organisation)}#{key.fragment}"
    if status_list.document_version == status_list.version and _signed_by(status_list.document, method):
        return status_list.document  # type: ignore[return-value]
    with transaction.atomic():
        locked = StatusList.objects.select_for_update().select_related("organisation").get(pk=status_list.pk)
        if locked.document_version == locked.version and _signed_by(locked.document, method):
            return locked.document  # type: ignore[return-value]
        unsigned = vc_status.build_status_list_credential(
            list_id=status_list_url(locked),
            issuer=organisation_did(locked.organisation),
            purpose=locked.purpose,
            bits=bytes(locked.bits),
            # The list is valid from its creation; its ttl says how fresh a copy is.
            # (Signing time would race a verification that started a moment
            # before the list was lazily re-signed: "not valid before".)
            valid_from=vc_model.format_datetime(locked.created_at.replace(microsecond=0)),
            ttl=300_000,
        )
        signer = organisation_signer(locked.organisation)
        signed = add_proof(unsigned, signer=signer, cryptosuite=suite_for_key("eddsa-rdfc-2022", signer.key_type.value))
        locked.document = signed
        locked.document_version = locked.version
        locked.save(update_fields=["document", "document_version"])
        return signed


# --------------------------------------------------------------------------- claim links


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def claim_url(token: str) -> str:
    """The capability URL a holder opens to get their credential."""
    return f"{settings.PUBLIC_URL}/claim/{token}"


def claim_link_create(*, credential: Credential, email: str | None = None, now: datetime | None = None) -> tuple[ClaimLink, str]:
    """A new claim link (older ones for the credential stop working); returns the row and token."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        ClaimLink.objects.filter(credential=credential, superseded=False).update(superseded=True)
        link = ClaimLink.objects.create(
            credential=credential,
            token_hash=_token_hash(token),
            email=email or credential.recipient_email,
            created_at=now,
            expires_at=now + timedelta(days=settings.CLAIM_LINK_DAYS),
        )
    return link, token


def claim_link_send(*, credential: Credential, actor: Actor | None = None, email: str | None = None) -> ClaimLink:
    """Create a claim link and email it to the holder (re-sending replaces the old link)."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    address = email or credential.recipient_email
    if not address:
        raise IssueError("NO_EMAIL", "this credential has no holder email address")
    link, token = claim_link_create(credential=credential, email=address)
    organisation = credential.organisation
    with translation.override("zh-hans"):
        zh = render_to_string("credentials/email/claim.txt", {"credential": credential, "url": claim_url(token), "link": link, "organisation_name": organisation.display_name("zh-hans"), "template_name": credential.template.name_zh or credential.template.name_en})
    with translation.override("en"):
        en = render_to_string("credentials/email/claim.txt", {"credential": credential, "url": claim_url(token), "link": link, "organisation_name": organisation.display_name("en"), "template_name": credential.template.name_en})
    send_mail(
        subject=f"{organisation.display_name('zh-hans')} / {organisation.display_name('en')}: 您的凭证 Your credential",
        message=zh + "\n\n----\n\n" + en,
        from_email=None,
        recipient_list=[address],
    )
    ClaimLink.objects.filter(pk=link.pk).update(sent_at=timezone.now())
    if actor is not None:
        audit_record(organisation=organisation, actor=actor, action="credential.claim_link_sent", object_type="credential", object_id=credential.public_id)
    return link


def claim_link_open(*, token: str, now: datetime | None = None) -> Credential | None:
    """The credential a claim token opens, or None if it is unknown, replaced or expired."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = now or timezone.now()
    link = ClaimLink.objects.select_related("credential", "credential__organisation").filter(token_hash=_token_hash(token)).first()
    if link is None or link.superseded or link.expires_at <= now:
        return None
    if link.opened_at is None:
        ClaimLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)
    return link.credential


def _claim_links_send_later(credential_ids: list[int]) -> None:
    from credentials.tasks import claim_links_send

    claim_links_send.delay(credential_ids)


def claim_links_send_for(*, credential_ids: Sequence[int]) -> int:
    """Send a claim link to every listed credential's holder that has none yet (idempotent)."""
    sent = 0
    for credential in Credential.objects.filter(pk__in=credential_ids).exclude(recipient_email="").select_related("organisation"):
        if ClaimLink.objects.filter(credential=credential, sent_at__isnull=False).exists():
            continue
        claim_link_send(credential=credential)
        sent += 1
    return sent


# --------------------------------------------------------------------------- templates and onboarding

DEFAULT_TEMPLATES: list[dict[str, str]] = [
    {
        "slug": "bachelor",
        "kind": "bachelor",
        "name_en": "Bachelor's Degree",
        "name_zh": "学士学位",
        "description": "Awarded on completion of an undergraduate programme of study.",
        "criteria": "Completion of all required courses and credits of the programme, and a graduation thesis.",
        "degree_type": "Bachelor",
    },
    {
        "slug": "master",
        "kind": "master",
        "name_en": "Master's Degree",
        "name_zh": "硕士学位",
        "description": "Awarded on completion of a postgraduate master's programme.",
        "criteria": "Completion of the required coursework and a successful thesis defence.",
        "degree_type": "Master",
    },
    {
        "slug": "doctor",
        "kind": "doctor",
        "name_en": "Doctoral Degree",
        "name_zh": "博士学位",
        "description": "Awarded for original research that advances its field.",
        "criteria": "A doctoral dissertation accepted after a public defence.",
        "degree_type": "Doctor",
    },
    {
        "slug": "degree-certificate",
        "kind": "degree_certificate",
        "name_en": "Degree Certificate",
        "name_zh": "学位证书",
        "description": "Certifies the award of an academic degree.",
        "criteria": "Award of the degree by the university's degree committee.",
        "degree_type": "Degree",
    },
]


def template_create(
    *,
    organisation: Organisation,
    slug: str,
    kind: str,
    name_en: str,
    name_zh: str,
    description: str,
    criteria: str,
    degree_type: str,
    field_of_study: str = "",
    suite: str = "",
    is_default: bool = False,
    actor: Actor | None = None,
) -> CredentialTemplate:
    """Create a diploma template (the organisation's key type picks the default suite)."""
    from identity.selectors import organisation_active_key

    if not suite:
        suite = "eddsa-rdfc-2022" if organisation_active_key(organisation).key_type == "Ed25519" else "ecdsa-rdfc-2019"
    with transaction.atomic():
        if is_default:
            CredentialTemplate.objects.filter(organisation=organisation, is_default=True).update(is_default=False)
        template = CredentialTemplate(
            organisation=organisation,
            slug=slug,
            kind=kind,
            name_en=name_en,
            name_zh=name_zh,
            description=description,
            criteria=criteria,
            degree_type=degree_type,
            field_of_study=field_of_study,
            suite=suite,
            is_default=is_default,
        )
        template.full_clean()
        template.save()
        audit_record(
            organisation=organisation, actor=actor or Actor.system(), action="template.create", object_type="template", object_id=slug
        )
    return template


@transaction.atomic
def organisation_onboard(
    *,
    slug: str,
    name_en: str,
    name_zh: str,
    homepage: str = "",
    logo: bytes = b"",
    key_type: str = "Ed25519",
    actor: Actor | None = None,
) -> Organisation:
    """Create an organisation, its key and DID, and its four starting templates."""
    from identity.services import organisation_create

    organisation = organisation_create(
        slug=slug, name_en=name_en, name_zh=name_zh, homepage=homepage, logo=logo, key_type=key_type, actor=actor
    )
    for n, spec in enumerate(DEFAULT_TEMPLATES):
        template_create(organisation=organisation, is_default=n == 0, actor=actor, **spec)
    return organisation


def template_update(*, template: CredentialTemplate, actor: Actor, **fields: Any) -> CredentialTemplate:
    """Change a template's text and switches (credentials already issued keep what they say)."""
    changed = sorted(k for k, v in fields.items() if getattr(template, k) != v)
    with transaction.atomic():
        if fields.get("is_default"):
            CredentialTemplate.objects.filter(organisation=template.organisation, is_default=True).exclude(pk=template.pk).update(
                is_default=False
            )
        for name, value in fields.items():
            setattr(template, name, value)
        template.full_clean()
        template.save()
        if changed:
            audit_record(
                organisation=template.organisation,
                actor=actor,
                action="template.update",
                object_type="template",
                object_id=template.slug,
                details={"changed": changed},
            )
    return template

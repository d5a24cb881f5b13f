"""Credential templates, issued credentials, status lists, batches and claim links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import Organisation


class CredentialTemplate(models.Model):
    """An organisation's Open Badges 3.0 achievement: what every credential of it says.

    ``kind`` selects the recipient-field schema (credentials.templates); the
    achievement fields are the organisation's own text.
    """

    class Kind(models.TextChoices):
        BACHELOR = "bachelor", _("Bachelor's degree diploma")
        MASTER = "master", _("Master's degree diploma")
        DOCTOR = "doctor", _("Doctoral degree diploma")
        DEGREE_CERTIFICATE = "degree_certificate", _("Degree certificate")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="templates")
    slug = models.SlugField(max_length=63)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    description = models.TextField(_("description"))
    criteria = models.TextField(_("criteria"))
    degree_type = models.CharField(_("degree type"), max_length=100)
    field_of_study = models.CharField(_("field of study"), max_length=200, blank=True)
    suite = models.CharField(max_length=32, default="eddsa-rdfc-2022")
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation_id", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="template_unique_slug"),
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(is_default=True), name="template_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.slug}/{self.slug}"


class StatusList(models.Model):
    """One Bitstring Status List of an organisation (revocation or suspension).

    ``bits`` holds the raw bitstring; its signed credential is cached in
    ``document`` and rebuilt whenever a bit changes (``version``).
    """

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("revocation")
        SUSPENSION = "suspension", _("suspension")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    public_id = models.CharField(max_length=32, unique=True)
    size = models.PositiveIntegerField(default=131072)
    next_index = models.PositiveIntegerField(default=0)
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=0)
    document = models.JSONField(null=True, blank=True)
    document_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation_id", "purpose", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation.slug}/{self.purpose}/{self.public_id}"


class Batch(models.Model):
    """A batch issuance: validated rows, then issued by the worker."""

    class State(models.TextChoices):
        INVALID = "invalid", _("has errors")
        READY = "ready", _("validated")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("issuing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="batches")
    template = models.ForeignKey(CredentialTemplate, on_delete=models.PROTECT, related_name="batches")
    public_id = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by_label = models.CharField(max_length=254, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.READY)
    only_valid = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    issued_rows = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    # File-level problems (encoding, header); row problems live on the rows.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.public_id


class Credential(models.Model):
    """An issued credential: the signed document and what the portal needs to find it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        REVOKED = "revoked", _("revoked")

    # Opaque (≥128 random bits): the public verification URL and the anchoring leaf use it.
    public_id = models.CharField(max_length=32, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="credentials")
    template = models.ForeignKey(CredentialTemplate, on_delete=models.PROTECT, related_name="credentials")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="credentials")
    student_number = models.CharField(max_length=64)
    recipient_name = models.CharField(max_length=200)
    recipient_email = models.EmailField(blank=True)
    subject = models.JSONField()
    document = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    revocation_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    revocation_index = models.PositiveIntegerField()
    suspension_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    suspension_index = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now, db_index=True)
    issued_by_label = models.CharField(max_length=254, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # One credential per student and template: re-uploading a file issues nothing twice.
            models.UniqueConstraint(fields=["template", "student_number"], name="credential_unique_student_template"),
            models.UniqueConstraint(fields=["organisation", "idempotency_key"], name="credential_unique_idempotency"),
            models.UniqueConstraint(fields=["revocation_list", "revocation_index"], name="credential_unique_rev_index"),
            models.UniqueConstraint(fields=["suspension_list", "suspension_index"], name="credential_unique_sus_index"),
        ]
        indexes = [models.Index(fields=["organisation", "-issued_at"], name="credential_org_issued")]

    def __str__(self) -> str:
        return self.public_id


class BatchRow(models.Model):
    """One row of a batch: its validated fields, its errors, and what it produced."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    errors = models.JSONField(default=list, blank=True)
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # True when the row's credential already existed (issued earlier, by any batch).
    existed = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch_id", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="batchrow_unique_number")]


class ClaimLink(models.Model):
    """A capability URL that lets the holder fetch their credential.

    Only a SHA-256 of the token is stored; the token itself goes out in the email.
    """

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="claim_links")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

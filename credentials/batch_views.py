"""Portal pages for CSV batches: upload, validation report, start, live progress, results."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anchoring.selectors import anchor_status_for_refs
from credentials import batches, diplomas
from credentials.models import Batch, BatchRow, Credential
from credentials.selectors import batch_get_for_org, batch_list_for_org, template_get_for_org, template_list_for_org
from credentials.services import IssueError
from identity.access import ISSUE, VIEW, organisation_for
from identity.models import Organisation
from identity.services import Actor

# Row and field messages (credentials.diplomas, credentials.batches) as people read them.
ROW_MESSAGES = {
    diplomas.ERROR_REQUIRED: gettext_lazy("required"),
    diplomas.ERROR_INVALID: gettext_lazy("invalid value"),
    diplomas.ERROR_UNKNOWN: gettext_lazy("unknown field"),
    diplomas.ERROR_DATE: gettext_lazy("not a valid date (YYYY-MM-DD)"),
    diplomas.ERROR_FUTURE: gettext_lazy("date is in the future"),
    diplomas.ERROR_CONTROL: gettext_lazy("contains control characters"),
    batches.ROW_DUPLICATE: gettext_lazy("duplicate student number in this file"),
    batches.ROW_CELLS: gettext_lazy("wrong number of cells"),
}

FILE_MESSAGES = {
    batches.ERROR_ENCODING: gettext_lazy("The file is not UTF-8 text. In Excel choose “Save as… CSV UTF-8 (comma delimited)”."),
    batches.ERROR_EMPTY: gettext_lazy("The file is empty."),
    batches.ERROR_NO_ROWS: gettext_lazy("The file has a header row but no rows."),
    batches.ERROR_MISSING_COLUMNS: gettext_lazy("Missing columns: %(columns)s."),
    batches.ERROR_UNKNOWN_COLUMNS: gettext_lazy("Unknown columns: %(columns)s."),
    batches.ERROR_DUPLICATE_COLUMNS: gettext_lazy("Duplicate columns: %(columns)s."),
    batches.ERROR_TOO_MANY_ROWS: gettext_lazy("The file has more than %(max)s rows; split it into several batches."),
    batches.ERROR_TOO_LARGE: gettext_lazy("The file is larger than %(max)s bytes."),
    batches.ERROR_NOT_CSV: gettext_lazy("This is not a CSV text file."),
    batches.ERROR_STOPPED: gettext_lazy("Issuing stopped (%(error)s). Start the batch again to resume where it stopped."),
}

FIELD_LABELS = {
    "student_number": gettext_lazy("student number"),
    "name": gettext_lazy("name"),
    "major": gettext_lazy("major"),
    "honours": gettext_lazy("honours"),
    "gpa": gettext_lazy("GPA"),
    "date_of_award": gettext_lazy("date of award"),
    "date_of_birth": gettext_lazy("date of birth"),
    "email": gettext_lazy("email"),
    "": gettext_lazy("row"),
}

ROWS_PER_PAGE = 200


def file_error_text(error: dict[str, Any]) -> str:
    """A file-level batch error as a sentence in the current language."""
    message = FILE_MESSAGES.get(error.get("code", ""))
    if message is None:
        return str(error.get("message", ""))
    params = {k: v for k, v in (error.get("params") or {}).items()}
    try:
        return str(message) % params if "%(" in str(message) else str(message)
    except (KeyError, ValueError, TypeError):
        return str(message)


def row_error_text(error: dict[str, Any]) -> str:
    """One row error as “field: message”, translated."""
    field = str(error.get("field", ""))
    message = ROW_MESSAGES.get(error.get("message", ""), error.get("message", ""))
    label = FIELD_LABELS.get(field, field)
    text = f"{label}: {message}"
    if error.get("first_row"):
        text += " " + _("(first in row %(row)s)") % {"row": error["first_row"]}
    return text


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, address=request.META.get("REMOTE_ADDR"))


def _batch_or_404(organisation: Organisation, batch_id: str) -> Batch:
    batch = batch_get_for_org(organisation=organisation, public_id=batch_id)
    if batch is None:
        raise Http404
    return batch


class BatchUploadForm(forms.Form):
    """Template + CSV file."""

    template = forms.ChoiceField(label=gettext_lazy("Template"))
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 CSV with a header row; one row per graduate."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = {t.slug: t for t in template_list_for_org(organisation=organisation)}
        self.fields["template"].choices = [
            (t.slug, f"{t.name_zh} / {t.name_en}" if t.name_zh else t.name_en) for t in self.templates.values()
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = int(settings.BATCH_MAX_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s; split it into several batches.") % {"size": filesizeformat(limit)}
            )
        return upload


@login_required
@require_GET
def batch_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's batches, newest first."""
    organisation = organisation_for(user=request.user, slug=slug, roles=VIEW)
    page = Paginator(batch_list_for_org(organisation=organisation), 50).get_page(request.GET.get("page"))
    can_issue = _can_issue(request, slug)
    return render(
        request,
        "portal/batches/list.html",
        {"organisation": organisation, "page": page, "can_issue": can_issue},
    )


def _can_issue(request: HttpRequest, slug: str) -> bool:
    try:
        organisation_for(user=request.user, slug=slug, roles=ISSUE)
    except Http404:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload form: the file is validated at once and the report page shown."""
    organisation = organisation_for(user=request.user, slug=slug, roles=ISSUE)
    if request.method == "POST":
        form = BatchUploadForm(request.POST, request.FILES, organisation=organisation)
        if form.is_valid():
            template = template_get_for_org(organisation=organisation, slug=form.cleaned_data["template"])
            if template is None or not template.active:
                raise Http404
            upload = form.cleaned_data["file"]
            data = upload.read(int(settings.BATCH_MAX_BYTES) + 1)
            batch = batches.batch_create_from_csv(
                organisation=organisation, template=template, data=data, filename=upload.name or "", actor=_actor(request)
            )
            return redirect("portal:batch_detail", slug=organisation.slug, batch_id=batch.public_id)
    else:
        form = BatchUploadForm(organisation=organisation)
    return render(
        request,
        "portal/batches/new.html",
        {
            "organisation": organisation,
            "form": form,
            "columns": diplomas.FIELDS,
            "required": diplomas.REQUIRED,
            "max_rows": settings.BATCH_MAX_ROWS,
            "max_mb": int(settings.BATCH_MAX_BYTES) // (1024 * 1024),
        },
    )


def _anchoring_summary(batch: Batch) -> dict[str, int]:
    """How many of the batch's credentials are in each anchoring state."""
    refs = list(Credential.objects.filter(batch=batch).values_list("public_id", flat=True))
    summary = {"pending": 0, "sealed": 0, "sent": 0, "confirmed": 0}
    for state in anchor_status_for_refs(refs=refs).values():
        if state in summary:
            summary[state] += 1
    return summary


@login_required
@require_GET
def batch_detail(request: HttpRequest, slug: str, batch_id: str) -> HttpResponse:
    """The validation report, the start buttons, then the progress and the summary."""
    organisation = organisation_for(user=request.user, slug=slug, roles=VIEW)
    batch = _batch_or_404(organisation, batch_id)
    show = request.GET.get("show", "errors" if batch.valid_rows != batch.total_rows else "all")
    rows_qs = BatchRow.objects.filter(batch=batch).select_related("credential").order_by("number")
    if show == "errors":
        rows_qs = rows_qs.exclude(errors=[])
    page = Paginator(rows_qs.only("number", "data", "errors", "existed", "credential__public_id"), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "number": row.number,
            "data": row.data if isinstance(row.data, dict) else {},
            "errors": [row_error_text(e) for e in row.errors or []],
            "credential": row.credential,
            "existed": row.existed,
        }
        for row in page
    ]
    progress = batches.batch_progress(batch)
    return render(
        request,
        "portal/batches/detail.html",
        {
            "organisation": organisation,
            "batch": batch,
            "file_errors": [file_error_text(e) for e in batch.errors or []],
            "rows": rows,
            "page": page,
            "show": show,
            "invalid_rows": batch.total_rows - batch.valid_rows,
            "progress": progress,
            "counts": batches.batch_row_counts(batch) if batch.state in (Batch.State.DONE, Batch.State.FAILED) else None,
            "anchoring": _anchoring_summary(batch) if batch.state in (Batch.State.DONE, Batch.State.FAILED) else None,
            "can_issue": _can_issue(request, slug),
            "can_start": batch.state in (Batch.State.READY, Batch.State.INVALID, Batch.State.FAILED)
            and not [e for e in batch.errors or [] if e.get("code") != batches.ERROR_STOPPED]
            and batch.valid_rows > 0,
            "active": batch.state in (Batch.State.QUEUED, Batch.State.RUNNING),
            "progress_url": reverse("portal:batch_progress", kwargs={"slug": slug, "batch_id": batch.public_id}),
            "columns": [c for c in diplomas.FIELDS if c not in ("date_of_birth", "email")],
        },
    )


@login_required
@require_POST
def batch_start_view(request: HttpRequest, slug: str, batch_id: str) -> HttpResponse:
    """Start issuing (all rows, or only the valid ones when the registrar chose so)."""
    organisation = organisation_for(user=request.user, slug=slug, roles=ISSUE)
    batch = _batch_or_404(organisation, batch_id)
    only_valid = request.POST.get("only_valid") == "1"
    try:
        batches.batch_start(batch=batch, actor=_actor(request), only_valid=only_valid)
    except IssueError:
        messages.error(request, _("This batch cannot be issued while rows have errors. Correct the file, or issue only the valid rows."))
    return redirect("portal:batch_detail", slug=organisation.slug, batch_id=batch.public_id)


@login_required
@require_GET
def batch_progress_json(request: HttpRequest, slug: str, batch_id: str) -> JsonResponse:
    """The batch's progress, polled every second by static/js/batch-progress.js."""
    organisation = organisation_for(user=request.user, slug=slug, roles=VIEW)
    batch = _batch_or_404(organisation, batch_id)
    response = JsonResponse(batches.batch_progress(batch))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def batch_results(request: HttpRequest, slug: str, batch_id: str) -> HttpResponse:
    """The results CSV (credential ids, verification URLs, claim-link status, errors)."""
    organisation = organisation_for(user=request.user, slug=slug, roles=VIEW)
    batch = _batch_or_404(organisation, batch_id)
    response = HttpResponse(batches.batch_results_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.public_id}-results.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def batch_template_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A CSV to fill in: the header row and one example row."""
    organisation_for(user=request.user, slug=slug, roles=VIEW)
    response = HttpResponse(batches.batch_csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lianzheng-batch-template.csv"'
    return response

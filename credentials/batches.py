"""Batch issuance: CSV/JSON rows validated up front, then issued by the worker in chunks.

A batch goes INVALID/READY (validated) → QUEUED (``batch_start``) → RUNNING →
DONE (``batch_run``, in the Celery worker). Every row is validated before
anything is issued; rows are issued in chunks, each chunk one transaction that
stores the credentials, their anchoring leaves, the rows' links to them and the
batch counters together. A worker killed mid-batch therefore leaves whole
chunks behind it, and the next run skips every row that has a credential; the
unique (template, student number) constraint makes a second issuance of the
same student impossible whatever happens.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from credentials import diplomas
from credentials.bulk import bulk_insert
from credentials.models import Batch, BatchRow, ClaimLink, CredentialTemplate
from credentials.services import IssueError, credentials_issue, new_public_id, verification_url
from identity.models import Organisation
from identity.services import Actor, audit_record

logger = logging.getLogger(__name__)

State = Batch.State

# Rows issued per transaction: large enough that the per-chunk costs (signer,
# status-list locks, audit event) vanish, small enough that a killed worker loses
# little work and a chunk's credentials fit comfortably in memory.
DEFAULT_CHUNK_ROWS = 500

# File-level error codes (Batch.errors[*].code); the portal translates them.
ERROR_ENCODING = "ENCODING"
ERROR_EMPTY = "EMPTY"
ERROR_NO_ROWS = "NO_ROWS"
ERROR_MISSING_COLUMNS = "MISSING_COLUMNS"
ERROR_UNKNOWN_COLUMNS = "UNKNOWN_COLUMNS"
ERROR_DUPLICATE_COLUMNS = "DUPLICATE_COLUMNS"
ERROR_TOO_MANY_ROWS = "TOO_MANY_ROWS"
ERROR_TOO_LARGE = "TOO_LARGE"
ERROR_NOT_CSV = "NOT_CSV"
ERROR_STOPPED = "STOPPED"

# Row-level messages added here (diplomas.ERROR_* are the field messages).
ROW_DUPLICATE = "duplicate student number in this file"
ROW_CELLS = "wrong number of cells"


def _file_error(code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "params": params}


def chunk_rows() -> int:
    """Rows per issuing transaction (``settings.BATCH_CHUNK_ROWS``, default 500)."""
    return max(1, int(getattr(settings, "BATCH_CHUNK_ROWS", DEFAULT_CHUNK_ROWS)))


# --------------------------------------------------------------------------- parsing


def csv_decode(data: bytes) -> tuple[str | None, dict[str, Any] | None]:
    """The text of an uploaded CSV, or a file error.

    UTF-8 with or without a byte-order mark is accepted. Anything else (GBK from
    an old Excel, UTF-16 from "Unicode text") is refused rather than guessed:
    a wrong guess would put garbled names on signed diplomas.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None, _file_error(ERROR_ENCODING, "the file is UTF-16 or UTF-32 text; save it as CSV UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, _file_error(
            ERROR_ENCODING,
            "the file is not UTF-8 text (byte {offset}); save it as CSV UTF-8",
            offset=exc.start,
        )
    if "\x00" in text:
        return None, _file_error(ERROR_NOT_CSV, "the file contains NUL bytes: it is not a CSV text file")
    return text, None


def _header(cells: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    names = [c.strip().lower() for c in cells]
    errors: list[dict[str, Any]] = []
    # Counted once: list.count per name was quadratic, minutes of CPU for a 100 KB header.
    counts = Counter(names)
    duplicates = sorted(n for n, k in counts.items() if n and k > 1)[:10]
    if duplicates:
        errors.append(_file_error(ERROR_DUPLICATE_COLUMNS, "duplicate columns: {columns}", columns=", ".join(duplicates)))
    unknown = [n for n in names if n not in diplomas.FIELDS]
    if unknown:
        shown = ", ".join(n or "(empty)" for n in unknown[:10])
        errors.append(_file_error(ERROR_UNKNOWN_COLUMNS, "unknown columns: {columns}", columns=shown))
    missing = [f for f in diplomas.REQUIRED if f not in names]
    if missing:
        errors.append(_file_error(ERROR_MISSING_COLUMNS, "missing columns: {columns}", columns=", ".join(missing)))
    return names, errors


def csv_rows(text: str) -> tuple[list[dict[str, str]], list[dict[str, Any]], list[list[dict[str, str]]]]:
    """Parse CSV text into (rows, file errors, per-row structural errors).

    The header names the columns (any order; optional columns may be left out).
    Blank lines are ignored. Parsing stops, with a file error, past
    ``BATCH_MAX_ROWS`` rows.
    """
    max_rows = int(settings.BATCH_MAX_ROWS)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    rows: list[dict[str, str]] = []
    structural: list[list[dict[str, str]]] = []
    try:
        header: list[str] | None = None
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, errors = _header(cells)
                if errors:
                    return [], errors, []
                continue
            if len(rows) >= max_rows:
                return [], [_file_error(ERROR_TOO_MANY_ROWS, "more than {max} rows", max=max_rows)], []
            problems: list[dict[str, str]] = []
            if len(cells) != len(header):
                problems.append({"field": "", "message": ROW_CELLS})
            rows.append({name: value for name, value in zip(header, cells)})
            structural.append(problems)
    except csv.Error as exc:
        return [], [_file_error(ERROR_NOT_CSV, "not a valid CSV file (line {line})", line=reader.line_num, detail=str(exc)[:100])], []
    if header is None:
        return [], [_file_error(ERROR_EMPTY, "the file is empty")], []
    if not rows:
        return [], [_file_error(ERROR_NO_ROWS, "the file has a header but no rows")], []
    return rows, [], structural


# --------------------------------------------------------------------------- creating


def _batch_store(
    *,
    organisation: Organisation,
    template: CredentialTemplate,
    rows: Sequence[dict[str, Any]],
    structural: Sequence[list[dict[str, str]]] | None,
    file_errors: list[dict[str, Any]],
    source_name: str,
    actor: Actor,
) -> Batch:
    if template.organisation_id != organisation.pk:
        raise IssueError("TEMPLATE_NOT_FOUND", "this template belongs to another organisation")
    today = timezone.localdate()
    validated: list[tuple[dict[str, Any], list[dict[str, str]]]] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(rows):
        if not isinstance(raw, dict):
            validated.append(({}, [{"field": "", "message": diplomas.ERROR_INVALID}]))
            continue
        fields, errors = diplomas.recipient_validate(raw, today=today)
        problems = list(structural[n]) if structural else []
        problems += [e.as_dict() for e in errors]
        number = fields.get("student_number", "")
        if number and not any(p["field"] == "student_number" for p in problems):
            # The same student twice is an error on the later row: the first one stands.
            if number in seen:
                problems.append({"field": "student_number", "message": ROW_DUPLICATE, "first_row": str(seen[number])})
            else:
                seen[number] = n + 1
        validated.append((fields, problems))
    valid = sum(1 for _, problems in validated if not problems)
    invalid = bool(file_errors) or valid != len(validated)
    with transaction.atomic():
        batch = Batch.objects.create(
            organisation=organisation,
            template=template,
            public_id=new_public_id(),
            created_by=actor.user,
            created_by_label=actor.label[:254],
            source_name=source_name[:255],
            state=State.INVALID if invalid else State.READY,
            total_rows=len(validated),
            valid_rows=valid,
            errors=file_errors,
        )
        _rows_insert(batch, validated)
        audit_record(
            organisation=organisation,
            actor=actor,
            action="batch.create",
            object_type="batch",
            object_id=batch.public_id,
            details={"template": template.slug, "rows": len(validated), "valid": valid, "file": source_name[:100]},
        )
    return batch


def _storable(value: Any) -> Any:
    """``value`` with every NUL character of its strings (keys too) replaced by U+FFFD.

    PostgreSQL cannot store U+0000 in text or jsonb: one NUL in a JSON row made the
    whole batch a 500. Such a row has already failed validation (a NUL is a control
    character), so the stored copy is only shown back with its errors and is never
    signed; U+FFFD marks the spot visibly.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _rows_insert(batch: Batch, validated: Sequence[tuple[dict[str, Any], list[dict[str, str]]]]) -> None:
    bulk_insert(
        BatchRow,
        [
            # Only rows with errors can hold a NUL; valid rows are stored as they are.
            BatchRow(batch=batch, number=n + 1, data=_storable(fields) if problems else fields, errors=_storable(problems))
            for n, (fields, problems) in enumerate(validated)
        ],
        batch_size=2000,
    )


def batch_create_from_csv(
    *, organisation: Organisation, template: CredentialTemplate, data: bytes, filename: str, actor: Actor
) -> Batch:
    """Validate an uploaded CSV and store it as a batch (nothing is issued yet).

    Every row is validated; problems with the file itself (encoding, header,
    size, row count) go to ``Batch.errors`` and leave no rows. The batch is
    INVALID when there is any error, READY otherwise.
    """
    if len(data) > int(settings.BATCH_MAX_BYTES):
        file_errors = [_file_error(ERROR_TOO_LARGE, "the file is larger than {max} bytes", max=int(settings.BATCH_MAX_BYTES))]
        rows: list[dict[str, str]] = []
        structural: list[list[dict[str, str]]] = []
    else:
        text, error = csv_decode(data)
        if error is not None:
            file_errors, rows, structural = [error], [], []
        else:
            rows, file_errors, structural = csv_rows(text or "")
    return _batch_store(
        organisation=organisation,
        template=template,
        rows=rows,
        structural=structural,
        file_errors=file_errors,
        source_name=filename,
        actor=actor,
    )


def batch_create_from_rows(
    *, organisation: Organisation, template: CredentialTemplate, rows: list[dict[str, Any]], actor: Actor
) -> Batch:
    """Validate JSON rows (the API's batch body) and store them as a batch."""
    max_rows = int(settings.BATCH_MAX_ROWS)
    file_errors: list[dict[str, Any]] = []
    if not rows:
        file_errors.append(_file_error(ERROR_NO_ROWS, "the batch has no rows"))
    elif len(rows) > max_rows:
        file_errors.append(_file_error(ERROR_TOO_MANY_ROWS, "more than {max} rows", max=max_rows))
        rows = []
    return _batch_store(
        organisation=organisation, template=template, rows=rows, structural=None, file_errors=file_errors, source_name="", actor=actor
    )


CSV_EXAMPLE = {
    "student_number": "2024010001",
    "name": "张三 Zhang San",
    "major": "Computer Science and Technology",
    "honours": "",
    "gpa": "3.75",
    "date_of_award": "2024-06-30",
    "date_of_birth": "2002-03-14",
    "email": "zhangsan@example.edu.cn",
    "holder_did": "",
}


def batch_csv_template() -> bytes:
    """A CSV with the header row and one example row (UTF-8 with BOM, for Excel)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(diplomas.FIELDS)
    writer.writerow([CSV_EXAMPLE[f] for f in diplomas.FIELDS])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- starting


def batch_start(*, batch: Batch, actor: Actor, only_valid: bool = False) -> Batch:
    """Queue a validated batch for issuing; the worker task is sent on commit.

    Refused (``BATCH_HAS_ERRORS``) while rows have errors, unless ``only_valid``;
    a batch with file errors or without a valid row cannot start at all.
    Starting a batch that is already queued, running or done changes nothing.
    """
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.state in (State.QUEUED, State.RUNNING, State.DONE):
            return locked
        if locked.errors and locked.state != State.FAILED:
            raise IssueError("BATCH_HAS_ERRORS", "the file has errors; upload a corrected file")
        if locked.valid_rows == 0:
            raise IssueError("BATCH_HAS_ERRORS", "the batch has no valid row")
        only_valid = only_valid or locked.only_valid
        if locked.valid_rows != locked.total_rows and not only_valid:
            raise IssueError(
                "BATCH_HAS_ERRORS",
                f"{locked.total_rows - locked.valid_rows} rows have errors; correct them or issue only the valid rows",
            )
        restarting = locked.state == State.FAILED
        locked.state = State.QUEUED
        locked.only_valid = only_valid
        if restarting:
            # The stop is recorded in the audit log; the page shows the new run.
            locked.errors = [e for e in locked.errors if e.get("code") != ERROR_STOPPED]
        locked.save(update_fields=["state", "only_valid", "errors"])
        audit_record(
            organisation=locked.organisation,
            actor=actor,
            action="batch.start",
            object_type="batch",
            object_id=locked.public_id,
            details={"template": locked.template.slug, "rows": locked.valid_rows, "onlyValid": locked.only_valid},
        )
        batch_id = locked.pk
        transaction.on_commit(lambda: _enqueue(batch_id))
    return locked


def _enqueue(batch_id: int) -> None:
    from credentials.tasks import batch_issue

    batch_issue.delay(batch_id)


def batches_resume() -> int:
    """Re-enqueue every queued or running batch that no live worker holds.

    A worker start calls this (and beat may, periodically). A batch whose worker
    was killed is RUNNING with no one working on it, and its task message may sit
    unacknowledged in the broker for a long time (Redis: the visibility timeout);
    a duplicate task is harmless because ``batch_run`` leaves a batch someone else
    holds and skips rows already issued.
    """
    ids = [
        batch_id
        for batch_id in Batch.objects.filter(state__in=(State.QUEUED, State.RUNNING)).values_list("pk", flat=True)
        if not _RunLock.is_held(batch_id)
    ]
    for batch_id in ids:
        _enqueue(batch_id)
    return len(ids)


# --------------------------------------------------------------------------- running


class _RunLock:
    """A session-level PostgreSQL advisory lock on one batch (a no-op elsewhere).

    It is held for the whole run, across chunk transactions, and released by the
    server if the worker dies, so a second worker can take over at once. A
    worker that finds the lock taken waits a few seconds (the dead worker's
    session may not have been reaped yet), then leaves the batch to the holder.
    """

    NAMESPACE = 0x4C5A  # "LZ": keeps our keys apart from other advisory-lock users

    def __init__(self, batch_id: int, wait_seconds: float = 5.0) -> None:
        self.batch_id = batch_id
        self.wait_ms = int(wait_seconds * 1000)
        self.held = False

    @classmethod
    def is_held(cls, batch_id: int) -> bool:
        """Whether a live worker holds the batch now (always False off PostgreSQL)."""
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [cls.NAMESPACE, batch_id])
            free = bool(cur.fetchone()[0])
            if free:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [cls.NAMESPACE, batch_id])
        return not free

    def __enter__(self) -> bool:
        if connection.vendor != "postgresql":
            self.held = True
            return True
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, false)", [f"{self.wait_ms}ms"])
            try:
                cur.execute("SELECT pg_advisory_lock(%s, %s)", [self.NAMESPACE, self.batch_id])
                self.held = True
            except Exception:  # lock_timeout: another live worker holds the batch
                self.held = False
            finally:
                cur.execute("SELECT set_config('lock_timeout', '0', false)")
        return self.held

    def __exit__(self, *exc: object) -> None:
        if self.held and connection.vendor == "postgresql":
            try:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s, %s)", [self.NAMESPACE, self.batch_id])
            except Exception:  # the connection is gone: the server released the lock with it
                logger.warning("could not release the advisory lock of batch %s", self.batch_id)


def _claim(batch_id: int, now: datetime) -> bool:
    """Compare-and-set QUEUED/RUNNING → RUNNING; False when the batch is not runnable."""
    changed = Batch.objects.filter(pk=batch_id, state__in=(State.QUEUED, State.RUNNING)).update(state=State.RUNNING)
    if changed:
        Batch.objects.filter(pk=batch_id, started_at__isnull=True).update(started_at=now)
    return bool(changed)


def _pending(batch: Batch, limit: int) -> list[BatchRow]:
    return list(
        BatchRow.objects.filter(batch=batch, credential__isnull=True, errors=[]).order_by("number").only("pk", "number", "data")[:limit]
    )


def _rows_link(rows: Sequence[BatchRow], issued: Sequence[Any]) -> None:
    """Point each row at its credential (one statement on PostgreSQL)."""
    ids = [r.pk for r in rows]
    credential_ids = [i.credential.pk for i in issued]
    existed = [i.existed for i in issued]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE credentials_batchrow AS r SET credential_id = v.cid, existed = v.existed "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[]) AS v(id, cid, existed) WHERE r.id = v.id",
                [ids, credential_ids, existed],
            )
        return
    for row, outcome in zip(rows, issued):
        row.credential_id = outcome.credential.pk
        row.existed = outcome.existed
    BatchRow.objects.bulk_update(list(rows), ["credential", "existed"], batch_size=500)


def _chunk_issue(batch: Batch, actor: Actor, size: int, notify: bool) -> int:
    """Issue the next chunk of pending rows in one transaction; returns how many rows it settled."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                # The row lock orders chunks even where advisory locks do not exist.
                Batch.objects.select_for_update().filter(pk=batch.pk).values_list("pk", flat=True).first()
                rows = _pending(batch, size)
                if not rows:
                    return 0
                issued = credentials_issue(
                    template=batch.template, recipients=[r.data for r in rows], actor=actor, batch=batch, notify=notify
                )
                _rows_link(rows, issued)
                new = sum(1 for i in issued if not i.existed)
                Batch.objects.filter(pk=batch.pk).update(
                    issued_rows=F("issued_rows") + new, skipped_rows=F("skipped_rows") + (len(issued) - new)
                )
                return len(rows)
        except IntegrityError:
            # Someone issued one of these students between our look-up and our
            # insert (the API, another batch): the retry finds it as existing.
            if attempt == 2:
                raise
    return 0


def batch_run(*, batch_id: int, notify: bool = True) -> None:
    """Issue a queued batch's valid rows in chunks (the worker task calls this).

    Safe to call any number of times, concurrently or after a crash: the batch is
    claimed with a compare-and-set update, held with an advisory lock for the
    run, and rows that already have a credential are skipped.
    """
    with _RunLock(batch_id) as held:
        if not held:
            logger.info("batch %s is being issued by another worker", batch_id)
            return
        now = timezone.now()
        if not _claim(batch_id, now):
            return
        batch = Batch.objects.select_related("template", "template__organisation", "organisation").get(pk=batch_id)
        done = batch.issued_rows + batch.skipped_rows
        logger.info("batch %s: %s at row %d of %d", batch.public_id, "resuming" if done else "issuing", done, batch.valid_rows)
        actor = Actor(user=batch.created_by, label=batch.created_by_label or "system")
        size = chunk_rows()
        try:
            while _chunk_issue(batch, actor, size, notify):
                pass
        except Exception as exc:
            logger.exception("batch %s stopped", batch.public_id)
            Batch.objects.filter(pk=batch_id, state=State.RUNNING).update(
                state=State.FAILED,
                finished_at=timezone.now(),
                errors=list(batch.errors)
                + [_file_error(ERROR_STOPPED, "issuing stopped ({error}); start the batch again to resume", error=type(exc).__name__)],
            )
            audit_record(
                organisation=batch.organisation,
                actor=Actor.system(),
                action="batch.fail",
                object_type="batch",
                object_id=batch.public_id,
                details={"error": type(exc).__name__},
            )
            raise
        Batch.objects.filter(pk=batch_id, state=State.RUNNING).update(state=State.DONE, finished_at=timezone.now())


# --------------------------------------------------------------------------- reading


def batch_progress(batch: Batch, *, now: datetime | None = None) -> dict[str, Any]:
    """Where a batch stands: counts, percent, speed and an estimate of the time left."""
    batch.refresh_from_db(fields=["state", "issued_rows", "skipped_rows", "valid_rows", "total_rows", "started_at", "finished_at"])
    done = batch.issued_rows + batch.skipped_rows
    target = batch.valid_rows
    percent = 100.0 if batch.state == State.DONE else (round(100.0 * done / target, 1) if target else 0.0)
    rate: float | None = None
    left: float | None = None
    if batch.started_at is not None and done:
        end = batch.finished_at or now or timezone.now()
        elapsed = max((end - batch.started_at).total_seconds(), 0.001)
        rate = round(done / elapsed, 1)
        if batch.state in (State.QUEUED, State.RUNNING):
            left = round(max(target - done, 0) / rate, 1) if rate else None
    if batch.state == State.DONE:
        left = 0.0
    return {
        "id": batch.public_id,
        "state": batch.state,
        "total": batch.total_rows,
        "valid": batch.valid_rows,
        "issued": batch.issued_rows,
        "skipped": batch.skipped_rows,
        "percent": percent,
        "rows_per_second": rate,
        "seconds_left": left,
        "started_at": batch.started_at.isoformat() if batch.started_at else None,
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
    }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: Any) -> str:
    """A cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _claim_status(links: Iterable[ClaimLink], email: str, now: datetime) -> str:
    current = [link for link in links if not link.superseded]
    if not current:
        return "not sent" if email else "no email"
    link = current[0]
    if link.opened_at is not None:
        return "opened"
    if link.expires_at <= now:
        return "expired"
    return "sent" if link.sent_at is not None else "created"


RESULT_COLUMNS = (
    "row",
    "student_number",
    "name",
    "status",
    "credential_id",
    "verification_url",
    "claim_link",
    "errors",
)


def batch_results_rows(batch: Batch) -> Iterable[list[str]]:
    """The results table, one list of cells per batch row (header first)."""
    now = timezone.now()
    yield list(RESULT_COLUMNS)
    step = 2000
    last = 0
    while True:
        rows = list(
            BatchRow.objects.filter(batch=batch, number__gt=last)
            .select_related("credential")
            .only("number", "data", "errors", "existed", "credential__public_id", "credential__recipient_email")
            .order_by("number")[:step]
        )
        if not rows:
            return
        links: dict[int, list[ClaimLink]] = {}
        for link in ClaimLink.objects.filter(credential_id__in=[r.credential_id for r in rows if r.credential_id]).order_by("-created_at", "-pk"):
            links.setdefault(link.credential_id, []).append(link)
        for row in rows:
            data = row.data if isinstance(row.data, dict) else {}
            if row.errors:
                status = "error"
            elif row.credential_id is None:
                status = "pending"
            else:
                status = "already issued" if row.existed else "issued"
            credential = row.credential
            errors = "; ".join(f"{e.get('field') or 'row'}: {e.get('message', '')}" for e in row.errors or [])
            yield [
                str(row.number),
                data.get("student_number", ""),
                data.get("name", ""),
                status,
                credential.public_id if credential else "",
                verification_url(credential.public_id) if credential else "",
                _claim_status(links.get(credential.pk, []), credential.recipient_email, now) if credential else "",
                errors,
            ]
        last = rows[-1].number


def batch_results_csv(batch: Batch) -> bytes:
    """The batch's results as CSV: UTF-8 with BOM (Excel shows Chinese), formula-safe cells."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for cells in batch_results_rows(batch):
        writer.writerow([csv_cell(c) for c in cells])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def batch_row_counts(batch: Batch) -> dict[str, int]:
    """Rows by outcome (issued, already issued, error, pending), for the summary."""
    rows = BatchRow.objects.filter(batch=batch)
    valid = rows.filter(errors=[])
    return {
        "errors": rows.exclude(errors=[]).count(),
        "issued": valid.filter(credential__isnull=False, existed=False).count(),
        "existed": valid.filter(credential__isnull=False, existed=True).count(),
        "pending": valid.filter(credential__isnull=True).count(),
    }

"""CSV batches: validation of bad files, start rules, idempotent issuing, results CSV, portal pages.

The worker itself (a real Celery process killed mid-batch) is in test_batch_worker.py;
here ``batch_run`` is called in-process.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from typing import Any

import pytest
from django.urls import reverse

from anchoring.models import AnchorLeaf
from credentials import batches
from credentials.batches import batch_create_from_csv, batch_create_from_rows, batch_progress, batch_results_csv, batch_run, batch_start
from credentials.models import Batch, BatchRow, Credential
from credentials.services import IssueError
from credentials.vc.verify import verify_credential
from identity.models import AuditEvent
from identity.selectors import did_resolver
from identity.services import Actor
from tests.personas import *  # noqa: F403

HEADER = "student_number,name,major,honours,gpa,date_of_award,date_of_birth,email\r\n"


def row(n: int, name: str = "", **over: str) -> str:
    cells = {
        "student_number": f"S{n:05d}",
        "name": name or f"学生{n} Student {n}",
        "major": "计算机科学 Computer Science",
        "honours": "",
        "gpa": "3.50",
        "date_of_award": "2024-06-30",
        "date_of_birth": "2002-01-15",
        "email": "",
    }
    cells.update(over)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([cells[f] for f in ("student_number", "name", "major", "honours", "gpa", "date_of_award", "date_of_birth", "email")])
    return out.getvalue()


def good_csv(count: int, start: int = 1, bom: bool = False) -> bytes:
    text = HEADER + "".join(row(n) for n in range(start, start + count))
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")


@pytest.fixture
def template(org_a: Any) -> Any:
    return org_a.templates.get(slug="bachelor")


@pytest.fixture
def actor(registrar_a: Any) -> Actor:
    return Actor(user=registrar_a, address="192.0.2.1")


def create(org: Any, template: Any, data: bytes, actor: Actor, filename: str = "class.csv") -> Batch:
    return batch_create_from_csv(organisation=org, template=template, data=data, filename=filename, actor=actor)


def nothing_issued(template: Any) -> bool:
    return not Credential.objects.filter(template=template).exists()


# --------------------------------------------------------------------------- validation


@pytest.mark.django_db
def test_good_csv_with_bom_and_chinese_names_is_ready(org_a: Any, template: Any, actor: Actor) -> None:
    batch = create(org_a, template, good_csv(5, bom=True), actor)
    assert batch.state == Batch.State.READY
    assert (batch.total_rows, batch.valid_rows, batch.errors) == (5, 5, [])
    first = BatchRow.objects.get(batch=batch, number=1)
    assert first.data["name"] == "学生1 Student 1" and first.errors == []


@pytest.mark.django_db
def test_gbk_file_is_refused_with_a_clear_message(org_a: Any, template: Any, actor: Actor) -> None:
    data = (HEADER + row(1, name="张三")).encode("gbk")
    batch = create(org_a, template, data, actor)
    assert batch.state == Batch.State.INVALID
    assert [e["code"] for e in batch.errors] == ["ENCODING"]
    assert "UTF-8" in batch.errors[0]["message"]
    assert batch.rows.count() == 0
    with pytest.raises(IssueError) as exc:
        batch_start(batch=batch, actor=actor, only_valid=True)
    assert exc.value.code == "BATCH_HAS_ERRORS"
    assert nothing_issued(template)


@pytest.mark.django_db
def test_utf16_file_is_refused(org_a: Any, template: Any, actor: Actor) -> None:
    batch = create(org_a, template, (HEADER + row(1)).encode("utf-16"), actor)
    assert [e["code"] for e in batch.errors] == ["ENCODING"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("student_number,name,date_of_award\r\n", "MISSING_COLUMNS"),
        (HEADER.rstrip() + ",shoe_size\r\n", "UNKNOWN_COLUMNS"),
        ("student_number,name,major,date_of_award,name\r\n", "DUPLICATE_COLUMNS"),
    ],
)
def test_bad_headers_are_file_errors(org_a: Any, template: Any, actor: Actor, header: str, code: str) -> None:
    batch = create(org_a, template, (header + "S1,张三,CS,2024-06-30\r\n").encode(), actor)
    assert batch.state == Batch.State.INVALID
    assert code in [e["code"] for e in batch.errors]
    assert batch.rows.count() == 0


@pytest.mark.django_db
def test_optional_columns_may_be_left_out_and_in_any_order(org_a: Any, template: Any, actor: Actor) -> None:
    data = "Date_Of_Award,name,student_number,major\r\n2024-06-30,李四,S1,Physics\r\n".encode()
    batch = create(org_a, template, data, actor)
    assert batch.state == Batch.State.READY
    assert batch.rows.get().data == {"date_of_award": "2024-06-30", "name": "李四", "student_number": "S1", "major": "Physics"}


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), [(b"", "EMPTY"), (b"\xef\xbb\xbf\r\n\r\n", "EMPTY"), (HEADER.encode(), "NO_ROWS")])
def test_empty_files(org_a: Any, template: Any, actor: Actor, data: bytes, code: str) -> None:
    batch = create(org_a, template, data, actor)
    assert [e["code"] for e in batch.errors] == [code]


@pytest.mark.django_db
def test_too_many_rows(org_a: Any, template: Any, actor: Actor, settings: Any) -> None:
    settings.BATCH_MAX_ROWS = 3
    batch = create(org_a, template, good_csv(4), actor)
    assert [e["code"] for e in batch.errors] == ["TOO_MANY_ROWS"]
    assert batch.rows.count() == 0


@pytest.mark.django_db
def test_row_level_errors_duplicates_dates_cells(org_a: Any, template: Any, actor: Actor) -> None:
    data = (
        HEADER
        + row(1)
        + row(2, date_of_award="2024-02-30")  # no such day
        + row(3, date_of_award="30/06/2024")
        + row(4, date_of_birth="2999-01-01")  # future
        + row(1, name="Someone else")  # duplicate student number
        + row(5, name=" ")  # required (blank after trimming)
        + "S00006,only,three\r\n"  # wrong number of cells
        + row(7, gpa="9.9", email="not-an-email")
    ).encode()
    batch = create(org_a, template, data, actor)
    assert batch.state == Batch.State.INVALID
    errors = {r.number: r.errors for r in batch.rows.all()}
    assert (batch.total_rows, batch.valid_rows, batch.errors) == (8, 1, []), errors
    assert errors[1] == []
    assert errors[2] == [{"field": "date_of_award", "message": "not a valid date (YYYY-MM-DD)"}]
    assert errors[3] == [{"field": "date_of_award", "message": "not a valid date (YYYY-MM-DD)"}]
    assert errors[4] == [{"field": "date_of_birth", "message": "date is in the future"}]
    assert errors[5] == [{"field": "student_number", "message": batches.ROW_DUPLICATE, "first_row": "1"}]
    assert [e["field"] for e in errors[6]] == ["name"]
    assert {"field": "", "message": batches.ROW_CELLS} in errors[7]
    assert {e["field"] for e in errors[8]} == {"gpa", "email"}
    # Nothing is issued while errors remain.
    with pytest.raises(IssueError) as exc:
        batch_start(batch=batch, actor=actor)
    assert exc.value.code == "BATCH_HAS_ERRORS"
    batch.refresh_from_db()
    assert batch.state == Batch.State.INVALID
    assert nothing_issued(template)


@pytest.mark.django_db
def test_only_valid_rows_are_issued_when_chosen(org_a: Any, template: Any, actor: Actor, django_capture_on_commit_callbacks: Any) -> None:
    data = (HEADER + row(1) + row(2, date_of_award="nope") + row(3)).encode()
    batch = create(org_a, template, data, actor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = batch_start(batch=batch, actor=actor, only_valid=True)
    assert batch.state == Batch.State.QUEUED and batch.only_valid
    assert len(callbacks) == 1  # the worker task, sent on commit
    batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.issued_rows, batch.skipped_rows) == (Batch.State.DONE, 2, 0)
    assert sorted(Credential.objects.filter(template=template).values_list("student_number", flat=True)) == ["S00001", "S00003"]
    assert BatchRow.objects.get(batch=batch, number=2).credential is None
    assert AuditEvent.objects.filter(organisation=org_a, action="batch.start", object_id=batch.public_id).exists()


@pytest.mark.django_db
def test_batch_from_rows_api_form(org_a: Any, template: Any, actor: Actor) -> None:
    batch = batch_create_from_rows(
        organisation=org_a,
        template=template,
        rows=[{"student_number": "A1", "name": "王五", "major": "Law", "date_of_award": "2024-06-30"}, {"name": "x"}, "junk"],  # type: ignore[list-item]
        actor=actor,
    )
    assert (batch.state, batch.total_rows, batch.valid_rows) == (Batch.State.INVALID, 3, 1)
    empty = batch_create_from_rows(organisation=org_a, template=template, rows=[], actor=actor)
    assert [e["code"] for e in empty.errors] == ["NO_ROWS"]


# --------------------------------------------------------------------------- issuing


@pytest.mark.django_db
def test_run_issues_signed_anchored_credentials_and_is_idempotent(org_a: Any, template: Any, actor: Actor, settings: Any) -> None:
    settings.BATCH_CHUNK_ROWS = 4  # several chunks
    batch = batch_start(batch=create(org_a, template, good_csv(10), actor), actor=actor)
    batch_run(batch_id=batch.pk)
    batch_run(batch_id=batch.pk)  # a redelivered task does nothing
    batch.refresh_from_db()
    assert (batch.state, batch.issued_rows, batch.skipped_rows) == (Batch.State.DONE, 10, 0)
    assert batch.started_at is not None and batch.finished_at is not None
    creds = Credential.objects.filter(template=template)
    assert creds.count() == 10
    assert AnchorLeaf.objects.filter(ref__in=creds.values_list("public_id", flat=True)).count() == 10
    assert set(BatchRow.objects.filter(batch=batch).values_list("credential_id", flat=True)) == set(creds.values_list("pk", flat=True))
    # The credential verifies (proof) against the DID document the platform serves.
    result = verify_credential(creds.first().document, resolver=did_resolver(), checks=["proof"])
    assert result.verified, result.as_dict()
    progress = batch_progress(batch)
    assert progress["percent"] == 100.0 and progress["issued"] == 10 and progress["seconds_left"] == 0.0
    assert progress["rows_per_second"] > 0

    # The same file again: everything is "already issued", nothing is issued twice.
    again = batch_start(batch=create(org_a, template, good_csv(12), actor), actor=actor)
    batch_run(batch_id=again.pk)
    again.refresh_from_db()
    assert (again.state, again.issued_rows, again.skipped_rows) == (Batch.State.DONE, 2, 10)
    assert Credential.objects.filter(template=template).count() == 12
    assert BatchRow.objects.filter(batch=again, existed=True).count() == 10


@pytest.mark.django_db
def test_start_is_idempotent_and_run_resumes_after_a_lost_chunk(org_a: Any, template: Any, actor: Actor, settings: Any) -> None:
    settings.BATCH_CHUNK_ROWS = 3
    batch = batch_start(batch=create(org_a, template, good_csv(7), actor), actor=actor)
    assert batch_start(batch=batch, actor=actor).state == Batch.State.QUEUED
    assert AuditEvent.objects.filter(action="batch.start", object_id=batch.public_id).count() == 1
    # A worker that committed one chunk and died: RUNNING, 3 rows linked.
    batches._claim(batch.pk, batch.created_at)
    loaded = Batch.objects.select_related("template", "organisation").get(pk=batch.pk)
    assert batches._chunk_issue(loaded, actor, 3, True) == 3
    batch.refresh_from_db()
    assert (batch.state, batch.issued_rows) == (Batch.State.RUNNING, 3)
    batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.issued_rows, batch.skipped_rows) == (Batch.State.DONE, 7, 0)
    assert Credential.objects.filter(template=template).count() == 7
    # Done batches are not started again.
    assert batch_start(batch=batch, actor=actor).state == Batch.State.DONE


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_can_be_restarted(org_a: Any, template: Any, actor: Actor) -> None:
    data = (HEADER + row(1) + row(2, date_of_award="bad") + row(3)).encode()
    batch = batch_start(batch=create(org_a, template, data, actor), actor=actor, only_valid=True)
    template.active = False
    template.save(update_fields=["active"])
    with pytest.raises(IssueError):
        batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == Batch.State.FAILED and batch.finished_at is not None
    assert [e["code"] for e in batch.errors] == ["STOPPED"]
    assert nothing_issued(template)
    template.active = True
    template.save(update_fields=["active"])
    # Restarted without repeating the only-valid choice: the batch keeps it.
    batch = batch_start(batch=batch, actor=actor)
    assert (batch.state, batch.errors) == (Batch.State.QUEUED, [])
    batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.issued_rows) == (Batch.State.DONE, 2)


@pytest.mark.django_db
def test_a_ready_batch_is_not_run_before_it_is_started(org_a: Any, template: Any, actor: Actor) -> None:
    batch = create(org_a, template, good_csv(2), actor)
    batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == Batch.State.READY and nothing_issued(template)


# --------------------------------------------------------------------------- results CSV


@pytest.mark.django_db
def test_results_csv_neutralises_formulas_and_has_bom(org_a: Any, template: Any, actor: Actor) -> None:
    payloads = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-1+2", "@SUM(A1)", "\tx", "＝1+1", "＠x", "普通 Name"]
    data = (HEADER + "".join(row(n + 1, name=p) for n, p in enumerate(payloads)) + row(99, date_of_award="=1+1")).encode()
    batch = create(org_a, template, data, actor)
    batch = batch_start(batch=batch, actor=actor, only_valid=True)
    batch_run(batch_id=batch.pk)
    out = batch_results_csv(batch)
    assert out.startswith(codecs.BOM_UTF8)
    table = list(csv.reader(io.StringIO(out[3:].decode("utf-8"))))
    assert table[0] == list(batches.RESULT_COLUMNS)
    by_number = {r[1]: r for r in table[1:]}
    names = [by_number[f"S{n + 1:05d}"][2] for n in range(len(payloads))]
    # "\tx" loses its tab to the validator's trim; the rest keep their text behind an apostrophe.
    assert names[:4] == ["'" + p for p in payloads[:4]]
    assert names[5:7] == ["'＝1+1", "'＠x"] and names[7] == "普通 Name"
    for cells in table[1:]:
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")), cells
    first = by_number["S00001"]
    assert first[3] == "issued" and first[4] and first[5] == f"http://testserver/v/{first[4]}" and first[6] == "no email"
    error_row = by_number["S00099"]
    assert error_row[3] == "error" and error_row[4] == "" and "date_of_award" in error_row[7]


def test_csv_cell() -> None:
    assert batches.csv_cell("=1") == "'=1"
    assert batches.csv_cell("\r=1") == "'\r=1"
    assert batches.csv_cell("－1") == "'－1"
    assert batches.csv_cell("a=1") == "a=1"
    assert batches.csv_cell(None) == ""


# --------------------------------------------------------------------------- portal pages


def url(name: str, **kw: str) -> str:
    return reverse(f"portal:{name}", kwargs=kw)


@pytest.mark.django_db
def test_upload_page_report_start_progress_results(client: Any, org_a: Any, registrar_a: Any, template: Any) -> None:
    login(client, registrar_a)  # noqa: F405
    page = client.get(url("batch_new", slug="univ-a"))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    upload = io.BytesIO(HEADER.encode() + row(1).encode() + row(2, name='<script>alert("x")</script>', date_of_award="bad").encode())
    upload.name = "class.csv"
    response = client.post(url("batch_new", slug="univ-a"), {"template": "bachelor", "file": upload})
    assert response.status_code == 302
    batch = Batch.objects.get(organisation=org_a)
    assert response["Location"] == url("batch_detail", slug="univ-a", batch_id=batch.public_id)
    report = client.get(response["Location"])
    html = report.content.decode()
    assert report.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "not a valid date" in html
    assert "Issue only the 1 valid row" in html
    assert "<script" not in html.replace('<script src="/static/js/batch-progress.js" defer></script>', "")
    # Starting without only_valid is refused; with it, queued.
    client.post(url("batch_start", slug="univ-a", batch_id=batch.public_id))
    batch.refresh_from_db()
    assert batch.state == Batch.State.INVALID
    client.post(url("batch_start", slug="univ-a", batch_id=batch.public_id), {"only_valid": "1"})
    batch.refresh_from_db()
    assert batch.state == Batch.State.QUEUED
    running = client.get(url("batch_detail", slug="univ-a", batch_id=batch.public_id)).content.decode()
    assert "<progress" in running and "batch-progress.js" in running and "Refresh" in running
    progress = client.get(url("batch_progress", slug="univ-a", batch_id=batch.public_id))
    assert progress["Content-Type"] == "application/json"
    assert json.loads(progress.content)["state"] == "queued"
    batch_run(batch_id=batch.pk)
    done = json.loads(client.get(url("batch_progress", slug="univ-a", batch_id=batch.public_id)).content)
    assert done["state"] == "done" and done["percent"] == 100.0 and done["issued"] == 1
    summary = client.get(url("batch_detail", slug="univ-a", batch_id=batch.public_id) + "?show=all").content.decode()
    assert "Issued: 1" in summary and "batch-progress.js" not in summary
    results = client.get(url("batch_results", slug="univ-a", batch_id=batch.public_id))
    assert results.status_code == 200 and results["Content-Type"].startswith("text/csv")
    assert results.content.startswith(codecs.BOM_UTF8)
    listing = client.get(url("batch_list", slug="univ-a")).content.decode()
    assert "class.csv" in listing
    template_csv = client.get(url("batch_template_csv", slug="univ-a"))
    lines = template_csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:2] == ["student_number", "name"] and len(lines) == 2
    example = batch_create_from_csv(organisation=org_a, template=template, data=template_csv.content, filename="t.csv", actor=Actor.system())
    assert example.state == Batch.State.READY


@pytest.mark.django_db
def test_upload_gbk_via_portal_shows_the_encoding_error(client: Any, org_a: Any, registrar_a: Any) -> None:
    login(client, registrar_a)  # noqa: F405
    upload = io.BytesIO((HEADER + row(1, name="张三")).encode("gbk"))
    upload.name = "gbk.csv"
    response = client.post(url("batch_new", slug="univ-a"), {"template": "bachelor", "file": upload}, follow=True)
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert "Issue only" not in response.content.decode()


@pytest.mark.django_db
def test_a_50_mb_upload_is_refused_with_413_not_500(client: Any, org_a: Any, registrar_a: Any) -> None:
    login(client, registrar_a)  # noqa: F405
    big = io.BytesIO(HEADER.encode() + row(1).encode() * (50 * 1024 * 1024 // len(row(1))))
    big.name = "big.csv"
    response = client.post(url("batch_new", slug="univ-a"), {"template": "bachelor", "file": big})
    assert response.status_code == 413
    assert not Batch.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_but_under_the_body_limit_is_a_form_error(client: Any, org_a: Any, registrar_a: Any, settings: Any) -> None:
    login(client, registrar_a)  # noqa: F405
    # A small BATCH_MAX_BYTES: the body still passes the site-wide limit, the form refuses the file.
    settings.BATCH_MAX_BYTES = 2048
    big = io.BytesIO(HEADER.encode() + row(1).encode() * 40)
    big.name = "big.csv"
    assert len(big.getvalue()) > 2048
    response = client.post(url("batch_new", slug="univ-a"), {"template": "bachelor", "file": big})
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert not Batch.objects.exists()


@pytest.mark.django_db
def test_access_viewer_reads_outsiders_get_404(client: Any, org_a: Any, template: Any, viewer_a: Any, registrar_b: Any, actor: Actor) -> None:
    batch = create(org_a, template, good_csv(2), actor)
    pages = [
        ("get", url("batch_list", slug="univ-a")),
        ("get", url("batch_detail", slug="univ-a", batch_id=batch.public_id)),
        ("get", url("batch_progress", slug="univ-a", batch_id=batch.public_id)),
        ("get", url("batch_results", slug="univ-a", batch_id=batch.public_id)),
        ("get", url("batch_template_csv", slug="univ-a")),
    ]
    writes = [
        ("get", url("batch_new", slug="univ-a")),
        ("post", url("batch_start", slug="univ-a", batch_id=batch.public_id)),
    ]
    # Anonymous: to the login page.
    for method, path in pages + writes:
        assert getattr(client, method)(path).status_code == 302
    login(client, viewer_a)  # noqa: F405
    for method, path in pages:
        assert getattr(client, method)(path).status_code == 200, path
    for method, path in writes:
        assert getattr(client, method)(path).status_code == 404, path
    # Registrar of B: 404 everywhere, the same as for a batch that does not exist.
    login(client, registrar_b)  # noqa: F405
    for method, path in pages + writes:
        assert getattr(client, method)(path).status_code == 404, path
    assert client.get(url("batch_detail", slug="univ-b", batch_id=batch.public_id)).status_code == 404
    assert client.get(url("batch_detail", slug="univ-b", batch_id="nope")).status_code == 404
    batch.refresh_from_db()
    assert batch.state == Batch.State.READY


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"), reason="needs Redis")
def test_resume_skips_a_batch_a_live_worker_holds(org_a: Any, template: Any, actor: Actor) -> None:
    import psycopg
    import redis
    from django.db import connection

    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.delete("celery")
    batch = batch_start(batch=create(org_a, template, good_csv(2), actor), actor=actor)
    try:
        assert batches.batches_resume() == 1
        assert broker.llen("celery") == 1  # one batch_issue task, on the real broker
        if connection.vendor != "postgresql":
            return
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        other = psycopg.connect(**params, autocommit=True)
        try:
            other.execute("SELECT pg_advisory_lock(%s, %s)", [batches._RunLock.NAMESPACE, batch.pk])
            assert batches.batches_resume() == 0  # a live worker holds it
            # Released explicitly: a closed session's locks go only when its
            # server process has exited, a moment later (the test once raced it).
            other.execute("SELECT pg_advisory_unlock(%s, %s)", [batches._RunLock.NAMESPACE, batch.pk])
        finally:
            other.close()
        assert batches.batches_resume() == 1
    finally:
        broker.delete("celery")

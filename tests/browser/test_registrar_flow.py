"""A registrar's day in chromium: log in, issue one diploma, upload a 200-row CSV and
watch a real Celery worker issue it to 100 %, download the PDF, decode its QR code,
open the URL it holds and see the credential verified; then the same pages in Chinese."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.personas import *  # noqa: F403
from tests.personas import set_password

ROWS = 200
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞"


def graduates_csv(rows: int = ROWS) -> bytes:
    """A UTF-8 CSV (with a BOM, as Excel writes it) of graduates with Chinese names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student_number", "name", "major", "honours", "gpa", "date_of_award", "date_of_birth", "email"])
    for n in range(rows):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + GIVEN[n % len(GIVEN)]
        email = f"grad{n}@example.com" if n % 10 == 0 else ""
        writer.writerow([f"2024{n:05d}", name, "计算机科学与技术", "", "3.5", "2024-06-30", "2001-09-01", email])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def qr_texts(pdf: bytes) -> list[str]:
    """Every QR code on the PDF's first page, decoded from a 200 dpi rendering."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=200 / 72).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))


@pytest.mark.django_db(transaction=True)
def test_registrar_issues_one_and_a_batch_then_verifies_the_qr(
    page: Any, live_server: Any, celery_worker: Path, org_a: Any, registrar_a: Any, tmp_path: Path
) -> None:
    from credentials.models import Batch, Credential

    log_in(page, "registrar@univ-a.example", set_password(registrar_a))
    assert page.locator("main").get_by_text("University A").count() >= 1

    # One diploma: form → preview → issue → the credential's page.
    page.goto(f"/portal/{org_a.slug}/issue/")
    page.fill("#id_student_number", "202400999")
    page.fill("#id_name", "欧阳娜娜")
    page.fill("#id_major", "软件工程")
    page.fill("#id_date_of_award", "2024-06-30")
    page.locator("main form.stacked button[type=submit]").click()
    page.get_by_role("button", name="Issue", exact=True).click()
    page.wait_for_url(re.compile(rf"/portal/{org_a.slug}/credentials/[A-Za-z0-9_-]+/$"))
    public_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert Credential.objects.get(public_id=public_id).recipient_name == "欧阳娜娜"
    assert "欧阳娜娜" in page.content()

    # The PDF diploma, and the QR code printed on it.
    pdf_href = page.locator("a[href$='.pdf']").first.get_attribute("href")
    pdf = page.request.get(pdf_href)
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    (tmp_path / "diploma.pdf").write_bytes(pdf.body())
    codes = qr_texts(pdf.body())
    assert codes == [f"{live_server.url}/v/{public_id}"], codes

    # The URL in the QR opens the verification page, which verifies the credential.
    page.goto(codes[0])
    verdict = page.locator("section.verdict")
    assert verdict.get_attribute("class").split()[-1] == "verdict-verified", verdict.inner_text()
    assert "Verified" in verdict.inner_text()

    # A batch: upload 200 rows, check, issue, watch the bar reach 100 %.
    page.goto(f"/portal/{org_a.slug}/batches/new")
    page.set_input_files(
        "input[type=file][name=file]",
        files=[{"name": "毕业生-2024.csv", "mimeType": "text/csv", "buffer": graduates_csv()}],
    )
    page.locator("form.batch-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/portal/{org_a.slug}/batches/[A-Za-z0-9_-]+/$"))
    batch_id = page.url.rstrip("/").rsplit("/", 1)[1]
    batch = Batch.objects.get(public_id=batch_id)
    assert (batch.state, batch.total_rows, batch.valid_rows) == ("ready", ROWS, ROWS)
    assert "王伟伟" in page.content()  # the first row's name, as uploaded

    page.locator("section.batch-start form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/batches/{batch_id}/$"))
    bar = page.locator("#batch-progress-bar")
    seen: list[float] = []
    for _ in range(600):  # at most 60 s; the bar is updated by static/js/batch-progress.js
        try:
            seen.append(float(bar.get_attribute("value", timeout=2_000) or 0))
        except Exception:  # the page reloads itself when the batch is done
            pass
        if seen and seen[-1] >= 100:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"the progress bar stopped at {seen[-1:]}; worker log:\n{celery_worker.read_text(errors='replace')[-3000:]}")
    assert seen[-1] == 100.0
    page.wait_for_selector("section.batch-summary", timeout=15_000)  # the reload shows the summary
    assert f"Issued: {ROWS}" in page.locator("section.batch-summary").inner_text()
    batch.refresh_from_db()
    assert (batch.state, batch.issued_rows) == ("done", ROWS)
    assert Credential.objects.filter(batch=batch).count() == ROWS

    # The results CSV lists every credential of the batch.
    results = page.request.get(f"/portal/{org_a.slug}/batches/{batch_id}/results.csv")
    assert results.ok
    lines = results.text().lstrip("\ufeff").splitlines()
    assert len(lines) == ROWS + 1

    # A batch credential's QR verifies too.
    batch_credential = Credential.objects.filter(batch=batch).order_by("student_number").first()
    assert batch_credential is not None
    assert qr_texts(page.request.get(f"/v/{batch_credential.public_id}.pdf").body()) == [
        f"{live_server.url}/v/{batch_credential.public_id}"
    ]

    # 中文: the switcher in the header; pages answer in Simplified Chinese from then on.
    page.goto(f"/portal/{org_a.slug}/")
    page.select_option("#language", "zh-hans")
    page.locator("form.lang button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("label[for=language]").inner_text() == "语言"
    assert "甲大学" in page.locator("main").inner_text()  # the organisation's Chinese name
    page.goto(codes[0])
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("section.verdict").get_attribute("class").split()[-1] == "verdict-verified"

"""The A4 PDF diploma: its text (Chinese included, markup literal), its QR code, and the download."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pypdfium2
import pytest
import zxingcpp
from django.test import Client

from credentials import pdf as diploma_pdf
from credentials.models import Credential
from credentials.pdf import FontMissingError, cjk_font, credential_pdf
from credentials.selectors import template_get_for_org
from credentials.services import credential_issue, organisation_onboard, verification_url
from identity.services import Actor

pytestmark = pytest.mark.django_db



def _logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(image).ellipse((4, 4, 60, 60), fill=(179, 38, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def university() -> Any:
    return organisation_onboard(slug="tsinghua", name_en="Tsinghua University", name_zh="清华大学", logo=_logo())


def _issue(university: Any, **fields: str) -> Credential:
    recipient = {
        "student_number": "2019011234",
        "name": "张三",
        "major": "电子工程 Electronic Engineering",
        "date_of_award": "2023-07-01",
    }
    recipient.update(fields)
    template = template_get_for_org(organisation=university, slug="master")
    return credential_issue(template=template, recipient=recipient, actor=Actor.system()).credential


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return "\n".join(page.extract_text() for page in reader.pages)


def _qr_codes(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_pdf_is_a4_with_bilingual_text_and_a_working_qr(university: Any) -> None:
    credential = _issue(university)
    data = credential_pdf(credential)
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    # A4 in points (210 × 297 mm).
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = _text(data)
    for expected in (
        "清华大学",
        "Tsinghua University",
        "张三",
        "硕士学位",
        "Master's Degree",
        "电子工程 Electronic Engineering",
        "2023年7月1日",
        "2023-07-01",
        credential.document["id"],
        verification_url(credential.public_id),
    ):
        assert expected in text, expected
    # The CJK font is embedded (subset), so the Chinese renders anywhere.
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object() for f in fonts.values()]
    assert any("/FontFile2" in d or "/FontFile3" in d for d in descriptors)
    # The QR code on the page opens the public verification page.
    assert _qr_codes(data) == [verification_url(credential.public_id)]
    # The student number and date of birth are not printed.
    assert "2019011234" not in text


def test_markup_in_names_is_printed_literally(university: Any) -> None:
    name = '<script>alert("x")</script> **李** <b>明</b>'
    credential = _issue(university, name=name, major="<i>Physics</i> &amp;")
    # Long lines wrap: compare with line breaks read as spaces.
    text = " ".join(_text(credential_pdf(credential)).split())
    assert name in text
    assert "<i>Physics</i> &amp;" in text


def test_pdf_download_route(university: Any) -> None:
    credential = _issue(university)
    response = Client().get(f"/v/{credential.public_id}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="diploma-{credential.public_id}.pdf"'
    assert response["X-Robots-Tag"].startswith("noindex")
    assert _qr_codes(response.content) == [f"http://testserver/v/{credential.public_id}"]
    assert Client().get("/v/AAAAAAAAAAAAAAAAAAAAAA.pdf").status_code == 404


def test_organisation_without_logo() -> None:
    university = organisation_onboard(slug="plain", name_en="Plain Institute", name_zh="普通学院")
    credential = _issue(university)
    data = credential_pdf(credential)
    text = _text(data)
    assert "普通学院" in text and "Plain Institute" in text and "张三" in text
    assert _qr_codes(data) == [verification_url(credential.public_id)]


def test_font_lookup_falls_back_and_fails_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    path, face = cjk_font()
    assert path.is_file()
    noto = tmp_path / "NotoSansCJK-Regular.ttc"
    noto.write_bytes(b"")
    monkeypatch.setattr(diploma_pdf, "CJK_FONTS", ((str(tmp_path / "missing.ttc"), 0), (str(noto), 2)))
    assert cjk_font() == (noto, 2)
    monkeypatch.setattr(diploma_pdf, "CJK_FONTS", ((str(tmp_path / "missing.ttc"), 0),))
    with pytest.raises(FontMissingError, match="fonts-wqy-microhei"):
        cjk_font()


def test_very_long_names_do_not_cover_the_qr_code() -> None:
    university = organisation_onboard(slug="long", name_en="The " + "Very " * 36 + "Long University", name_zh="长" * 150)
    credential = _issue(university, name="名" * 100 + " " + "Name " * 19, major="Major " * 33)
    data = credential_pdf(credential)
    text = " ".join(_text(data).split())
    assert "名" * 10 in text
    assert _qr_codes(data) == [verification_url(credential.public_id)]

"""The printable diploma: an A4 PDF with the university, the recipient, the degree and a QR code.

The QR code opens the credential's public verification page, so a paper copy
leads back to the signed credential. Text is bilingual (Chinese and English)
and is drawn as plain text with an embedded CJK font: a name such as
``<script>`` is printed literally, never interpreted as markup.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.constants
from fpdf import FPDF
from fpdf.enums import XPos, YPos

if TYPE_CHECKING:
    from credentials.models import Credential

#: CJK fonts tried in order: (path, face index in the collection). The first is
#: Debian's fonts-wqy-microhei (installed by the Makefile); the Noto CJK
#: collections put Simplified Chinese at face 2.
CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)

_FONT = "cjk"
_INK = (27, 31, 36)
_MUTED = (87, 96, 106)
_ACCENT = (179, 38, 30)


class FontMissingError(RuntimeError):
    """No CJK font is installed, so a diploma with Chinese text cannot be drawn."""


def cjk_font() -> tuple[Path, int]:
    """The first installed font of :data:`CJK_FONTS` (path, collection face)."""
    for path, face in CJK_FONTS:
        candidate = Path(path)
        if candidate.is_file():
            return candidate, face
    tried = ", ".join(p for p, _ in CJK_FONTS)
    raise FontMissingError(
        f"no CJK font found (tried {tried}); install Debian's fonts-wqy-microhei or fonts-noto-cjk (make install)"
    )


@dataclass(frozen=True)
class DiplomaFacts:
    """What a diploma shows, read from a credential document (OB 3.0 AchievementCredential)."""

    issuer_name: str
    recipient_name: str
    degree: str
    major: str
    date_of_award: date | None
    honours: str
    credential_id: str
    issuer_id: str


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def diploma_facts(document: dict[str, Any]) -> DiplomaFacts:
    """The displayed fields of a diploma document; missing or odd values become ''.

    The public page renders only a verified document through this, and the PDF
    the issuer's own stored document, so both show the same signed values.
    """
    issuer = document.get("issuer")
    issuer_name = _text(issuer.get("name")) if isinstance(issuer, dict) else ""
    issuer_id = _text(issuer.get("id")) if isinstance(issuer, dict) else _text(issuer)
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    awarded: date | None = None
    raw = _text(document.get("awardedDate"))[:10]
    if raw:
        try:
            awarded = date.fromisoformat(raw)
        except ValueError:
            awarded = None
    honours = ""
    results = subject.get("result")
    if isinstance(results, list):
        for result in results:
            if isinstance(result, dict) and _text(result.get("resultDescription")).endswith("#honours"):
                honours = _text(result.get("value"))
    return DiplomaFacts(
        issuer_name=issuer_name,
        recipient_name=_text(subject.get("name")),
        degree=_text(achievement.get("name")) or _text(document.get("name")),
        major=_text(achievement.get("specialization")),
        date_of_award=awarded,
        honours=honours,
        credential_id=_text(document.get("id")),
        issuer_id=issuer_id,
    )


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """A PNG QR code of ``data`` with the standard four-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def qr_svg(data: str) -> bytes:
    """An SVG QR code of ``data`` on white (one path, no script, no external references)."""
    from qrcode.image.svg import SvgPathFillImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, image_factory=SvgPathFillImage)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


class _Diploma(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        path, face = cjk_font()
        self.add_font(_FONT, "", str(path), collection_font_number=face)
        self.set_auto_page_break(False)
        self.set_margins(20, 18, 20)
        self.set_creator("Lianzheng")

    def line_of(
        self, text: str, *, size: float, color: tuple[int, int, int] = _INK, gap: float = 2, max_lines: int = 2
    ) -> None:
        """A centred, wrapped paragraph drawn as literal text (no markup of any kind).

        Long text is set smaller, so that a 200-character name still leaves the
        QR code its place at the foot of the page.
        """
        self.set_font(_FONT, size=size)
        while size > 8 and self.get_string_width(text) > self.epw * max_lines * 0.9:
            size -= 1
            self.set_font(_FONT, size=size)
        self.set_text_color(*color)
        self.multi_cell(
            w=0, h=size * 0.5, text=text, align="C", markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(gap)


def _bilingual(name: str) -> tuple[str, str]:
    """(Chinese, English) of a signed name written "中文 / English" (see
    credentials.services._issuer_of), or ("", name) when it has one language."""
    zh, sep, en = name.partition(" / ")
    return (zh, en) if sep else ("", name)


def credential_pdf(credential: Credential) -> bytes:
    """The A4 diploma of ``credential`` as PDF bytes.

    Raises :class:`FontMissingError` when no CJK font is installed.
    """
    from credentials.services import verification_url

    organisation = credential.organisation
    # Every word about the degree and its issuer comes from the signed document:
    # the organisation's and template's rows may have been renamed since.
    facts = diploma_facts(credential.document)
    url = verification_url(credential.public_id)
    issuer_zh, issuer_en = _bilingual(facts.issuer_name)
    degree_zh, degree_en = _bilingual(facts.degree)

    pdf = _Diploma()
    pdf.set_title(f"{issuer_en} — {degree_en} — {facts.recipient_name}")
    pdf.set_author(issuer_en)
    pdf.add_page()

    # A thin double frame, as printed diplomas have.
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(8, 8, 194, 281)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, 188, 275)

    if organisation.logo and organisation.logo_type:
        pdf.image(io.BytesIO(bytes(organisation.logo)), x=(210 - 28) / 2, y=18, h=28, keep_aspect_ratio=True)
        pdf.set_y(50)
    else:
        pdf.set_y(30)

    if issuer_zh:
        pdf.line_of(issuer_zh, size=24, color=_ACCENT, gap=1)
    pdf.line_of(issuer_en, size=16, color=_ACCENT, gap=10)

    pdf.line_of("学位证书 · Diploma", size=14, color=_MUTED, gap=10)
    pdf.line_of("兹证明 / This is to certify that", size=12, color=_MUTED, gap=4)
    pdf.line_of(facts.recipient_name, size=26, gap=6)
    pdf.line_of("已被授予 / has been awarded the", size=12, color=_MUTED, gap=4)
    if degree_zh:
        pdf.line_of(degree_zh, size=20, gap=1)
    pdf.line_of(degree_en, size=16, gap=8)

    if facts.major:
        pdf.line_of(f"专业 Major: {facts.major}", size=12, gap=2)
    if facts.honours:
        pdf.line_of(f"荣誉 Honours: {facts.honours}", size=12, gap=2)
    if facts.date_of_award:
        day = facts.date_of_award
        pdf.line_of(
            f"授予日期 Date of award: {day.year}年{day.month}月{day.day}日 / {day.isoformat()}", size=12, gap=2
        )

    # The QR code and what it leads to, at the foot of the page.
    qr_size = 42
    top = 297 - 20 - qr_size - 22
    pdf.image(io.BytesIO(qr_png(url)), x=(210 - qr_size) / 2, y=top, w=qr_size, h=qr_size)
    pdf.set_y(top + qr_size + 2)
    pdf.line_of("扫码验证 / Scan to verify", size=10, color=_MUTED, gap=0.5)
    pdf.line_of(url, size=8, color=_MUTED, gap=0.5)
    pdf.line_of(f"证书编号 Credential ID: {facts.credential_id}", size=8, color=_MUTED, gap=0)
    return bytes(pdf.output())

"""The signed responsibility letter and the rectification notice as Chinese PDFs (reportlab).

Set in WenQuanYi Micro Hei (the font the evaluation reports embed, from the PyPI package
``paperang-p2-fonts-cjk``), subset into the file, so any viewer shows the Chinese as printed.
"""

from __future__ import annotations

import io
from importlib import resources
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import ChecklistItem, Letter, Notice

FONT = "WenQuanYiMicroHei"


def _font() -> str:
    """The font, registered once per process (the evaluation reports register the same one)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        with resources.as_file(path) as font_file:
            pdfmetrics.registerFont(TTFont(FONT, str(font_file), subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=10),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=18, spaceAfter=4),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11),
    }


def _paragraphs(text: str, style: ParagraphStyle) -> list[Paragraph]:
    # A blank line starts a paragraph; a single line break stays a line break.
    return [
        Paragraph(escape(block.strip()).replace("\n", "<br/>"), style)
        for block in text.split("\n\n")
        if block.strip()
    ]


def _local(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日 %H:%M")  # type: ignore[arg-type]


def letter_pdf(letter: Letter, signature_png: bytes) -> bytes:
    """The signed letter: its text, the signature image, the signer, the moment and the text's hash."""
    st = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, title=letter.title)
    story: list[object] = [Paragraph(escape(letter.title), st["title"])]
    story += _paragraphs(letter.content, st["body"])
    story.append(Spacer(1, 10 * mm))
    signature = Image(io.BytesIO(signature_png), width=60 * mm, height=24 * mm, kind="proportional")
    rows = [
        [Paragraph("责任单位签署：", st["body"]), signature],
        [Paragraph("签署人：", st["body"]), Paragraph(escape(letter.signer_name), st["body"])],
        [Paragraph("签署时间：", st["body"]), Paragraph(_local(letter.signed_at), st["body"])],
        [Paragraph("发放单位：", st["body"]), Paragraph(escape(letter.street.name), st["body"])],
    ]
    table = Table(rows, colWidths=[35 * mm, 100 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(f"责任书内容SHA-256：{letter.content_sha256}", st["small"]))
    doc.build(story)
    return out.getvalue()


def notice_pdf(notice: Notice, items: list[ChecklistItem]) -> bytes:
    """The notice: to whom, what failed, by when it must be put right, and what follows if not."""
    st = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, title="整改通知书")
    party = notice.party
    lines = [
        f"编号：{notice.number}",
        f"{party.name}（统一社会信用代码：{party.uscc}）：",
        f"{_local(notice.inspection.inspected_at)}，{notice.street.name}对你单位门前三包责任区进行巡查，"
        f"发现“{notice.duty.name}”方面存在以下问题：",
    ]
    story: list[object] = [Paragraph("门前三包整改通知书", st["title"])]
    story += [Paragraph(escape(line), st["body"]) for line in lines]
    for n, item in enumerate(items, 1):
        story.append(Paragraph(f"{n}. {escape(item.text)}（未达标）", st["body"]))
    story.append(
        Paragraph(
            escape(
                f"请于{notice.working_days}个工作日内，即{_local(notice.deadline)}前整改完毕，并通过手机答复整改情况。"
                "逾期复查仍未整改的，将移交城市管理综合执法处理。"
            ),
            st["body"],
        )
    )
    story.append(Spacer(1, 12 * mm))
    story.append(Paragraph(escape(f"{notice.street.name}　{_local(notice.issued_at)}"), st["body"]))
    doc.build(story)
    return out.getvalue()

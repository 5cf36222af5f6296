"""A briefing as a Chinese PDF (reportlab): the title and period, the key findings as sentences,
charts (cases per day against the period before, the subclasses that moved, the sources), and the
tables behind the sentences (hotspots, overdue units, recurrence, the evaluation).

The text is set in WenQuanYi Micro Hei embedded as a subset, as the evaluation's reports are, so any
viewer shows it (the font ships as the PyPI package ``paperang-p2-fonts-cjk``)."""

from __future__ import annotations

import io
from importlib import resources
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "WenQuanYiMicroHei"  # the same registration as the evaluation's report (idempotent)
BLUE, GREY, RED = colors.HexColor("#0b5cab"), colors.HexColor("#9aa9b8"), colors.HexColor("#c62828")


def font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        with resources.as_file(path) as font_file:
            pdfmetrics.registerFont(TTFont(FONT, str(font_file), subfontIndex=0))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    f = font()
    return {
        "title": ParagraphStyle("title", fontName=f, fontSize=17, leading=24, alignment=1, textColor=RED),
        "sub": ParagraphStyle("sub", fontName=f, fontSize=10, leading=15, alignment=1, textColor=GREY),
        "h2": ParagraphStyle("h2", fontName=f, fontSize=13, leading=19, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=f, fontSize=10.5, leading=17, firstLineIndent=21),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=8.5, leading=11),
    }


def _axis_fonts(chart: Any) -> None:
    chart.categoryAxis.labels.fontName = font()
    chart.valueAxis.labels.fontName = font()
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0


def _legend(drawing: Drawing, x: float, y: float, pairs: list[tuple[Any, str]]) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font(), 8
    legend.alignment = "right"
    legend.columnMaximum = len(pairs)
    legend.deltay = 10
    legend.colorNamePairs = pairs
    drawing.add(legend)


def daily_chart(f: dict[str, Any], this: str, last: str) -> Drawing:
    """Cases per day of the period, with the period before laid over it day by day."""
    drawing = Drawing(500, 170)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 35, 25, 440, 110
    now = [n for _, n in f["daily"]]
    before = [n for _, n in f["prev_daily"]][: len(now)]
    chart.data = [now or [0], before or [0]]
    chart.categoryAxis.categoryNames = [d[5:] for d, _ in f["daily"]] or [""]
    _axis_fonts(chart)
    if len(now) > 10:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMax = max([1, *now, *before])
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = BLUE, 2
    chart.lines[1].strokeColor, chart.lines[1].strokeWidth = GREY, 1.2
    chart.lines[1].strokeDashArray = [3, 2]
    drawing.add(chart)
    drawing.add(String(35, 155, "每日受理案件数", fontName=font(), fontSize=10))
    _legend(drawing, 470, 160, [(BLUE, this), (GREY, last)])
    return drawing


def subclass_chart(f: dict[str, Any], this: str, last: str) -> Drawing:
    """The subclasses with most cases: this period's bars beside the period before's."""
    rows = f["subclasses"][:8]
    drawing = Drawing(500, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 35, 45, 440, 110
    chart.data = [[s["n"] for s in rows] or [0], [s["prev"] for s in rows] or [0]]
    chart.categoryAxis.categoryNames = [s["name"][:7] for s in rows] or [""]
    _axis_fonts(chart)
    chart.categoryAxis.labels.angle = 25
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMax = max([1, *chart.data[0], *chart.data[1]])
    chart.bars[0].fillColor, chart.bars[1].fillColor = BLUE, GREY
    drawing.add(chart)
    drawing.add(String(35, 175, "主要案件类别", fontName=font(), fontSize=10))
    _legend(drawing, 470, 180, [(BLUE, this), (GREY, last)])
    return drawing


def channel_chart(f: dict[str, Any]) -> Drawing:
    rows = [c for c in f["channels"] if c["n"]][:6]
    drawing = Drawing(500, 30 + 18 * max(1, len(rows)))
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 110, 10, 360, 18 * max(1, len(rows))
    chart.data = [[c["n"] for c in reversed(rows)] or [0]]
    chart.categoryAxis.categoryNames = [c["name"][:8] for c in reversed(rows)] or [""]
    _axis_fonts(chart)
    chart.valueAxis.valueMax = max([1, *chart.data[0]])
    chart.bars[0].fillColor = BLUE
    drawing.add(chart)
    drawing.add(String(0, 20 + 18 * max(1, len(rows)), "案件来源", fontName=font(), fontSize=10))
    return drawing


def _table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    s = styles()
    data = [[Paragraph(h, s["cell"]) for h in header]]
    data += [[Paragraph(str(v), s["cell"]) for v in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0BEC5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def render(
    title: str, period_label: str, f: dict[str, Any], findings: list[str], notes: list[str] | None = None
) -> bytes:
    """The briefing's PDF bytes; ``notes`` are the sentences of the last section (overdue units and
    the evaluation)."""
    s = styles()
    this, last = ("本周", "上周") if f["kind"] == "weekly" else ("本月", "上月")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="CityLoop",
    )
    story: list[Any] = [
        Paragraph(title, s["title"]),
        Paragraph(
            f"{f['area']} · {period_label} · 生成于 {f['generated_at'][:16].replace('T', ' ')}", s["sub"]
        ),
        Spacer(1, 5 * mm),
        Paragraph("一、主要情况", s["h2"]),
        *[Paragraph(sentence, s["body"]) for sentence in findings],
        Paragraph("二、案件走势", s["h2"]),
        daily_chart(f, this, last),
        subclass_chart(f, this, last),
        channel_chart(f),
    ]
    subs = [
        [
            x["name"],
            x["class_name"],
            x["n"],
            x["prev"],
            "—" if x["change"] is None else f"{x['change']:+.1f}%",
        ]
        for x in f["subclasses"]
    ]
    if subs:
        story.append(Spacer(1, 3 * mm))
        story.append(_table(["小类", "大类", this, last, "变化"], subs, [120, 110, 70, 70, 70]))
    story.append(Paragraph("三、热点与回潮", s["h2"]))
    spots = f["hotspots"]["spots"]
    if spots:
        story.append(
            _table(
                ["热点网格", "案件数", "常态"],
                [
                    [x["name"], x["count"], "—" if x["expected"] is None else f"{x['expected']:.1f}"]
                    for x in spots
                ],
                [220, 110, 110],
            )
        )
    rec = f["recurrence"]
    if rec["spots"]:
        story.append(Spacer(1, 3 * mm))
        story.append(
            _table(
                ["回潮地点", "类别", "回潮次数"],
                [[x["name"], x["category_name"], x["recurring"]] for x in rec["spots"]],
                [220, 110, 110],
            )
        )
    story.append(Paragraph("四、超期案件与考评", s["h2"]))
    # The sentences about them again, so the section says so even when it has no table.
    story += [Paragraph(line, s["body"]) for line in notes or []]
    if f["red_units"]:
        story.append(
            _table(
                ["单位", "红灯（超期）", "黄灯（临期）"],
                [[u["name"], u["red"], u["yellow"]] for u in f["red_units"]],
                [220, 110, 110],
            )
        )
    if f["evaluation"] and f["evaluation"]["table"]:
        e = f["evaluation"]
        story.append(Spacer(1, 3 * mm))
        story.append(
            KeepTogether(
                [
                    Paragraph(f"{e['label']}街道综合评价", s["cell"]),
                    _table(
                        ["名次", "街道", "综合指标值", "等级"],
                        [[x["rank"], x["name"], f"{x['index']:.2f}", x["grade"]] for x in e["table"]],
                        [60, 200, 100, 80],
                    ),
                ]
            )
        )
    doc.build(story)
    return buffer.getvalue()

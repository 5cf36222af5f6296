"""The monthly PDF report in Chinese (reportlab): the summary, per subject a grade chart and the
ranking, the index trend, and the deduction table.

The Chinese text is set in WenQuanYi Micro Hei (文泉驿微米黑, a free font shipped as the PyPI package
``paperang-p2-fonts-cjk``), embedded as a subset of the glyphs the report uses: a viewer without
Chinese fonts of its own shows it as printed (reportlab's built-in STSong-Light is only named in
the file, and some viewers render it blank)."""

from __future__ import annotations

import io
from importlib import resources
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..models import SUBJECT_LABELS_ZH, EvaluationRun
from ..periods import parse_period
from ..reading import AnyUser, trend
from . import tables as t

FONT = "WenQuanYiMicroHei"
GRADES = ["A", "B", "C", "D", "E"]


def _font() -> str:
    """The report's font, registered once per process (reportlab embeds the glyphs used)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        with resources.as_file(path) as font_file:
            pdfmetrics.registerFont(TTFont(FONT, str(font_file), subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=8),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=6, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5),
    }


def grade_chart(grades: dict[str, int], title: str) -> Drawing:
    """Bars: how many subjects got each grade."""
    drawing = Drawing(230, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 25, 185, 95
    chart.data = [[grades.get(g, 0) for g in GRADES]]
    chart.categoryAxis.categoryNames = GRADES
    chart.categoryAxis.labels.fontName = _font()
    chart.valueAxis.labels.fontName = _font()
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, *chart.data[0])
    chart.valueAxis.valueStep = max(1, round(chart.valueAxis.valueMax / 4))
    chart.bars[0].fillColor = colors.HexColor("#0b5cab")
    for i, g in enumerate(GRADES):
        chart.bars[(0, i)].fillColor = colors.HexColor("#" + t.GRADE_COLOURS[g])
    drawing.add(chart)
    drawing.add(String(30, 135, title, fontName=_font(), fontSize=9))
    return drawing


def top_chart(rows: list[tuple[str, float]], title: str) -> Drawing:
    """Bars: the index of the first ranked subjects."""
    drawing = Drawing(480, 170)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 45, 440, 95
    chart.data = [[v for _, v in rows] or [0]]
    chart.categoryAxis.categoryNames = [name[:6] for name, _ in rows] or [""]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = _font()
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.bars[0].fillColor = colors.HexColor("#0b5cab")
    drawing.add(chart)
    drawing.add(String(30, 155, title, fontName=_font(), fontSize=9))
    return drawing


def trend_chart(points: list[dict[str, Any]], title: str) -> Drawing:
    """A line: the mean index of ranked subjects over the last periods."""
    drawing = Drawing(480, 150)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 25, 440, 95
    chart.data = [[p["index"] for p in points]]  # None leaves a gap: no evaluation that period
    chart.categoryAxis.categoryNames = [p["period"] for p in points]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = _font()
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.lines[0].strokeColor = colors.HexColor("#0b5cab")
    chart.lines[0].strokeWidth = 1.5
    if any(p["index"] is not None for p in points):
        drawing.add(chart)
    else:
        # No ranked subject in any period (all below the minimum volume, say): reportlab cannot draw
        # a line without a point, so the chart says so instead.
        drawing.add(String(30, 70, "暂无参与排名的结果", fontName=_font(), fontSize=9))
    drawing.add(String(30, 135, title, fontName=_font(), fontSize=9))
    return drawing


def _table(table: t.Table, styles: dict[str, ParagraphStyle], limit: int = 60) -> Table:
    def cell(value: Any) -> Any:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.2f}"
        return Paragraph(str(value), styles["cell"])

    rows = [[Paragraph(h, styles["cell"]) for h in table.header]]
    rows += [[cell(v) for v in row] for row in table.rows[:limit]]
    out = Table(rows, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), _font()),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0BEC5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if table.grade_column is not None:
        for n, row in enumerate(table.rows[:limit], start=1):
            grade = row[table.grade_column]
            if grade in t.GRADE_COLOURS:
                style.append(
                    (
                        "BACKGROUND",
                        (table.grade_column, n),
                        (table.grade_column, n),
                        colors.HexColor("#" + t.GRADE_COLOURS[grade]),
                    )
                )
                style.append(("TEXTCOLOR", (table.grade_column, n), (table.grade_column, n), colors.white))
    out.setStyle(TableStyle(style))
    return out


def monthly_report(run: EvaluationRun, user: AnyUser, subjects: list[str] | None = None) -> bytes:
    """The period's report as PDF bytes, readable by anyone the tables are restricted for."""
    styles = _styles()
    period = parse_period(run.period)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{run.scope.name}{period.label}城市管理综合评价报告",
        author="CityLoop",
    )
    story: list[Any] = [
        Paragraph(f"{run.scope.name}{period.label}城市管理综合评价报告", styles["title"]),
        Paragraph(
            f"状态：{t.STATUS_ZH[run.status]}；"
            f"统计截至 {run.as_of.astimezone(period.start.tzinfo):%Y-%m-%d %H:%M}；"
            f"评价方案："
            + "、".join(
                f"{SUBJECT_LABELS_ZH.get(k, '扣分制')} v{v['version']}" for k, v in run.schemes.items()
            ),
            styles["body"],
        ),
        Spacer(1, 4 * mm),
    ]
    previous = [*period.previous(5), period]
    for table in t.all_tables(run, user, subjects):
        if table.key.endswith("-counts"):
            continue
        if table.key == "deductions":
            story += [PageBreak(), Paragraph(table.title, styles["h2"]), _table(table, styles, limit=200)]
            continue
        story.append(PageBreak())
        story.append(Paragraph(table.title, styles["h2"]))
        grades: dict[str, int] = {}
        ranked: list[tuple[str, float]] = []
        for row in table.rows:
            if isinstance(row[0], int):
                grades[row[5]] = grades.get(row[5], 0) + 1
                if row[4] is not None:
                    ranked.append((row[1], row[4]))
        points = trend(run.scope, table.key, user, previous)
        charts = Table(
            [[grade_chart(grades, "等级分布（参与排名）"), trend_chart(points, "近六期平均综合指标值")]],
            colWidths=[240, 490],
        )
        story += [charts, top_chart(ranked[:15], "综合指标值前十五名"), _table(table, styles)]
        if len(table.rows) > 60:
            story.append(Paragraph(f"（共 {len(table.rows)} 行，完整名单见 Excel 导出）", styles["body"]))
    doc.build(story)
    return buffer.getvalue()

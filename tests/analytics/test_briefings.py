"""Briefings (专报): the sentences are those the planted figures call for (rises and falls by subclass
and where they were concentrated, nothing said of small numbers, overdue units, the evaluation), the
PDF opens and holds them, the worker writes each due briefing once and delivers it to the leaders,
and the API and console keep them within the area."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from cityloop.analytics import rollup
from cityloop.analytics.briefings import sentences
from cityloop.analytics.briefings.periods import last_complete, period_of
from cityloop.analytics.briefings.service import due, generate, sweep
from cityloop.analytics.models import Briefing
from cityloop.cases.models import Case
from cityloop.notify.models import Outbox

from .conftest import local

WEEK = period_of("weekly", dt.date(2026, 11, 25))  # Monday 23 to Sunday 29 November 2026
BEFORE = WEEK.prev_first  # Monday 16 November
API = "/api/v1/analytics/briefings"


def _spread(first: dt.date, n: int) -> list[dt.datetime]:
    return [local(first + dt.timedelta(days=i % 7), 9 + i // 7) for i in range(n)]


@pytest.fixture
def planted(planter, grids, loop):
    """Exposed refuse (0102) doubles, 10 → 20, 16 of them in street A at grid 0; illegal small ads
    (0201) fall 20 → 12; construction dust (0302) goes 2 → 4 (too few to mention); two open cases of
    the sanitation department are red."""
    planter.cases(grids[0], _spread(BEFORE, 10), category="0102")
    planter.cases(grids[0], _spread(WEEK.first_day, 16), category="0102")
    planter.cases(grids[5], _spread(WEEK.first_day, 4), category="0102")
    planter.cases(grids[5], _spread(BEFORE, 20), category="0201", channel="hotline_12345")
    planter.cases(grids[5], _spread(WEEK.first_day, 12), category="0201", channel="hotline_12345")
    planter.cases(grids[1], _spread(BEFORE, 2), category="0302")
    red = planter.cases(grids[1], _spread(WEEK.first_day, 4), category="0302")
    Case.objects.filter(pk__in=[c.pk for c in red[:2]]).update(
        light="red", responsible_unit=loop.org.sanitation
    )
    rollup.refresh(local(WEEK.last_day + dt.timedelta(days=1), 3))
    return loop


def test_figures_and_sentences_from_planted_cases(planted, grids, actor) -> None:
    org = planted.org
    b = generate("weekly", WEEK.first_day, org.district, actor=actor, deliver=False)
    f = b.figures
    assert (f["total"], f["prev_total"], f["change"]) == (36, 32, 12.5)
    lines = b.findings
    assert lines[0] == "本周共受理案件36件，较上周（32件）上升12.5%。"
    grid = grids[0].name or grids[0].code
    assert (
        f"本周暴露垃圾案件较上周上升100%（10件→20件），集中在{org.street_a.name}（占80%），以{grid}网格最多（16件）。"
        in lines
    )
    assert "非法小广告案件较上周下降40%（20件→12件）。" in lines
    assert not any("施工扬尘" in line or "工地扬尘" in line for line in lines)  # 2 → 4: too few to say
    assert f"目前超期（红灯）未结案件最多的单位：{org.sanitation.name}2件，请督促加快处置。" in lines
    assert lines[1].startswith("按来源分：监督员上报24件（占67%），12345热线12件（占33%）")
    assert b.title == f"{org.district.name}城市管理{WEEK.label}运行周报"
    assert b.first_day == WEEK.first_day and b.last_day == WEEK.last_day and b.version == 1


def test_pdf_opens_and_holds_the_sentences(planted, actor) -> None:
    pypdf = pytest.importorskip("pypdf")
    b = generate("weekly", WEEK.first_day, planted.org.district, actor=actor, deliver=False)
    reader = pypdf.PdfReader(io.BytesIO(bytes(b.pdf)))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")
    assert len(reader.pages) >= 2
    assert "主要情况" in text and "案件走势" in text
    for line in b.findings[:3]:
        assert line.replace(" ", "") in text


def test_sentences_chosen_by_the_figures() -> None:
    """Hand-planted figures: a steady total, a rise from a handful told in cases, a class appearing
    from nothing, hotspots, recurrence and the evaluation."""
    f = {
        "kind": "monthly",
        "total": 1003,
        "prev_total": 1000,
        "change": 0.3,
        "last_year": 800,
        "holidays": ["国庆节"],
        "channels": [{"name": "监督员上报", "n": 1003, "prev": 1000}],
        "subclasses": [
            {
                "name": "暴露垃圾",
                "n": 40,
                "prev": 3,
                "change": 1233.3,
                "street": "东街道",
                "street_share": 55.0,
            },
            {
                "name": "占道经营",
                "n": 15,
                "prev": 0,
                "change": None,
                "street": "西街道",
                "street_share": 100.0,
            },
            {"name": "乱停车", "n": 11, "prev": 10, "change": 10.0},
        ],
        "hotspots": {"significant": 2, "spots": [{"name": "东01号网格", "count": 48, "expected": 4.2}]},
        "recurrence": {
            "days": 30,
            "closed": 200,
            "recurring": 14,
            "rate": 7.0,
            "spots": [{"name": "东01号网格", "category_name": "暴露垃圾", "recurring": 5}],
            "streets": [{"name": "东街道", "rate": 12.5, "recurring": 9}],
        },
        "red_units": [],
        "evaluation": {
            "label": "2026年11月",
            "status": "published",
            "ranked": 4,
            "first": {"name": "西街道", "index": 95.24, "grade": "A"},
            "last": {"name": "东街道", "index": 71.3, "grade": "C"},
        },
    }
    assert sentences.findings(f) == [
        "本月共受理案件1,003件，与上月（1,000件）基本持平。",
        "与去年同期（800件）相比上升25%。",
        "本月含国庆节假期，案件数量的变化请结合假期因素研判。",
        "按来源分：监督员上报1,003件（占100%）。",
        "本月暴露垃圾案件较上月明显增多（3件→40件），集中在东街道（占55%）。",
        "占道经营案件上月未见，本月出现15件，集中在西街道（占100%）。",
        "发现2处案件异常偏多的热点网格，主要是东01号网格（48件，常态约4件）。",
        "本月结案200件，其中14件在结案后30日内同一地点再次发生同类问题（回潮率7%），"
        "回潮最多的是东01号网格的暴露垃圾（5次）；回潮率最高的街道是东街道（12.5%）。",
        "目前没有超期（红灯）未结的案件。",
        "2026年11月综合评价中，西街道以95.2分位列街道第一，东街道排名末位（71.3分，C级）。",
    ]
    quiet = {
        **f,
        "subclasses": [],
        "hotspots": {"significant": 0, "spots": []},
        "evaluation": None,
        "last_year": 0,
        "holidays": [],
    }
    quiet["recurrence"] = {**f["recurrence"], "recurring": 0, "spots": [], "streets": []}
    lines = sentences.findings(quiet)
    assert not any("去年同期" in line or "假期" in line for line in lines)  # nothing to compare, no holiday
    assert "各类案件数量与上月相比无明显变化。" in lines
    assert "未发现明显异常的热点网格（各网格案件数均在其常态范围内）。" in lines
    assert "本月结案200件，截至目前未发现结案后30日内同一地点再次发生的同类问题。" in lines


def test_worker_writes_each_due_briefing_once_and_delivers_it(planted) -> None:
    now = local(WEEK.last_day + dt.timedelta(days=1), 2)  # Monday 30 November, 02:00
    assert [(k, p.first_day) for k, p in due(now)] == [
        ("weekly", WEEK.first_day),
        ("monthly", dt.date(2026, 10, 1)),
    ]
    # Right after midnight the week's last day is not settled yet (October's is long since).
    assert [k for k, _ in due(local(WEEK.last_day + dt.timedelta(days=1), 0))] == ["monthly"]
    # October had no case at all (the planted city starts in November): nothing to brief.
    assert sweep(now) == {"briefings": 1}
    assert sweep(now) == {"briefings": 0}
    assert not Briefing.objects.filter(kind="monthly").exists()
    weekly = Briefing.objects.get(kind="weekly", area=planted.org.district)
    assert weekly.first_day == WEEK.first_day and weekly.recipients >= 1
    notice = Outbox.objects.get(kind="analytics.briefing", subject_id=str(weekly.pk))
    assert notice.payload["title"] == weekly.title and notice.payload["body"].startswith("本周共受理案件36件")
    assert planted.users["leader"].pk in notice.recipient_users
    assert last_complete("monthly", now.date()).first_day == dt.date(2026, 10, 1)


def test_api_lists_downloads_and_writes_within_the_area(planted, api_as, other_district) -> None:
    users = planted.users
    leader = api_as(users["leader"])
    made = leader.post(API, {"kind": "weekly", "day": "2026-11-25", "area": planted.org.district.code})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (
        body["findings"][0] == "本周共受理案件36件，较上周（32件）上升12.5%。"
        and body["figures"]["total"] == 36
    )
    again = leader.post(API, {"kind": "weekly", "day": "2026-11-29", "area": planted.org.district.code})
    assert again.json()["id"] == body["id"] and again.json()["version"] == 2
    listed = leader.get(API).json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == body["title"]
    pdf = leader.get(f"{API}/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    # Another district's leader neither sees nor downloads it; an operator may read, not write.
    north = api_as(other_district["leader"])
    assert north.get(API).json()["count"] == 0
    assert north.get(f"{API}/{body['id']}").status_code == 404
    assert north.get(f"{API}/{body['id']}/pdf").status_code == 404
    operator = api_as(users["operator"])
    assert operator.get(API).json()["count"] == 1
    denied = operator.post(API, {"kind": "weekly", "day": "2026-11-25", "area": planted.org.district.code})
    assert denied.status_code == 403
    # Bad input: a 422 naming the field.
    for bad, field in (
        ({"kind": "daily", "day": "2026-11-25", "area": "x"}, "kind"),
        ({"kind": "weekly", "day": "2026-13-45", "area": planted.org.district.code}, "day"),
        ({"kind": "weekly", "day": "2999-01-01", "area": planted.org.district.code}, "day"),
        ({"kind": "weekly", "day": "2026-11-25", "area": other_district["district"].code}, "area"),
    ):
        answer = leader.post(API, bad)
        assert answer.status_code == 422, (bad, answer.content)
        assert field in answer.content.decode()


def test_console_lists_and_writes(planted, actor) -> None:
    generate("weekly", WEEK.first_day, planted.org.district, actor=actor, deliver=False)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(planted.users["leader"])
    from django.utils import translation

    with translation.override("zh-hans"):
        page = client.get("/analytics/briefings/")
        html = page.content.decode()
        assert page.status_code == 200 and "专报" in html and "本周共受理案件36件" in html
        assert "<script>" not in html and " style=" not in html
        briefing = Briefing.objects.get()
        download = client.get(f"/analytics/briefings/{briefing.pk}.pdf")
        assert download.status_code == 200 and download.content[:5] == b"%PDF-"
        posted = client.post(
            "/analytics/briefings/",
            {"kind": "monthly", "day": "2026-11-10", "area": planted.org.district.code},
        )
        assert posted.status_code == 302
        assert Briefing.objects.filter(kind="monthly", first_day=dt.date(2026, 11, 1)).exists()
        bad = client.post(
            "/analytics/briefings/", {"kind": "monthly", "day": "nope", "area": "x"}, follow=True
        )
        assert "请填写所在时段的一个日期" in bad.content.decode()
    staff = Client()
    staff.force_login(planted.users["sanitation_handler"])
    assert staff.get("/analytics/briefings/").status_code == 403
    assert staff.get(f"/analytics/briefings/{briefing.pk}.pdf").status_code == 403

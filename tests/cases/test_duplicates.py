"""Likely duplicates: the same problem reported twice is offered; a different one, or far away, or
long ago, or a case the asker may not see, is not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cityloop.cases import duplicates
from cityloop.cases.models import Case
from cityloop.catalog.actions import set_duplicate_window
from cityloop.catalog.models import Category
from cityloop.core.models import AuditEntry
from tests.cases.conftest import POINT_A
from tests.geo.conftest import DLAT, DLON

pytestmark = pytest.mark.django_db

# About 11 m east and 2 m north of POINT_A; and about 120 m east of it (same grid row).
NEAR = (POINT_A[0] + DLON * 0.1, POINT_A[1] + DLAT * 0.02)
FARTHER = (POINT_A[0] + DLON * 1.15, POINT_A[1])


def _report(loop: Any, text: str, point: tuple[float, float], code: str | None, **kw: Any) -> Case:
    kind = kw.pop("kind", "event")
    return loop.report(description=text, point=point, category=code, kind=kind if code else None, **kw)


def _offered(case: Case) -> list[str]:
    return [d.number for d in duplicates.of_case(case, Case.objects.all())]


def test_the_same_problem_in_other_words_is_offered(loop: Any) -> None:
    first = _report(loop, "小区门口垃圾堆了好几天没人清理", POINT_A, "0102")
    second = _report(loop, "路边暴露垃圾很臭", NEAR, "0102")
    found = duplicates.of_case(second, Case.objects.all())
    assert [d.number for d in found] == [first.number]
    assert 5 < found[0].distance_m < 20
    assert 0.5 <= found[0].score <= 1
    assert _offered(first) == [second.number]  # either way round


def test_a_different_problem_at_the_same_spot_is_not(loop: Any) -> None:
    _report(loop, "小区门口垃圾堆了好几天没人清理", POINT_A, "0102")
    ads = _report(loop, "电线杆上贴满了小广告", NEAR, "0201")
    cover = _report(loop, "井盖破了一个洞", NEAR, "0102", kind="component")
    assert _offered(ads) == []
    assert _offered(cover) == []


def test_a_related_subclass_needs_words_in_common(loop: Any) -> None:
    refuse = _report(loop, "路边暴露垃圾没人清理", POINT_A, "0102")
    same_words = _report(loop, "路边暴露垃圾没人清理，路面很脏", NEAR, "0104")
    other_words = _report(loop, "马路上都是泥沙", NEAR, "0104")
    assert refuse.number in _offered(same_words)
    assert refuse.number not in _offered(other_words)


def test_an_unclassified_report_is_matched_by_its_words(loop: Any) -> None:
    refuse = _report(loop, "小区门口垃圾堆积没人清理", POINT_A, "0102")
    call = _report(loop, "小区门口垃圾堆积", NEAR, None)
    unrelated = _report(loop, "楼上装修噪音很大", NEAR, None)
    assert _offered(call) == [refuse.number]
    assert _offered(unrelated) == []


def test_the_window_is_the_categorys_data(loop: Any, actor: Any) -> None:
    first = _report(loop, "垃圾堆积", POINT_A, "0102")
    second = _report(loop, "垃圾成堆", FARTHER, "0102")
    assert _offered(second) == [first.number]  # 120 m: inside an event's default 300 m
    refuse = Category.objects.get(kind="event", code="0102")
    set_duplicate_window(actor=actor, category=refuse, radius_m=50, days=None)
    assert duplicates.window(Category.objects.get(pk=refuse.pk)) == (50, duplicates.DEFAULT_DAYS)
    second.refresh_from_db()
    assert _offered(Case.objects.select_related("category").get(pk=second.pk)) == []
    entry = AuditEntry.objects.filter(action="category.duplicate_window").latest("id")
    assert entry.before == {"duplicate_radius_m": None, "duplicate_days": None}
    assert entry.after == {"duplicate_radius_m": 50, "duplicate_days": None}


def test_a_window_out_of_range_is_refused(loop: Any, actor: Any) -> None:
    from django.core.exceptions import ValidationError

    refuse = Category.objects.get(kind="event", code="0102")
    with pytest.raises(ValidationError) as refused:
        set_duplicate_window(actor=actor, category=refuse, radius_m=5000, days=7)
    assert "duplicate_radius_m" in refused.value.message_dict
    refuse.refresh_from_db()
    assert refuse.duplicate_radius_m is None


def test_components_default_to_a_close_window(loop: Any) -> None:
    cover = Category.objects.get(kind="component", code="0102")
    assert duplicates.window(cover) == (30, 7)
    first = _report(loop, "污水井盖破损", POINT_A, "0102", kind="component")
    second = _report(loop, "井盖坏了", FARTHER, "0102", kind="component")
    assert _offered(second) == []
    assert first.pk != second.pk


def test_old_closed_and_unseen_cases_are_not_offered(loop: Any) -> None:
    long_ago = timezone.now() - dt.timedelta(days=10)
    _report(loop, "垃圾堆积", POINT_A, "0102", at=long_ago)
    voided = _report(loop, "垃圾堆积", POINT_A, "0102")
    loop.act(voided, "void")
    fresh = _report(loop, "垃圾成堆", NEAR, "0102")
    assert _offered(fresh) == []
    visible = _report(loop, "垃圾堆积", POINT_A, "0102")
    assert _offered(fresh) == [visible.number]
    assert duplicates.of_case(fresh, Case.objects.none()) == []
    # A case already marked a duplicate of another is neither offered nor offered anything.
    Case.objects.filter(pk=visible.pk).update(duplicate_of=fresh)
    assert _offered(fresh) == []
    assert _offered(Case.objects.get(pk=visible.pk)) == []


def test_the_api_offers_them_on_the_case(loop: Any, api_as: Any) -> None:
    first = _report(loop, "小区门口垃圾堆了好几天", POINT_A, "0102")
    second = _report(loop, "路边暴露垃圾很臭", NEAR, "0102")
    client = api_as(loop.org.users["dispatcher"])
    body = client.get(f"/api/v1/cases/{second.number}").json()
    assert [d["number"] for d in body["likely_duplicates"]] == [first.number]
    assert set(body["likely_duplicates"][0]) == {"id", "number", "score", "distance_m"}
    # A user who may not see the other case is not told of it.
    outsider = api_as(loop.org.users["street_b_manager"])
    assert outsider.get(f"/api/v1/cases/{second.number}").status_code == 404


def test_the_review_list_of_pairs(loop: Any, tmp_path: Any) -> None:
    import csv

    from django.core.management import CommandError, call_command

    first = _report(loop, "小区门口垃圾堆了好几天", POINT_A, "0102")
    second = _report(loop, "路边暴露垃圾很臭", NEAR, "0102")
    _report(loop, "电线杆上贴满了小广告", NEAR, "0201")
    target = tmp_path / "pairs.csv"
    today = timezone.localdate().isoformat()
    call_command("triage", "duplicates", "--since", today, "--output", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [(r["case"], r["likely_duplicate_of"]) for r in rows] == [(second.number, first.number)]
    assert float(rows[0]["distance_m"]) < 20 and rows[0]["category"] == "event:0102"
    with pytest.raises(CommandError, match="--since"):
        call_command("triage", "duplicates", "--since", "yesterday")
    with pytest.raises(CommandError, match="--district"):
        call_command("triage", "duplicates", "--since", today, "--district", "nowhere")

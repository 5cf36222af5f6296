"""The standard catalog ships with the package, loads idempotently, and cities extend it locally."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cityloop.catalog import actions
from cityloop.catalog.lookup import category
from cityloop.catalog.models import Category, StepLimit, Urgency, is_local_code
from cityloop.catalog.standard import DEFAULT_STEP_LIMITS, STANDARD_CSV
from cityloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def csv_rows() -> list[dict[str, str]]:
    with STANDARD_CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_row_of_catalog_csv_is_loaded_by_the_migration():
    rows = csv_rows()
    assert len(rows) == 145
    stored = {(c.kind, c.code): c for c in Category.objects.select_related("parent")}
    for row in rows:
        cat = stored[(row["kind"], row["code"])]
        assert (cat.name, cat.name_en) == (row["name_zh"], row["name_en"])
        if len(row["code"]) == 4:
            assert cat.parent is not None and cat.parent.code == row["class_code"]
        else:
            assert cat.parent is None
    assert stored[("component", "0101")].name == "上水井盖"
    assert stored[("event", "0501")].name == "无照经营游商"
    assert stored[("event", "0501")].parent == stored[("event", "05")]


def test_urgencies_and_default_step_limits_are_data():
    urgent, normal = Urgency.objects.get(code="urgent"), Urgency.objects.get(code="normal")
    assert urgent.counts_clock_time and not normal.counts_clock_time
    assert StepLimit.objects.count() == 2 * len(DEFAULT_STEP_LIMITS)
    verify = StepLimit.objects.get(step="verify", urgency=normal)
    assert (verify.amount, verify.unit) == (30, "minute")


def test_load_standard_is_idempotent_and_audited(actor):
    before = Category.objects.count()
    counts = actions.load_standard(actor=actor)
    assert counts == {
        "categories_created": 0,
        "categories_updated": 0,
        "urgencies_created": 0,
        "step_limits_created": 0,
    }
    assert Category.objects.count() == before
    assert AuditEntry.objects.filter(action="catalog.load_standard").count() == 1


def test_load_standard_restores_a_renamed_standard_name(actor):
    cover = Category.objects.get(kind="component", code="0101")
    actions.rename_category(actor=actor, category=cover, name="自来水井盖")
    out = io.StringIO()
    call_command("catalog", "load-standard", stdout=out)
    assert "categories updated: 1" in out.getvalue()
    cover.refresh_from_db()
    assert cover.name == "上水井盖"


@pytest.mark.parametrize(
    ("code", "local"),
    [
        ("01", False),
        ("06", False),
        ("07", True),
        ("12", True),
        ("0101", False),
        ("0190", True),
        ("0198", True),
        ("0199", False),
        ("0701", True),
    ],
)
def test_local_codes(code, local):
    assert is_local_code(code) is local


def test_add_local_class_and_subclasses(actor):
    cls = actions.add_local_category(
        actor=actor, kind="event", code="07", name="防疫管理", name_en="epidemic"
    )
    sub = actions.add_local_category(actor=actor, kind="event", code="0701", name="防疫点位脏乱")
    local = actions.add_local_category(actor=actor, kind="component", code="0190", name="充电桩")
    assert cls.is_local and sub.is_local and local.is_local
    assert sub.parent == cls and local.parent.code == "01"
    assert category("0701", "event").name == "防疫点位脏乱"
    assert AuditEntry.objects.filter(action="category.create").count() == 3


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("component", "0139", "reserved for the national standard"),
        ("component", "0101", "reserved"),
        ("event", "0790", "no event class 07"),
        ("component", "1", "2 digits"),
        ("thing", "07", "unknown kind"),
    ],
)
def test_add_local_category_refuses_bad_codes(actor, kind, code, message):
    with pytest.raises(ValidationError) as exc:
        actions.add_local_category(actor=actor, kind=kind, code=code, name="x")
    assert message in str(exc.value)


def test_import_local_categories_from_csv(actor, tmp_path):
    path = tmp_path / "local.csv"
    path.write_text(
        "kind,code,name_zh,name_en,class_code,class_name_zh\n"
        "component,07,智慧设施,smart facilities,07,智慧设施\n"
        "component,0701,智能垃圾箱,smart bin,07,智慧设施\n"
        "event,0190,共享单车堆积,shared bikes piled up,01,市容环境\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("catalog", "import", str(path), stdout=out)
    assert "created: 3" in out.getvalue()
    assert category("0701", "component").parent.code == "07"
    assert category("0190", "event").is_local
    # Idempotent: the same file again creates nothing.
    assert actions.import_categories(path, actor=actor)["created"] == 0


def test_import_categories_reports_every_bad_line_and_writes_nothing(actor):
    text = (
        "kind,code,name_zh,name_en,class_code,class_name_zh\n"
        "component,0791,好行,ok,07,本地\n"
        "component,123,坏码,bad code,12,x\n"
        "gadget,0792,坏类,bad kind,07,本地\n"
        "component,0793,,no name,07,本地\n"
    )
    before = Category.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.import_categories(io.StringIO(text), actor=actor)
    messages = exc.value.messages
    assert any(m.startswith("line 3, code") for m in messages)
    assert any(m.startswith("line 4, kind") for m in messages)
    assert any(m.startswith("line 5, name_zh") for m in messages)
    assert Category.objects.count() == before


def test_import_refuses_new_standard_codes(actor):
    text = "kind,code,name_zh,name_en,class_code,class_name_zh\ncomponent,0139,新井盖,new cover,01,公用设施\n"
    with pytest.raises(ValidationError, match="line 2, code: component 0139 is not in the catalog"):
        actions.import_categories(io.StringIO(text), actor=actor)


def test_retiring_a_subclass_keeps_history(actor):
    special = Category.objects.get(kind="component", code="0130")
    actions.retire_category(actor=actor, category=special, on=dt.date(2025, 1, 1))
    assert category("0130", "component", on=dt.date(2024, 12, 31)) == special
    with pytest.raises(ValidationError, match="retired on 2025-01-01"):
        category("0130", "component", on=dt.date(2025, 1, 1))
    assert Category.objects.filter(code="0130", kind="component").exists()
    assert not Category.objects.active(dt.date(2025, 6, 1)).filter(pk=special.pk).exists()
    actions.reinstate_category(actor=actor, category=special)
    assert category("0130", "component", on=dt.date(2026, 1, 1)) == special


def test_retiring_a_class_retires_its_subclasses(actor):
    cls = Category.objects.get(kind="event", code="06")
    actions.retire_category(actor=actor, category=cls, on=dt.date(2025, 1, 1))
    assert (
        not Category.objects.active(dt.date(2025, 1, 2)).filter(kind="event", code__startswith="06").exists()
    )


def test_category_lookup_errors_name_the_problem():
    with pytest.raises(ValidationError, match="there is no event class or subclass 0188"):
        category("0188", "event")
    with pytest.raises(ValidationError, match="not a class"):
        category("01a", "event")
    with pytest.raises(ValidationError, match="unknown kind"):
        category("0101", "widget")

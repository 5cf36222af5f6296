"""Registration conditions and step limits: versions by date, regions, demo loading, lookups."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from cityloop.catalog import actions
from cityloop.catalog.lookup import condition, conditions_for, search, step_limit
from cityloop.catalog.models import Category, Condition
from cityloop.catalog.standard import read_conditions
from cityloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

D1, D2, D3 = dt.date(2024, 1, 1), dt.date(2024, 7, 1), dt.date(2025, 1, 1)


@pytest.fixture
def refuse() -> Category:
    return Category.objects.get(kind="event", code="0102")


def add(actor, cat, number=1, **kw):
    values = {
        "description": "成堆垃圾",
        "urgency": "normal",
        "limit_amount": 4,
        "limit_unit": "working_hour",
        "closure": "现场整洁",
        "valid_from": D1,
    }
    values.update(kw)
    return actions.add_condition(actor=actor, category=cat, number=number, **values)


def test_add_condition_is_audited_and_found(actor, refuse):
    made = add(actor, refuse)
    assert condition(refuse, 1, on=D2) == made
    assert made.urgency.code == "normal" and made.version == 1
    assert AuditEntry.objects.filter(action="condition.create", object_id=str(made.pk)).exists()


def test_revision_creates_a_version_and_old_cases_keep_theirs(actor, refuse):
    v1 = add(actor, refuse)
    v2 = actions.revise_condition(actor=actor, condition=v1, on=D2, limit_amount=2, limit_unit="clock_hour")
    v1.refresh_from_db()
    assert (v1.valid_to, v2.valid_from, v2.version) == (D2, D2, 2)
    assert (v2.limit_amount, v2.limit_unit) == (2, "hour")  # clock_hour is an alias of hour
    assert condition(refuse, 1, on=D2 - dt.timedelta(days=1)).pk == v1.pk
    assert condition(refuse, 1, on=D2).pk == v2.pk
    assert condition(refuse, 1, on=D3).limit_amount == 2
    assert AuditEntry.objects.filter(action="condition.revise").count() == 1


def test_revision_must_fall_inside_the_version(actor, refuse):
    v1 = add(actor, refuse)
    with pytest.raises(ValidationError, match="a revision must start"):
        actions.revise_condition(actor=actor, condition=v1, on=D1, limit_amount=1)
    with pytest.raises(ValidationError, match="cannot be revised"):
        actions.revise_condition(actor=actor, condition=v1, on=D2, number=3)


def test_a_second_condition_with_the_same_number_is_refused(actor, refuse):
    add(actor, refuse)
    with pytest.raises(ValidationError, match="already has a version"):
        add(actor, refuse, valid_from=D2)


def test_bad_condition_values_are_named_per_field(actor, refuse):
    with pytest.raises(ValidationError) as exc:
        add(actor, refuse, urgency="panic", limit_amount=0, limit_unit="fortnight", description=" ")
    fields = exc.value.message_dict
    assert set(fields) == {"urgency", "limit_amount", "limit_unit", "description"}
    assert "fortnight" in fields["limit_unit"][0]


def test_conditions_belong_to_subclasses_and_regions_are_districts_or_streets(actor, org, refuse):
    with pytest.raises(ValidationError, match="is a class"):
        add(actor, Category.objects.get(kind="event", code="01"))
    with pytest.raises(ValidationError, match="a region is a district or street"):
        add(actor, refuse, region=org.community_a)


def test_region_specific_conditions_win(actor, org, refuse):
    general = add(actor, refuse, number=1)
    add(actor, refuse, number=2, description="垃圾桶满溢")
    district = add(actor, refuse, number=1, region=org.district, limit_amount=3)
    street = add(actor, refuse, number=1, region=org.street_a, limit_amount=2)
    only_b = add(actor, refuse, number=3, region=org.street_b, description="西街道特有")
    # No region given: the general conditions only.
    assert [c.pk for c in conditions_for(refuse, on=D2)][:1] == [general.pk]
    assert len(conditions_for(refuse, on=D2)) == 2
    # In street A (inside the district) the street's version of condition 1 wins over the district's.
    in_a = conditions_for(refuse, region_units=[org.street_a, org.district], on=D2)
    assert (in_a[0].number, in_a[0].pk) == (1, street.pk)
    assert only_b.pk not in {c.pk for c in in_a}
    # In street B: the district's condition 1, the general 2, and street B's own 3 (ids work too).
    in_b = conditions_for(refuse, region_units=[org.street_b.pk, org.district.pk], on=D2)
    assert (in_b[0].number, in_b[0].pk) == (1, district.pk)
    assert [c.number for c in in_b] == [1, 2, 3]
    assert condition(refuse, 3, region_units=[org.street_b], on=D2) == only_b
    with pytest.raises(ValidationError, match="has no condition 3; it has 1, 2"):
        condition(refuse, 3, region_units=[org.street_a], on=D2)


def test_ended_condition_is_not_offered(actor, refuse):
    v1 = add(actor, refuse)
    actions.end_condition(actor=actor, condition=v1, on=D2)
    assert conditions_for(refuse, on=D2) == []
    assert conditions_for(refuse, on=D1) == [v1]


def test_step_limits_have_defaults_and_versions(actor):
    amount, unit, ref = step_limit("check", "normal", on=D1)
    assert (amount, unit) == (2, "working_hour")
    assert step_limit("verify", "urgent", on=D1)[:2] == (10, "minute")
    new = actions.set_step_limit(
        actor=actor, step="check", urgency="normal", amount=3, unit="working_hour", on=D2
    )
    assert step_limit("check", "normal", on=D1).version_ref == ref
    assert step_limit("check", "normal", on=D2) == (3, "working_hour", new.pk)
    with pytest.raises(ValidationError, match="unknown step"):
        step_limit("nap", "normal")
    with pytest.raises(ValidationError, match="unknown urgency"):
        step_limit("check", "whenever")
    assert AuditEntry.objects.filter(action="step_limit.set").count() == 1


def test_demo_conditions_cover_every_subclass_and_are_idempotent(actor):
    counts = actions.load_demo_conditions(actor=actor)
    assert counts["from_examples"] == 20
    subclasses = Category.objects.subclasses()
    without = subclasses.exclude(conditions__isnull=False)
    assert not without.exists(), list(without)
    missing = condition(Category.objects.get(kind="component", code="0101"), 2)
    assert (missing.urgency.code, missing.limit_amount, missing.limit_unit) == ("urgent", 2, "hour")
    assert missing.closure_en == "cover replaced or area fenced" and missing.closure
    lamp = condition(Category.objects.get(kind="component", code="0119"), 1)
    assert (lamp.limit_amount, lamp.limit_unit) == (2, "working_day")
    collapse = condition(Category.objects.get(kind="event", code="0401"), 1)
    assert collapse.urgency.code == "urgent"
    assert all(c.closure for c in Condition.objects.all())
    total = Condition.objects.count()
    assert actions.load_demo_conditions(actor=actor) == {"from_examples": 0, "defaults": 0}
    assert Condition.objects.count() == total


def test_import_conditions_versions_changes_and_skips_identical(actor, org):
    header = "kind,code,condition_no,registration_condition_zh,registration_condition_en,urgency,time_limit,"
    header += "time_unit,closure_condition_en,source_note,region\n"
    first = header + "event,0505,1,机动车占用人行道,car on pavement,normal,2,working_hour,car moved,x,\n"
    counts = actions.import_conditions(io.StringIO(first), actor=actor, valid_from=D1)
    assert counts == {"rows": 1, "created": 1, "revised": 0, "unchanged": 0}
    assert actions.import_conditions(io.StringIO(first), actor=actor, valid_from=D2)["unchanged"] == 1
    second = header + "event,0505,1,机动车占用人行道,car on pavement,normal,1,clock_hour,car moved,x,\n"
    second += "event,0505,1,机动车占用人行道,car on pavement,normal,30,minute,car moved,x,990100001\n"
    counts = actions.import_conditions(io.StringIO(second), actor=actor, valid_from=D2)
    assert (counts["revised"], counts["created"]) == (1, 1)
    parking = Category.objects.get(kind="event", code="0505")
    assert condition(parking, 1, on=D1).limit_amount == 2
    assert condition(parking, 1, on=D2).limit_unit == "hour"
    assert condition(parking, 1, region_units=[org.street_a], on=D2).limit_amount == 30


def test_condition_files_report_every_bad_line(actor):
    text = (
        "kind,code,condition_no,registration_condition_zh,urgency,time_limit,time_unit\n"
        "event,0102,1,好,normal,4,working_hour\n"
        "event,0102,x,坏编号,normal,4,working_hour\n"
        "event,0102,2,坏单位,normal,4,fortnight\n"
        "event,0188,1,无此小类,normal,4,working_hour\n"
    )
    with pytest.raises(ValidationError) as exc:
        read_conditions(io.StringIO(text))
    assert [m.split(",")[0] for m in exc.value.messages] == ["line 3", "line 4"]
    good = "kind,code,condition_no,registration_condition_zh,urgency,time_limit,time_unit\n"
    good += "event,0188,1,无此小类,normal,4,working_hour\nevent,0102,1,好,asap,4,hour\n"
    with pytest.raises(ValidationError) as exc:
        actions.import_conditions(io.StringIO(good), actor=actor)
    assert exc.value.messages == [
        "line 2, code: there is no event subclass 0188",
        "line 3, urgency: unknown urgency 'asap'",
    ]
    assert not Condition.objects.exists()


def test_search_finds_every_manhole_cover():
    hits = search("井盖")
    codes = {h.category.code for h in hits}
    expected = set(
        Category.objects.filter(kind="component", name__contains="井盖").values_list("code", flat=True)
    )
    assert len(expected) == 16
    assert codes == expected
    assert "0104" not in codes  # 雨水箅子 is a grate, not a cover


def test_search_looks_into_conditions_and_english(actor):
    actions.load_demo_conditions(actor=actor)
    by_condition = {h.category.code: h for h in search("不亮")}
    assert "0118" in by_condition and not by_condition["0118"].name_matched
    assert by_condition["0118"].conditions[0].number == 1
    assert {h.category.code for h in search("street lamp")} == {"0118"}
    assert {h.category.code for h in search("游商", kind="event")} == {"0501"}
    assert search("   ") == []


def test_search_words_combine_names_and_conditions(actor):
    actions.load_demo_conditions(actor=actor)
    hits = search("井盖 丢失")
    assert {h.category.code for h in hits} == set(
        Category.objects.filter(kind="component", name__contains="井盖").values_list("code", flat=True)
    )
    assert all([c.number for c in h.conditions] == [2] for h in hits)
    assert all(not h.name_matched for h in hits)
    lamps = {h.category.code: h for h in search("路灯")}
    assert lamps["0118"].name_matched and [c.number for c in lamps["0118"].conditions] == [1]


def test_search_puts_the_kind_of_thing_typed_before_things_named_after_it():
    names = [h.category.name for h in search("垃圾")]
    # 暴露垃圾 is refuse; 垃圾间(楼) is a room for it: a name ending with the text comes first.
    assert names.index("暴露垃圾") < names.index("垃圾间(楼)")
    assert names[0] == "暴露垃圾"


def test_search_ranks_the_categories_a_city_meets_most_first():
    burning = Category.objects.get(kind="event", code="0602")
    names = [h.category.name for h in search("垃圾", usage={burning.pk: 40})]
    assert names[0] == "焚烧树叶垃圾"
    # An exact name still comes before anything used more often.
    exact = Category.objects.get(kind="component", code="0305")
    assert search("垃圾箱", usage={burning.pk: 40})[0].category == exact

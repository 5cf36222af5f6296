"""The 16-digit component ID is checked part by part, and each problem is named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cityloop.assets.codes import validate_component_id
from cityloop.catalog.actions import retire_category
from cityloop.catalog.models import Category

pytestmark = pytest.mark.django_db


def problem(code: str, **kw) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_component_id(code, **kw)
    return exc.value.message_dict["id"][0]


def test_a_valid_id_gives_its_subclass(org):
    assert validate_component_id("9901000101000001").code == "0101"


def test_bad_length_is_named(org):
    assert "has 15 characters; it must have 16 digits" in problem("990100010100001")
    assert "has 17 characters" in problem("99010001010000011")


def test_non_digits_are_named(org):
    assert "digits only (found 'A')" in problem("99010001010000A1")
    assert "digits only" in problem("９９０１０００１０１００００01")  # full-width digits are not ASCII


def test_wrong_class_is_named(org):
    message = problem("9901000901000001")
    assert message.startswith("class 09 in component ID 9901000901000001 is not a component class")


def test_nonexistent_subclass_is_named(org):
    assert (
        "subclass 0199 in component ID 9901000199000001 does not exist in component class 01 公用设施"
        in problem("9901000199000001")
    )


def test_retired_subclass_is_named(org, actor):
    special = Category.objects.get(kind="component", code="0130")
    retire_category(actor=actor, category=special, on=dt.date(2025, 1, 1))
    assert validate_component_id("9901000130000001", on=dt.date(2024, 6, 1)).code == "0130"
    assert "subclass 0130 特殊井盖 in component ID 9901000130000001 was retired on 2025-01-01" in problem(
        "9901000130000001", on=dt.date(2025, 2, 1)
    )


def test_unknown_admin_code_is_named(org):
    assert "admin code 123456 in component ID 1234560101000001 is not the code of any district" in problem(
        "1234560101000001"
    )
    # The city's own code is not a district's.
    assert "admin code 990000" in problem("9900000101000001")


def test_sequence_zero_is_refused(org):
    assert "sequence 000000" in problem("9901000101000000")

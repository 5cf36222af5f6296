"""Text search over cases: the index terms, what a search finds, and the index kept with the cases."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection

from cityloop.cases import search
from cityloop.cases.models import Case, CaseText
from cityloop.cases.search import index_terms, query_terms, text_filter

from .conftest import POINT_B


def test_terms_are_chinese_pairs_and_whole_words():
    assert index_terms(["示范路12号 井盖破损"]) == "示范 范路 12 井盖 盖破 破损"
    # Each term once; letters lower-cased; full-width forms as their ordinary ones.
    assert index_terms(["ＡＢ-１２", "ab 12"]) == "ab 12"
    assert index_terms(["", "号"]) == ""  # a lone Chinese character is no term
    assert query_terms("示范路12号") == ["示范", "范路", "12"]
    assert query_terms("井") == [] and query_terms("，。!") == []


@pytest.fixture
def texts(loop: Any) -> dict[str, Case]:
    made = {
        "cover": loop.report(description="井盖破损，有安全隐患", address="示范路12号"),
        "cover_112": loop.report(description="井盖缺失", address="示范路112号"),
        "garbage": loop.report(description="暴露垃圾", address="和平街3号"),
        "split": loop.report(description="示范区的路面坑洼", address="建设路"),
    }
    made["b"] = loop.report(
        point=POINT_B, description="井盖松动", address="东街", actor=loop.users["supervisor_b"]
    )
    return made


def _found(text: str, **kw: Any) -> set[int]:
    return set(Case.objects.filter(text_filter(text, **kw)).values_list("pk", flat=True))


def test_a_reported_case_has_its_search_terms(texts):
    case = texts["cover"]
    terms = CaseText.objects.get(case=case).terms.split()
    assert {"井盖", "破损", "示范", "12"} <= set(terms)
    assert case.number.split("-")[-1].lower() in terms and case.tracking_code.lower() in terms


@pytest.mark.parametrize("probe", [False, True])
def test_search_finds_what_the_texts_contain(texts, probe):
    ids = {name: case.pk for name, case in texts.items()}
    assert _found("井盖", probe=probe) == {ids["cover"], ids["cover_112"], ids["b"]}
    assert _found("示范路12号", probe=probe) == {ids["cover"]}  # not 112号: digits are whole words
    assert _found("安全隐患", probe=probe) == {ids["cover"]}
    # 示范 and 范路 are both in "示范区的路面…建设路"? No: 范路 is not, and the text itself is checked.
    assert _found("示范路", probe=probe) == {ids["cover"], ids["cover_112"]}
    assert _found("坑洼 示范", probe=probe) == set()  # every term, and the text as typed
    assert _found("垃圾", probe=probe) == {ids["garbage"]}
    assert _found("不存在", probe=probe) == set()


def test_search_by_number_tracking_code_and_one_character(texts):
    case = texts["garbage"]
    assert _found(case.number) == {case.pk}
    assert _found(case.tracking_code.lower()) == {case.pk}
    assert _found(case.number.split("-")[-1]) >= {case.pk}  # the day's sequence number alone
    # One Chinese character has no term: the rows are read as they were before the index.
    assert _found("洼") == {texts["split"].pk}


def test_a_text_held_by_many_cases(texts):
    assert search.held_by_many("井盖", 0) is True
    assert search.held_by_many("井盖", 1000) is False
    if connection.vendor == "sqlite":  # counted there (PostgreSQL answers from its estimate)
        assert search.held_by_many("井盖", 2) is True
        assert search.held_by_many("井盖", 3) is False
    assert search.held_by_many("井", 0) is False  # no term: nothing to count


def test_the_index_follows_deleted_cases(texts):
    texts["cover"].delete()
    assert not CaseText.objects.filter(case_id=texts["cover"].pk).exists()
    assert _found("井盖") == {texts["cover_112"].pk, texts["b"].pk}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # the FTS table agrees with its content table
            cursor.execute("INSERT INTO cases_casetext_fts(cases_casetext_fts) VALUES ('integrity-check')")


def test_the_migration_indexes_cases_reported_before_it(texts):
    CaseText.objects.all().delete()
    assert _found("井盖") == set()
    migration = importlib.import_module("cityloop.cases.migrations.0008_case_text")
    migration.index_existing_cases(django_apps, SimpleNamespace(connection=connection))
    assert _found("井盖") == {texts["cover"].pk, texts["cover_112"].pk, texts["b"].pk}


def test_the_api_searches_the_same_way(loop, api_as, texts):
    operator = api_as(loop.users["operator"])
    found = operator.get("/api/v1/cases", q="示范路12号").json()
    assert [c["number"] for c in found["items"]] == [texts["cover"].number]
    covers = operator.get("/api/v1/cases", q="井盖").json()
    assert covers["count"] == 3


def test_search_finds_cases_by_the_name_of_their_category(loop, texts):
    # Nothing in the words says 暴露垃圾, but the operator filed it under that subclass.
    filed = loop.drive(loop.report(description="路边很脏", address="和平街5号"), "accept")
    assert filed.category is not None and filed.category.name == "暴露垃圾"
    assert _found("暴露垃圾") == {filed.pk, texts["garbage"].pk}
    assert filed.pk in _found("垃圾", probe=True)

"""Text search over cases: a word index that understands Chinese.

Operators look cases up by a few characters of the description or the address (井盖, 示范路12号) or by
a case number. A ``LIKE '%…%'`` reads every row it might match: the open backlog takes a quarter of
a second, a year of a million cases several seconds. So each case has index terms of its own
(:class:`~cityloop.cases.models.CaseText`), written once when it is reported (its texts never change):

- every pair of neighbouring Chinese characters (示范路 → 示范 范路), so any two or more characters
  of a Chinese text are found, whatever the words are: Chinese has no spaces to split on;
- every run of letters or digits as one word, lower-cased (a case number 990101-20261122-0007 → the
  words 990101, 20261122, 0007).

Full-width forms count as their ordinary ones (NFKC). A search asks the index for the cases that
hold every term of the query, then checks the text itself on those few rows (a query that is one
term and nothing else, 井盖, needs no check): the answer is the cases whose number, tracking code,
description or address contains the query, among those holding its terms. Letters and digits
match as whole words (12号 does not find 112号). A query without a term (one Chinese character,
punctuation) is read row by row as before.

The index itself: SQLite keeps the terms in an FTS5 table (``cases_casetext_fts``, filled by
triggers on ``cases_casetext``); PostgreSQL has a GIN index over the terms as an array.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Q
from django.utils import timezone

from cityloop.catalog.models import Category
from cityloop.core.caching import Memo

from .models import Case

# Han (with extensions and compatibility ideographs), kana and hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
# A word longer than this is indexed by its start (nobody types 64 characters of one word).
MAX_WORD = 64


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def _terms(run: str) -> list[str]:
    if _IS_CJK.match(run):
        return [run[i : i + 2] for i in range(len(run) - 1)]
    return [run[:MAX_WORD]]


def index_terms(texts: Iterable[str]) -> str:
    """The index terms of a case's texts, space-separated, each once."""
    found: dict[str, None] = {}
    for text in texts:
        for run in _runs(text or ""):
            found.update(dict.fromkeys(_terms(run)))
    return " ".join(found)


def case_terms(number: str, tracking_code: str, description: str, address: str) -> str:
    """The index terms of one case (what :func:`text_filter` searches)."""
    return index_terms((number, tracking_code, description, address))


def query_terms(text: str) -> list[str]:
    """The terms every case containing ``text`` holds (a lone Chinese character may stand inside a
    longer run of the case's text, where it is no term of its own: the check of the text finds it).
    Empty when the index cannot narrow the search."""
    found: dict[str, None] = {}
    for run in _runs(text):
        found.update(dict.fromkeys(_terms(run)))
    return list(found)


def contains_text(text: str) -> Q:
    """Case number, tracking code, description or address contains ``text`` (read row by row)."""
    return (
        Q(number__contains=text)
        | Q(tracking_code=text.upper())
        | Q(description__contains=text)
        | Q(address__contains=text)
    )


def fts_query(terms: list[str]) -> str:
    """An FTS5 query asking for every term (quoted: terms hold only letters and digits)."""
    return " AND ".join(f'"{term}"' for term in terms)


class HoldsTerms(Func):
    """True for the cases whose index holds every one of ``terms``.

    SQLite reads the index's cases one by one (right for a rare term); with ``probe`` it instead
    walks the cases the other conditions pick (the open backlog, from its own index) and checks
    each against the index's answer, which is cheaper when the term is common (井盖 in a tenth of
    all cases). PostgreSQL's planner makes that choice itself from its statistics."""

    output_field = BooleanField()

    def __init__(self, terms: list[str], *, probe: bool = False) -> None:
        super().__init__(F("pk"))
        self.terms = terms
        self.probe = probe

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            # A unary plus keeps SQLite from looking cases up by the subquery's ids.
            query = fts_query(self.terms)
            return (
                f"{'+' if self.probe else ''}{column} IN "
                "(SELECT rowid FROM cases_casetext_fts WHERE cases_casetext_fts MATCH %s)",
                [*params, query],
            )
        return (
            f"{column} IN (SELECT case_id FROM cases_casetext "
            "WHERE string_to_array(terms, ' ') @> %s::text[])",
            [*params, self.terms],
        )


def _is_one_term(text: str) -> bool:
    """Whether ``text`` is one term and nothing else (井盖, a word): a case holding the term contains
    the text, so the index answers alone, without reading the rows."""
    normal = unicodedata.normalize("NFKC", text).lower()
    return _runs(text) == [normal] and query_terms(text) == [normal]


def text_filter(text: str, *, probe: bool = False) -> Q:
    """Cases whose number, tracking code, description or address contains ``text`` (taken from the
    index where the query has terms; ``probe``: see :class:`HoldsTerms`), or whose category's name
    does: 井盖 finds the cases filed under any manhole-cover subclass, whatever their words."""
    text = text.strip()
    found = _texts_holding(text, probe=probe)
    categories = (
        list(Category.objects.filter(name__contains=text).values_list("pk", flat=True)) if text else []
    )
    return found | Q(category_id__in=categories) if categories else found


def _texts_holding(text: str, *, probe: bool) -> Q:
    terms = query_terms(text)
    if not terms:
        return contains_text(text)
    if probe and connection.vendor == "postgresql":
        # A common text among the listed cases (the open backlog): reading those rows, which the
        # page needs anyway, beats joining a quarter of all cases' terms.
        return contains_text(text)
    holding = Q(HoldsTerms(terms, probe=probe))
    return holding if _is_one_term(text) else holding & contains_text(text)


def held_by_many(text: str, limit: int) -> bool:
    """Whether more than ``limit`` cases hold the terms of ``text`` (SQLite: counted from the index,
    stopping at the limit; PostgreSQL: its planner's estimate)."""
    terms = query_terms(text.strip())
    if not terms:
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM (SELECT rowid FROM cases_casetext_fts "
                "WHERE cases_casetext_fts MATCH %s LIMIT %s)",
                [fts_query(terms), limit + 1],
            )
            return int(cursor.fetchone()[0]) > limit
        # PostgreSQL would build the whole bitmap to count; its planner's estimate (from the
        # statistics of the terms' most common elements) is good enough to choose a plan by.
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM cases_casetext "
            "WHERE string_to_array(terms, ' ') @> %s::text[]",
            [terms],
        )
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"]) > limit


def indexed(text: str) -> bool:
    """Whether a search for ``text`` is answered from the index (else it reads row by row)."""
    return bool(query_terms(text.strip()))


# How often each category was reported lately, to rank a category search by (kept ten minutes).
USAGE: Memo[dict[int, int]] = Memo("category usage", ttl=600, maxsize=1)
USAGE_DAYS = 90


def category_usage() -> dict[int, int]:
    """Cases per category id reported in the last :data:`USAGE_DAYS` days (the categories a city
    meets most come first when an operator searches the catalog)."""

    def count() -> dict[int, int]:
        since = timezone.now() - dt.timedelta(days=USAGE_DAYS)
        rows = (
            Case.objects.filter(reported_at__gte=since, category__isnull=False)
            .values("category_id")
            .annotate(n=Count("id"))
            .values_list("category_id", "n")
        )
        return dict(rows)

    return USAGE.get("all", count)

"""``core.versioned``: a compiled copy per process, rebuilt when the data's counter moves, and never
kept from a transaction that may still roll back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from cityloop.core.models import SharedVersion
from cityloop.core.versioned import Versioned

pytestmark = pytest.mark.django_db(transaction=True)


class Built:
    """A copy that says which version it was built from and how many were built."""

    count = 0

    def __init__(self, version: int) -> None:
        Built.count += 1
        self.version = version
        self.rows = list(SharedVersion.objects.filter(name="test.rows").values_list("counter", flat=True))


def _versioned(**kw: Any) -> Versioned[Built]:
    Built.count = 0
    return Versioned("test.data", Built, **kw)


def test_the_copy_is_kept_until_the_counter_moves() -> None:
    data = _versioned(recheck_seconds=0)
    first = data.get()
    assert data.get() is first and Built.count == 1
    SharedVersion.objects.update_or_create(name="test.data", defaults={"counter": 7})  # another process
    assert data.get().version == 7 and Built.count == 2


def test_between_rechecks_no_query_is_made(django_assert_num_queries: Any) -> None:
    data = _versioned(recheck_seconds=60)
    data.get()
    with django_assert_num_queries(0):
        data.get()


def test_a_bump_moves_the_counter_in_the_writers_transaction_and_others_see_it_after_commit() -> None:
    data = _versioned(recheck_seconds=0)
    before = data.get()
    with transaction.atomic():
        SharedVersion.objects.create(name="test.rows", counter=1)
        data.bump()
        inside = data.get()
        assert inside.rows == [1] and inside is data.get()  # kept for this transaction
    after = data.get()
    assert after.version == before.version + 1 and after.rows == [1]


def test_nothing_built_inside_a_transaction_that_rolls_back_is_kept() -> None:
    data = _versioned(recheck_seconds=0)
    data.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        SharedVersion.objects.create(name="test.rows", counter=1)
        data.bump()
        assert data.get().rows == [1]
        raise RuntimeError("the change is abandoned")
    # Another change commits and takes the same counter value the abandoned one had taken.
    with transaction.atomic():
        data.bump()
    assert data.get().rows == []

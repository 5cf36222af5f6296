"""A django-tasks job for the worker tests."""

from __future__ import annotations

from django_tasks import task

CALLS: list[int] = []


@task()
def remember(value: int) -> int:
    CALLS.append(value)
    return value * 2

"""The community micro-loop's counts for the monthly evaluation: problems solved inside the
community (三长一站) and those escalated to the district, by community, street and district."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cityloop.community.models import Task, TaskState

from .measure_types import Window


def _community_tasks(w: Window) -> QuerySet[Any]:
    """Community tasks of the area that ended (solved or escalated) inside the period."""
    ended = Q(solved_at__gte=w.start, solved_at__lt=w.cutoff) | Q(
        escalated_at__gte=w.start, escalated_at__lt=w.cutoff
    )
    return Task.objects.filter(district_id__in=w.districts).filter(ended)


def _solved_here(w: Window) -> Q:
    return Q(state=TaskState.SOLVED, solved_at__gte=w.start, solved_at__lt=w.cutoff)


def _escalated(w: Window) -> Q:
    return Q(state=TaskState.ESCALATED, escalated_at__gte=w.start, escalated_at__lt=w.cutoff)

"""Video patrol's counts for the monthly evaluation of operators (轮巡): the cameras of each round an
operator walked, those looked at and those missed, and the rounds left unfinished (issue 26).

A round counts in the month it started once it is over: finished by its operator, or marked missed
by the worker's sweep when its day ended with the round still running (docs/video.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from cityloop.video.models import RoundStatus, RoundStop, StopStatus

from .measure_types import Window


def _round_stops(w: Window) -> QuerySet[Any]:
    """The cameras of the area's rounds that started inside the period and are over."""
    return (
        RoundStop.objects.filter(
            round__district_id__in=w.districts,
            round__started_at__gte=w.start,
            round__started_at__lt=w.cutoff,
            round__status__in=(RoundStatus.FINISHED, RoundStatus.MISSED),
        )
        .annotate(operator_id=F("round__operator_id"))
        .order_by()
    )


def _looked(w: Window) -> Q:
    return Q(status=StopStatus.LOOKED)


def _missed_stop(w: Window) -> Q:
    return Q(status=StopStatus.MISSED)


def _missed_round(w: Window) -> Q:
    return Q(round__status=RoundStatus.MISSED)

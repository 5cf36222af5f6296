"""The counts every indicator is built from, read from the facts frozen on the cases.

A *family* is a base set of rows (timed steps, cases or timeline events) for the period, grouped by
the fields that name subjects (the user who ended a step, the unit owning a disposal, the case's
grid …), with one conditional count per *measure*: one SQL query (one per kind of step for the steps
family, see :mod:`.counting`). The same definition serves the aggregate and the drill-down ("which
cases are behind this count"), so the two always agree.

Rules shared by every measure:

* a step counts in the period in which it **ended** (``ended_at`` in ``[start, cut-off)``), with the
  on-time fact frozen when it ended; disposals still running at the cut-off count as *overdue
  pending* once their deadline has passed;
* cases count in the period in which they were **reported** (regions, supervisors' reports) or
  **dispatched** (a unit's cases); what happened to them counts only if it happened before the
  cut-off (the period's end, or "now" for a period still running), so a past month's numbers do not
  move when its cases are worked on later;
* a return visit (回访) counts in the period in which it was made, only if it was its case's first
  (the satisfaction recorded in the timeline, for the case's regions and the unit whose disposal
  was visited).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Q, QuerySet

from cityloop.frontage.models import SelfCorrection

from .community import _community_tasks, _escalated, _solved_here
from .conditions import (  # the row sets and conditions the families below name
    _by_rework,
    _cases_reported,
    _closable,
    _closed,
    _closed_cases,
    _closed_on_time,
    _dispose_overdue,
    _dispose_started,
    _extensions,
    _first_visits,
    _kept,
    _m,
    _merged,
    _public,
    _returned_after,
    _satisfaction,
    _step,
    _steps_ended,
    _survey_responses,
    _survey_satisfied,
    _valid,
    _voided,
)
from .measure_types import Family, Measure, Window
from .scoring import round4
from .video import _looked, _missed_round, _missed_stop, _round_stops


def _frontage_cases(w: Window) -> QuerySet[Any]:
    # Cases handed to a frontage party first (门前三包), in the period in which they were handed over.
    return SelfCorrection.objects.filter(
        district_id__in=w.districts, opened_at__gte=w.start, opened_at__lt=w.cutoff
    )


FAMILIES: dict[str, Family] = {
    f.key: f
    for f in [
        Family(
            "steps",
            _steps_ended,
            ("ended_by_id", "unit_id"),
            (
                _m("accepted", "受理数", "reports taken in", _step("accept")),
                _m(
                    "accepted_on_time", "按时派核实/受理数", "taken in on time", _step("accept", on_time=True)
                ),
                _m("verified", "核实数", "verifications", _step("verify", "verify")),
                _m(
                    "verified_on_time",
                    "按时核实数",
                    "verified on time",
                    _step("verify", "verify", on_time=True),
                ),
                _m("register_steps", "立案环节数", "registration decisions", _step("register")),
                _m(
                    "register_on_time",
                    "按时立案数",
                    "registration decisions on time",
                    _step("register", on_time=True),
                ),
                _m("registered", "立案数", "registered", _step("register", "register")),
                Measure(
                    "registered_kept",
                    "立案未作废数",
                    "registered and not voided",
                    lambda w: _step("register", "register")(w) & ~_voided(w),
                    step="register",
                ),
                _m("dispatched", "派遣数", "dispatched", _step("dispatch", "dispatch")),
                _m(
                    "dispatched_on_time",
                    "按时派遣数",
                    "dispatched on time",
                    _step("dispatch", "dispatch", on_time=True),
                ),
                Measure(
                    "dispatched_kept",
                    "准确派遣数",
                    "dispatched and not returned",
                    lambda w: _step("dispatch", "dispatch")(w) & ~_returned_after(w),
                    step="dispatch",
                ),
                _m("disposed", "处置数", "disposed", _step("dispose", "dispose")),
                _m(
                    "disposed_on_time",
                    "按期处置数",
                    "disposed on time",
                    _step("dispose", "dispose", on_time=True),
                ),
                _m("returned", "回退数", "returned", _step("dispose", "approve_return")),
                _m("check_sent", "派核查数", "sent for check", _step("send_check")),
                _m(
                    "check_sent_on_time",
                    "按时派核查数",
                    "sent for check on time",
                    _step("send_check", on_time=True),
                ),
                _m("checked", "核查数", "checks", _step("check")),
                _m("checked_on_time", "按时核查数", "checked on time", _step("check", on_time=True)),
                _m(
                    "video_checked",
                    "视频核查数",
                    "checked through a camera",
                    _step("check", "video_check_pass", "video_check_fail"),
                ),
                _m(
                    "video_checked_on_time",
                    "按时视频核查数",
                    "checked through a camera on time",
                    _step("check", "video_check_pass", "video_check_fail", on_time=True),
                ),
                _m("close_steps", "结案环节数", "closing decisions", _step("close")),
                _m("close_on_time", "按时结案数", "closing decisions on time", _step("close", on_time=True)),
            ),
            rollup=("ended_by_id", "unit_id"),
        ),
        Family(
            "territory",
            _cases_reported,
            ("grid_id", "community_id", "street_id", "district_id", "reporter_id"),
            (
                Measure("cases_reported", "上报案件数", "cases reported"),
                Measure("cases", "立案数", "cases registered", _valid),
                Measure(
                    "public_cases", "公众举报立案数", "registered, first reported by the public", _public
                ),
                Measure("closable", "应结案数", "due for closure", _closable),
                Measure("closed", "结案数", "closed", _closed),
                Measure(
                    "closed_on_time", "按期结案数", "closed with every disposal on time", _closed_on_time
                ),
                # The same problem reported again at a spot while open (DOMAIN.md §9: repeated
                # complaints are a scored indicator): reports merged (合并) into an open case.
                Measure(
                    "repeats", "重复上报数", "reports merged into an open case of the same problem", _merged
                ),
            ),
            case_field="pk",
            rollup=("grid_id", "community_id", "street_id", "district_id", "reporter_id"),
        ),
        Family(
            "dispose_started",
            _dispose_started,
            ("unit_id",),
            (
                # Every earlier dispatch of a case ended in an approved return, so a case has at most
                # one kept disposal: counting rows counts cases.
                Measure("received", "案件数", "cases dispatched and kept", _kept),
                Measure(
                    "received_closed",
                    "结案数",
                    "of those, closed",
                    lambda w: _kept(w) & Q(case_id__in=_closed_cases(w)),
                ),
                Measure("reworked", "返工数", "reworks", _by_rework),
            ),
        ),
        Family(
            "dispose_overdue",
            _dispose_overdue,
            ("unit_id",),
            (
                Measure(
                    "overdue_pending",
                    "超期未处置数",
                    "overdue and not disposed at the cut-off",
                    lambda w: Q(hold__isnull=True) | ~Q(hold="approve_hold"),
                ),
            ),
        ),
        Family(
            "extensions",
            _extensions,
            ("unit_id",),
            (Measure("extensions", "延期数", "extensions approved"),),
        ),
        Family(
            "return_visits",
            _first_visits,
            ("grid_id", "community_id", "street_id", "district_id", "unit_id"),
            (
                # One row per case at most (its first visit): counting rows counts cases.
                Measure("visited", "回访数", "return visits (first per case)"),
                Measure("satisfied", "满意数", "satisfied", _satisfaction("satisfied")),
                Measure(
                    "basically_satisfied",
                    "基本满意数",
                    "basically satisfied",
                    _satisfaction("basically_satisfied"),
                ),
                Measure("unsatisfied", "不满意数", "unsatisfied", _satisfaction("unsatisfied")),
            ),
            rollup=("grid_id", "community_id", "street_id", "district_id", "unit_id"),
        ),
        Family(
            "frontage",
            _frontage_cases,
            ("street_id", "district_id"),
            (
                Measure("frontage_cases", "门前三包案件数", "cases handed to a frontage party first"),
                # Fixed by the party itself before the cut-off (a later answer counts next period's
                # numbers no differently: the answer's moment decides, as for steps).
                Measure(
                    "frontage_self_corrected",
                    "门前三包自我纠正数",
                    "put right by the frontage party itself",
                    lambda w: Q(state="fixed", answered_at__lt=w.cutoff),
                ),
                Measure(
                    "frontage_expired",
                    "门前三包逾期未纠正数",
                    "not put right by the party in time",
                    lambda w: Q(state="expired", answered_at__lt=w.cutoff),
                ),
            ),
            rollup=("street_id", "district_id"),
        ),
        Family(
            "community_tasks",
            _community_tasks,
            ("community_id", "street_id", "district_id"),
            (
                # 三长一站: problems settled inside the community (DOMAIN.md §9), and those it sent on.
                Measure(
                    "community_solved", "社区解决问题数", "problems solved at community level", _solved_here
                ),
                Measure(
                    "community_escalated",
                    "社区上报区级数",
                    "community problems escalated to the district",
                    _escalated,
                ),
            ),
            case_field="case_id",
            rollup=("community_id", "street_id", "district_id"),
        ),
        Family(
            "surveys",
            _survey_responses,
            ("community_id", "street_id", "district_id"),
            (
                # The monthly satisfaction survey answered on the phone (docs/participation.md).
                Measure("survey_answers", "满意度调查答卷数", "satisfaction survey answers"),
                Measure(
                    "survey_satisfied",
                    "满意度调查满意答卷数",
                    "survey answers scoring 75 or more (satisfied)",
                    _survey_satisfied,
                ),
            ),
            case_field="pk",
            rollup=("community_id", "street_id", "district_id"),
            counts_cases=False,
        ),
        Family(
            "video_rounds",
            _round_stops,
            ("operator_id",),
            (
                # 视频轮巡: every camera of a round is to be looked at; the round itself is to be
                # finished on its day (docs/video.md).
                Measure("video_stops", "轮巡应看摄像机数", "cameras due in patrol rounds"),
                Measure("video_looked", "轮巡已看摄像机数", "cameras looked at in patrol rounds", _looked),
                Measure("video_missed", "轮巡漏看摄像机数", "cameras missed in patrol rounds", _missed_stop),
                Measure(
                    "video_rounds_missed",
                    "未完成轮巡次数",
                    "patrol rounds not finished on their day",
                    _missed_round,
                    per_case=True,
                ),
            ),
            case_field="round_id",
            counts_cases=False,
        ),
    ]
}

MEASURES: dict[str, tuple[Family, Measure]] = {m.key: (f, m) for f in FAMILIES.values() for m in f.measures}

# Measures made of others (summed); drill-down shows the union of their cases. A subject has a
# derived measure when it has every part.
DERIVED: dict[str, tuple[str, ...]] = {
    "due": ("disposed", "overdue_pending"),
    "satisfied_total": ("satisfied", "basically_satisfied"),
}
DERIVED_LABELS = {
    "due": ("应处置数", "due for disposal (disposed + overdue pending)"),
    "satisfied_total": ("满意及基本满意数", "satisfied or basically satisfied"),
}


@dataclass(frozen=True)
class Rate:
    """A named rate of two counts, shown beside the counts wherever they appear (tables, scorecard,
    API, exports) and the ``num``/``den`` a scheme's rate part uses to weigh it."""

    key: str
    label: str
    label_en: str
    num: str
    den: str


RATES: tuple[Rate, ...] = (
    Rate("satisfaction_rate", "满意率", "satisfaction rate", "satisfied_total", "visited"),
    Rate("unsatisfied_rate", "不满意率", "unsatisfied rate", "unsatisfied", "visited"),
    Rate(
        "frontage_self_correction_rate",
        "门前三包自我纠正率",
        "frontage self-correction rate",
        "frontage_self_corrected",
        "frontage_cases",
    ),
    Rate(
        "survey_satisfaction_rate",
        "满意度调查满意率",
        "survey satisfaction rate",
        "survey_satisfied",
        "survey_answers",
    ),
    Rate("video_look_rate", "轮巡查看率", "patrol cameras looked at", "video_looked", "video_stops"),
)


def rates_of(counts: dict[str, int]) -> dict[str, str | None]:
    """The named rates a subject's counts give, as decimals with four places (None without a
    denominator); rates whose counts the subject does not have are left out."""
    out: dict[str, str | None] = {}
    for r in RATES:
        if r.num in counts and r.den in counts:
            den = counts[r.den]
            out[r.key] = str(round4(Fraction(counts[r.num], den))) if den else None
    return out


def rate_label(key: str, english: bool = False) -> str:
    found = next(r for r in RATES if r.key == key)
    return found.label_en if english else found.label


def label(key: str) -> str:
    if key in DERIVED_LABELS:
        return DERIVED_LABELS[key][0]
    return MEASURES[key][1].label if key in MEASURES else key


def label_en(key: str) -> str:
    if key in DERIVED_LABELS:
        return DERIVED_LABELS[key][1]
    return MEASURES[key][1].label_en if key in MEASURES else key


def is_known(key: str) -> bool:
    return key in MEASURES or key in DERIVED

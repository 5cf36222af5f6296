"""The default schemes: the standard's formulas (GB/T 30428.4, DOMAIN.md §7) as data.

Each index scheme lists weighted *parts*. A part is one of

* ``rate``: ``100 × num / den`` (``invert``: ``100 × (1 − num / den)``, for rates where lower is better);
* ``ladder``: a count turned into a score by steps, ``at_least`` (more is better: the first step whose
  bound the count reaches) or ``at_most`` (fewer is better: the first step whose bound it does not
  exceed), ``else`` below the last step;
* ``per_area``: a count per 10,000 m² (one standard grid) through a ladder that may differ by region
  class.

``bands`` turn the index into a grade, ``minimum`` says how much volume a subject needs to be ranked,
``groups`` (departments) rank comparable units among themselves and may carry their own ladders,
``classes`` (regions) give each region class its ladders, ``when_empty`` says what a part without
data does: ``reweight`` (left out, the other weights scaled up), ``full`` (100) or ``zero``.
Weights, ladders and minimums are *configurable*: a city saves a new version in the admin.
"""

from __future__ import annotations

from typing import Any

BANDS = [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]]

VOLUME_LADDER = {"at_least": [[2001, 100], [1201, 90], [501, 75], [301, 60], [101, 40]], "else": 0}
CASE_COUNT_LADDER = {"at_most": [[50, 100], [100, 90], [200, 75], [500, 60], [1000, 40]], "else": 0}
# Cases per 10,000 m² in a month (fewer is better): denser core areas (class 1) get a wider ladder.
AREA_LADDER_CLASS_1 = {"at_most": [[2, 100], [4, 90], [8, 75], [16, 60], [32, 40]], "else": 0}
AREA_LADDER_CLASS_2 = {"at_most": [[1, 100], [2, 90], [4, 75], [8, 60], [16, 40]], "else": 0}


def _rate(key: str, label: str, weight: float, num: str, den: str, invert: bool = False) -> dict[str, Any]:
    part: dict[str, Any] = {
        "key": key,
        "label": label,
        "weight": weight,
        "kind": "rate",
        "num": num,
        "den": den,
    }
    if invert:
        part["invert"] = True
    return part


def _ladder(key: str, label: str, weight: float, measure: str, ladder: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "weight": weight,
        "kind": "ladder",
        "measure": measure,
        "ladder": ladder,
    }


def _common(minimum_measure: str, at_least: int) -> dict[str, Any]:
    return {
        "bands": BANDS,
        "minimum": {"measure": minimum_measure, "at_least": at_least},
        "when_empty": "reweight",
    }


def _region(minimum: int) -> dict[str, Any]:
    return {
        "parts": [
            _rate("public", "公众举报率", 25, "public_cases", "cases", invert=True),
            {
                "key": "density",
                "label": "万平方米案件数",
                "weight": 25,
                "kind": "per_area",
                "measure": "cases",
                "per_m2": 10000,
            },
            _rate("closure", "结案率", 25, "closed", "closable"),
            _rate("on_time_closure", "按期结案率", 25, "closed_on_time", "closable"),
        ],
        "classes": {
            "1": {"label": "一类区域", "ladders": {"density": AREA_LADDER_CLASS_1}},
            "2": {"label": "二类区域", "ladders": {"density": AREA_LADDER_CLASS_2}},
        },
        "default_class": "1",
        "class_of": {},
        **_common("cases", minimum),
    }


INDEX_SCHEMES: dict[str, dict[str, Any]] = {
    "supervisor": {
        "parts": [
            _rate("valid", "有效上报率", 40, "valid", "reported"),
            _rate("missed", "漏报率", 20, "area_public_cases", "area_cases", invert=True),
            _rate("verify", "按时核实率", 20, "verified_on_time", "verified"),
            _rate("check", "按时核查率", 20, "checked_on_time", "checked"),
        ],
        **_common("reported", 10),
    },
    "operator": {
        "parts": [
            _ladder("volume", "受理量", 25, "accepted", VOLUME_LADDER),
            _rate("verify_sent", "按时派核实率", 40, "accepted_on_time", "accepted"),
            _rate("check_sent", "按时派核查率", 35, "check_sent_on_time", "check_sent"),
        ],
        **_common("accepted", 30),
    },
    "shift_leader": {
        "parts": [
            _rate("register_on_time", "按时立案率", 25, "register_on_time", "register_steps"),
            _rate("register_accurate", "准确立案率", 40, "registered_kept", "registered"),
            _rate("close_on_time", "按时结案率", 35, "close_on_time", "close_steps"),
        ],
        **_common("register_steps", 30),
    },
    "dispatcher": {
        "parts": [
            _ladder("volume", "派遣量", 20, "dispatched", VOLUME_LADDER),
            _rate("dispatch_on_time", "按时派遣率", 40, "dispatched_on_time", "dispatched"),
            _rate("dispatch_accurate", "准确派遣率", 40, "dispatched_kept", "dispatched"),
        ],
        **_common("dispatched", 30),
    },
    "department": {
        "parts": [
            _ladder("count", "案件数", 10, "received", CASE_COUNT_LADDER),
            _rate("closure", "结案率", 30, "received_closed", "received"),
            _rate("on_time", "按期处置率", 30, "disposed_on_time", "due"),
            _rate("rework", "返工率", 30, "reworked", "disposed", invert=True),
        ],
        "groups": [
            {"key": "department", "label": "专业部门", "kinds": ["department"]},
            {"key": "company", "label": "企事业单位", "kinds": ["company"]},
            {"key": "territory", "label": "街道社区", "kinds": ["street", "community", "station"]},
        ],
        # Shown on the scorecard and in the tables, not weighted into the index (the deduction scheme
        # weighs them): disposal, overdue and extension rates.
        "informative": [
            {"key": "disposal_rate", "label": "处置率", "kind": "rate", "num": "disposed", "den": "due"},
            {
                "key": "overdue_rate",
                "label": "超期未处置率",
                "kind": "rate",
                "num": "overdue_pending",
                "den": "due",
            },
            {"key": "extension_rate", "label": "延期率", "kind": "rate", "num": "extensions", "den": "due"},
        ],
        **_common("received", 5),
    },
    # A district has hundreds of cases a month; one with only a few is not comparable.
    "district": _region(50),
    "street": _region(20),
    "community": _region(5),
    "grid": _region(3),
}

# A district's deduction scheme (扣分制), after the Chengdu example of DOMAIN.md §7: 100 points in
# weighted parts, a bonus for praise given by hand, and a reward fund paying per point.
DEDUCTION_SCHEMES: dict[str, dict[str, Any]] = {
    "department": {
        "total": 100,
        "parts": [
            {
                "key": "disposal",
                "label": "处置率",
                "points": 30,
                "kind": "rate",
                "num": "disposed",
                "den": "due",
            },
            {
                "key": "on_time",
                "label": "按期处置率",
                "points": 20,
                "kind": "rate",
                "num": "disposed_on_time",
                "den": "due",
            },
            {
                "key": "rework",
                "label": "返工率",
                "points": 20,
                "kind": "rate",
                "num": "reworked",
                "den": "disposed",
                "invert": True,
            },
            {
                "key": "overdue",
                "label": "超期未处置",
                "points": 20,
                "kind": "per_finding",
                "measure": "overdue_pending",
                "each": 2,
            },
            {
                "key": "extension",
                "label": "延期率",
                "points": 10,
                "kind": "rate",
                "num": "extensions",
                "den": "due",
                "invert": True,
            },
        ],
        "bonus": [{"key": "praise", "label": "表扬加分", "max": 5, "kind": "manual"}],
        "when_empty": "full",
        "fund": {"yuan_per_point": 100000},
        "groups": INDEX_SCHEMES["department"]["groups"],
    }
}

NAMES = {
    "supervisor": "监督员考核（标准）",
    "operator": "受理员考核（标准）",
    "shift_leader": "值班长考核（标准）",
    "dispatcher": "派遣员考核（标准）",
    "department": "处置部门考核（标准）",
    "district": "区级区域评价（标准）",
    "street": "街道区域评价（标准）",
    "community": "社区区域评价（标准）",
    "grid": "单元网格区域评价（标准）",
}

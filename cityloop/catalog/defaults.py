"""Sensible registration conditions for subclasses a city has not yet written its own for.

They follow common practice in Chinese city-management standards: covers within a working day (an
open manhole is urgent), lamps within two working days, townscape events within hours, emergencies
within clock hours. Cities replace them with their own through the admin or an import.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Category


@dataclass(frozen=True)
class DefaultCondition:
    number: int
    description: str
    description_en: str
    closure: str
    closure_en: str
    urgency: str
    amount: int
    unit: str


COVER_WORDS = ("井盖", "箅子")
LAMP_CODES = {"0118", "0119", "0120", "0306"}
URGENT_COMPONENTS = {"0113", "0133", "0134", "0135", "0210", "0214", "0601", "0606"}

# Component classes: (days to repair, unit) for "damaged" when nothing more specific applies.
COMPONENT_CLASS_LIMITS: dict[str, tuple[int, str]] = {
    "01": (3, "working_day"),
    "02": (3, "working_day"),
    "03": (2, "working_day"),
    "04": (3, "working_day"),
    "05": (5, "working_day"),
    "06": (5, "working_day"),
}

# Event classes: (urgency, amount, unit, closure zh, closure en).
EVENT_CLASS_LIMITS: dict[str, tuple[str, int, str, str, str]] = {
    "01": ("normal", 4, "working_hour", "现场整洁，问题消除", "spot clean, problem gone"),
    "02": ("normal", 1, "working_day", "广告清除", "advertising removed"),
    "03": ("normal", 1, "working_day", "施工行为规范，现场恢复", "works put in order, site restored"),
    "04": ("urgent", 2, "hour", "险情排除，现场恢复通行", "danger removed, traffic restored"),
    "05": ("normal", 2, "working_hour", "秩序恢复", "order restored"),
    "06": ("normal", 1, "working_day", "问题消除", "problem gone"),
}


def _component_defaults(sub: Category) -> list[DefaultCondition]:
    name, en = sub.name, sub.name_en or sub.name
    if any(word in name for word in COVER_WORDS):
        return [
            DefaultCondition(
                1,
                f"{name}破损、松动或移位",
                f"{en} broken, loose or displaced",
                "井盖修复或更换，安装平稳",
                "cover repaired or replaced and seated firmly",
                "normal",
                1,
                "working_day",
            ),
            DefaultCondition(
                2,
                f"{name}丢失",
                f"{en} missing",
                "补装井盖或设置围挡警示",
                "cover replaced or area fenced with a warning",
                "urgent",
                2,
                "hour",
            ),
        ]
    if sub.code in LAMP_CODES:
        return [
            DefaultCondition(
                1,
                f"{name}不亮或损坏",
                f"{en} out or damaged",
                "恢复亮灯，设施完好",
                "lamp lit and intact",
                "normal",
                2,
                "working_day",
            )
        ]
    if sub.code in URGENT_COMPONENTS:
        return [
            DefaultCondition(
                1,
                f"{name}损坏，存在安全隐患",
                f"{en} damaged and unsafe",
                "隐患排除，设施恢复正常",
                "danger removed, facility working",
                "urgent",
                4,
                "hour",
            )
        ]
    amount, unit = COMPONENT_CLASS_LIMITS.get(sub.code[:2], (5, "working_day"))
    return [
        DefaultCondition(
            1,
            f"{name}损坏或存在问题",
            f"{en} damaged or faulty",
            "设施修复，恢复完好",
            "facility repaired and intact",
            "normal",
            amount,
            unit,
        )
    ]


def _event_defaults(sub: Category) -> list[DefaultCondition]:
    urgency, amount, unit, closure, closure_en = EVENT_CLASS_LIMITS.get(
        sub.code[:2], ("normal", 1, "working_day", "问题消除", "problem gone")
    )
    return [
        DefaultCondition(
            1,
            f"发现{sub.name}",
            f"{sub.name_en or sub.name} found",
            closure,
            closure_en,
            urgency,
            amount,
            unit,
        )
    ]


def default_conditions(sub: Category) -> list[DefaultCondition]:
    """The conditions a subclass gets when the city has written none for it."""
    return _component_defaults(sub) if sub.kind == "component" else _event_defaults(sub)

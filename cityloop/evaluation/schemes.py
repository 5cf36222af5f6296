"""Schemes as data: checking a configuration, and finding the version in force for a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from .defaults import DEDUCTION_SCHEMES, HOTLINE_SCHEMES, INDEX_SCHEMES, NAMES
from .models import HOTLINE_SUBJECTS, Scheme, SchemeKind, Subject
from .subjects import measure_keys


def _known(subject: str, key: Any, where: str, errors: list[str]) -> None:
    known = measure_keys(subject)
    if key not in known:
        errors.append(f"{where}: {key!r} is not counted for {subject}; use one of {', '.join(known)}")


def _check_ladder(ladder: Any, where: str, errors: list[str]) -> None:
    if not isinstance(ladder, dict) or not ({"at_least", "at_most"} & set(ladder)):
        errors.append(
            f"{where}: a ladder needs 'at_least' or 'at_most' steps, e.g. {{\"at_most\": [[50, 100]]}}"
        )
        return
    steps = ladder.get("at_least") or ladder.get("at_most") or []
    try:
        bounds = [float(b) for b, _ in steps]
        [float(s) for _, s in steps]
    except (TypeError, ValueError):
        errors.append(f"{where}: each step is [bound, score] with numbers")
        return
    ascending = "at_most" in ladder
    if bounds != sorted(bounds, reverse=not ascending):
        order = "ascending" if ascending else "descending"
        errors.append(f"{where}: list the steps with bounds in {order} order")


def validate_index_config(subject: str, config: Any) -> None:
    """Raise ValidationError listing everything wrong with an index scheme's configuration."""
    errors: list[str] = []
    if not isinstance(config, dict) or not isinstance(config.get("parts"), list) or not config["parts"]:
        raise ValidationError({"config": "give 'parts': a list of weighted parts"})
    weights = 0.0
    keys = set()
    for n, part in enumerate(config["parts"], start=1):
        where = f"part {n} ({part.get('key', '?')})"
        if part.get("key") in keys or not part.get("key"):
            errors.append(f"{where}: every part needs its own key")
        keys.add(part.get("key"))
        try:
            weight = float(part["weight"])
            if weight <= 0:
                raise ValueError
            weights += weight
        except (KeyError, TypeError, ValueError):
            errors.append(f"{where}: 'weight' must be a number above 0")
        kind = part.get("kind")
        if kind == "rate":
            _known(subject, part.get("num"), f"{where} num", errors)
            _known(subject, part.get("den"), f"{where} den", errors)
        elif kind in ("ladder", "per_area"):
            _known(subject, part.get("measure"), f"{where} measure", errors)
            if kind == "ladder" or "ladder" in part:
                _check_ladder(part.get("ladder"), where, errors)
        else:
            errors.append(f"{where}: 'kind' must be rate, ladder or per_area")
    if abs(weights - 100) > 1e-9:
        errors.append(f"the weights add up to {weights:g}; they must add up to 100")
    for n, part in enumerate(config.get("informative") or [], start=1):
        where = f"informative rate {n} ({part.get('key', '?')})"
        if part.get("kind") != "rate" or not part.get("key"):
            errors.append(f"{where}: give a key and kind 'rate' with num and den")
        else:
            _known(subject, part.get("num"), f"{where} num", errors)
            _known(subject, part.get("den"), f"{where} den", errors)
    bands = config.get("bands")
    if not isinstance(bands, list) or not bands:
        errors.append('give \'bands\': grades with their lowest index, e.g. [["A", 90], …, ["E", 0]]')
    else:
        bounds = [float(b) for _, b in bands]
        if bounds != sorted(bounds, reverse=True) or bounds[-1] != 0:
            errors.append("list the bands from the highest grade down, the last one from 0")
    minimum = config.get("minimum")
    if minimum:
        _known(subject, minimum.get("measure"), "minimum", errors)
    for g in config.get("groups") or []:
        for key, ladder in (g.get("ladders") or {}).items():
            _check_ladder(ladder, f"group {g.get('key')} ladder {key}", errors)
    for klass, c in (config.get("classes") or {}).items():
        for key, ladder in (c.get("ladders") or {}).items():
            _check_ladder(ladder, f"class {klass} ladder {key}", errors)
    if config.get("when_empty", "reweight") not in ("reweight", "full", "zero"):
        errors.append("'when_empty' must be reweight, full or zero")
    if errors:
        raise ValidationError({"config": errors})


def validate_deduction_config(subject: str, config: Any) -> None:
    """Raise ValidationError listing everything wrong with a deduction scheme's configuration."""
    errors: list[str] = []
    if not isinstance(config, dict) or not isinstance(config.get("parts"), list) or not config["parts"]:
        raise ValidationError({"config": "give 'parts': a list of parts with their points"})
    points = 0.0
    for n, part in enumerate(config["parts"], start=1):
        where = f"part {n} ({part.get('key', '?')})"
        try:
            points += float(part["points"])
        except (KeyError, TypeError, ValueError):
            errors.append(f"{where}: 'points' must be a number")
        if part.get("kind") == "rate":
            _known(subject, part.get("num"), f"{where} num", errors)
            _known(subject, part.get("den"), f"{where} den", errors)
        elif part.get("kind") == "per_finding":
            _known(subject, part.get("measure"), f"{where} measure", errors)
            if not isinstance(part.get("each"), int | float) or part["each"] <= 0:
                errors.append(f"{where}: 'each' (points per finding) must be a number above 0")
        else:
            errors.append(f"{where}: 'kind' must be rate or per_finding")
    total = float(config.get("total", 100))
    if abs(points - total) > 1e-9:
        errors.append(f"the parts' points add up to {points:g}; they must add up to the total {total:g}")
    for part in config.get("bonus") or []:
        if not isinstance(part.get("max"), int | float) or part["max"] <= 0:
            errors.append(f"bonus {part.get('key')}: 'max' must be a number above 0")
        if part.get("kind") == "per_finding":
            _known(subject, part.get("measure"), f"bonus {part.get('key')} measure", errors)
    fund = config.get("fund") or {}
    if fund and (not isinstance(fund.get("yuan_per_point"), int | float) or fund["yuan_per_point"] < 0):
        errors.append("fund: 'yuan_per_point' must be a number, 0 or more")
    if errors:
        raise ValidationError({"config": errors})


def validate(kind: str, subject: str, config: Any) -> None:
    if subject not in Subject.values:
        raise ValidationError(
            {"subject": f"unknown subject {subject!r}; use one of {', '.join(Subject.values)}"}
        )
    if kind == SchemeKind.DEDUCTION:
        validate_deduction_config(subject, config)
    else:
        validate_index_config(subject, config)


def in_force(subject: str, on: dt.date, kind: str = SchemeKind.INDEX) -> Scheme | None:
    """The scheme for ``subject`` in force on ``on``: the latest ``valid_from`` not after it (the
    highest version among equals)."""
    return (
        Scheme.objects.filter(kind=kind, subject=subject, valid_from__lte=on)
        .order_by("-valid_from", "-version", "-id")
        .first()
    )


def default_code(kind: str, subject: str) -> str:
    """The code of a subject's default scheme (the one a new version continues)."""
    if kind == SchemeKind.DEDUCTION:
        return f"deduction-{subject}"
    if subject in HOTLINE_SUBJECTS:
        return f"hotline-{HOTLINE_SUBJECTS[subject]}"
    return f"standard-{subject}"


def hotline_rows() -> list[dict[str, Any]]:
    """The default 热线满意度 schemes as rows to create (version 1, in force from 2000-01-01)."""
    return [
        {"code": default_code("index", s), "kind": "index", "subject": s, "name": NAMES[s], "config": c}
        for s, c in HOTLINE_SCHEMES.items()
    ]


def default_rows() -> list[dict[str, Any]]:
    """The standard schemes as rows to create (version 1, in force from 2000-01-01). The hotline
    schemes come later (:func:`hotline_rows`, migration 0009), once the subject column fits them."""
    rows = [
        {"code": f"standard-{s}", "kind": "index", "subject": s, "name": NAMES[s], "config": c}
        for s, c in INDEX_SCHEMES.items()
    ]
    rows += [
        {
            "code": f"deduction-{s}",
            "kind": "deduction",
            "subject": s,
            "name": "区级考核扣分办法（示例）",
            "config": c,
        }
        for s, c in DEDUCTION_SCHEMES.items()
    ]
    return rows

"""Address text as people type it, made comparable with the gazetteer's names. Pure functions.

Full-width letters and digits become half-width, blanks and punctuation go, Chinese numerals in a door
number become digits (十二号 → 12号, 一二八号 → 128号), and the words that only say "around here"
(附近, 旁边, 门口, 对面 …) are taken out and kept as notes: they lower the confidence a little, as
the place is near the named one rather than at it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Words that say the place is near the named one. Longest first, so 旁边 goes before 旁.
NEAR_WORDS: tuple[str, ...] = (
    "附近",
    "旁边",
    "边上",
    "门口",
    "对面",
    "周边",
    "周围",
    "一带",
    "隔壁",
    "后面",
    "前面",
    "楼下",
    "路边",
    "斜对面",
)
NEAR_RE = re.compile("|".join(sorted(map(re.escape, NEAR_WORDS), key=len, reverse=True)))

# Words that name a crossing of two roads: "长江路与桂花一巷交叉口", "…路口", "…交汇处".
CROSSING_WORDS: tuple[str, ...] = (
    "十字路口",
    "丁字路口",
    "交叉路口",
    "交叉口",
    "交汇处",
    "交界处",
    "交界",
    "交口",
    "路口",
    "交叉",
    "交汇",
    "口",
)
# What may stand between the two road names of a crossing.
CROSSING_JOINERS: tuple[str, ...] = ("与", "和", "跟", "及", "同", "交", "/", "&", "、", "-", "至")

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "零〇一二两三四五六七八九十百千"
# A run of Chinese numerals directly before 号 (a door number) or 弄 after digits' place (a lane number).
_NUMBER_RE = re.compile(f"(?<![{_NUMERAL}])([{_NUMERAL}]{{1,8}})(?=号)")
_DROP_RE = re.compile(r"[\s,，。.;；:：!！?？\"'“”‘’()（）\[\]【】<>《》]+")


@dataclass
class Normalized:
    """The normalised text, and the near-words taken out of it."""

    text: str
    near: list[str] = field(default_factory=list)


def chinese_number(numeral: str) -> int | None:
    """The value of a Chinese numeral (十二 → 12, 一百零五 → 105, 一二八 → 128), None if it is not one."""
    if not numeral or any(ch not in _DIGITS and ch not in _UNITS for ch in numeral):
        return None
    if not any(ch in _UNITS for ch in numeral):
        # Read digit by digit, as door numbers are often said: 一二八 → 128.
        return int("".join(str(_DIGITS[ch]) for ch in numeral))
    total, digit = 0, None
    for ch in numeral:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            continue
        unit = _UNITS[ch]
        total += (1 if digit is None else digit) * unit
        digit = None
    return total + (digit or 0)


def halfwidth(text: str) -> str:
    """Full-width letters, digits and signs as their ordinary forms (ＡＢ１２ → AB12)."""
    return unicodedata.normalize("NFKC", text)


def _numerals_to_digits(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        value = chinese_number(match.group(1))
        return match.group(1) if value is None else str(value)

    return _NUMBER_RE.sub(replace, text)


def normalize(text: str, prefixes: tuple[str, ...] = ()) -> Normalized:
    """``text`` ready to be matched: half-width, no blanks or punctuation, door numbers in digits,
    the administrative ``prefixes`` (city, district and street names, longest first) and the
    near-words taken out (the near-words are returned)."""
    cleaned = _DROP_RE.sub("", halfwidth(text or ""))
    cleaned = _numerals_to_digits(cleaned)
    for prefix in prefixes:
        if prefix and prefix in cleaned:
            cleaned = cleaned.replace(prefix, "")
    near = NEAR_RE.findall(cleaned)
    cleaned = NEAR_RE.sub("", cleaned)
    return Normalized(cleaned, near)


_DOOR_RE = re.compile(r"^(?:门牌)?(\d{1,5})((?:-\d{1,4})|[甲乙丙丁附])?(?:号|弄)")


def door_number(text: str) -> tuple[int, str] | None:
    """The door number at the start of ``text`` (what follows a road name): ``"12号院"`` → (12, ""),
    ``"12-1号"`` → (12, "-1"); None if the text does not start with one."""
    found = _DOOR_RE.match(text)
    if found is None:
        return None
    return int(found.group(1)), found.group(2) or ""


def crossing_word(text: str) -> str | None:
    """The crossing word ``text`` starts with (路口, 交叉口 …), or None."""
    return next((w for w in CROSSING_WORDS if text.startswith(w)), None)


def is_joiner(text: str) -> bool:
    """Whether ``text`` (what stands between two road names) joins them as a crossing."""
    return text == "" or text in CROSSING_JOINERS

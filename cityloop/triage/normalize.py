"""Chinese text as the classifiers read it: one form for the same words, and no numbers as content.

A citizen may type in traditional characters, with a phone keyboard's full-width letters and digits,
and put a phone number, a door number or a date in the middle of the problem. None of that says what
the problem is, and left in, a classifier learns that "12号" means a broken cover because the corpus
happened to say so. So: NFKC (full-width → half-width), traditional → simplified (OpenCC's tables),
lower case, then phone numbers, door numbers and other numbers replaced by one placeholder each, and
punctuation by a space (so no character n-gram spans two clauses).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

# Placeholders: characters NFKC never produces from ordinary text, one per kind of masked thing.
PHONE = "☎"
DOOR = "№"
NUMBER = "#"
MAX_CHARS = 4000

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
# Mobile numbers (11 digits from 1), landlines with or without the area code, 12345 and its kin are
# kept (they name the channel, not the place).
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}|\d{7,8})(?!\d)"
)
# A number that is part of an address: 12号, 3栋, 5单元, 302室, 8号楼, 2弄, 4组, 7幢, 1期, 10楼 …
_DOOR = re.compile(r"\d+(?:-\d+)*\s*(?=[号栋幢单元室楼弄巷组期座排户层])")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Everything but CJK ideographs, Latin letters, digits and our placeholders becomes a space.
_NOT_CONTENT = re.compile(r"[^\w" + PHONE + DOOR + NUMBER + r"]+|_")
_SPACES = re.compile(r"\s+")


@functools.cache
def _converter() -> object:
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters (and phrases) → simplified, by OpenCC's tables."""
    return _converter().convert(text)  # type: ignore[attr-defined]


def normalise(text: str) -> str:
    """The form every classifier reads: half-width, simplified, lower case, numbers masked.

    >>> normalise("長江路１２號門口井蓋丟了，電話13812345678")
    '长江路№号门口井盖丢了 电话 ☎'
    """
    text = unicodedata.normalize("NFKC", (text or "")[:MAX_CHARS])
    text = to_simplified(text).lower()
    text = _URL.sub(" ", text)
    text = _PHONE.sub(f" {PHONE} ", text)  # a phone number stands apart, whatever preceded it
    text = _DOOR.sub(DOOR, text)
    text = _DIGITS.sub(NUMBER, text)
    text = _NOT_CONTENT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def normalise_all(texts: Iterable[str]) -> list[str]:
    """:func:`normalise` for each text (the first step of every fitted pipeline)."""
    return [normalise(t) for t in texts]

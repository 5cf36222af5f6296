"""The default corpus: citizen-style descriptions for every subclass of the standard catalog.

Each description is made from a template × the thing's name or the situation × a place said the way
people say it (a road and door number, an estate and building, a crossing, a landmark) × an opener
and a closer, sometimes with a phone number, sometimes in traditional characters. The words per
subclass are in :mod:`.corpus_words`. ``describe`` gives one description for a subclass (what the
simulator can write into its reports); ``generate`` the whole labelled corpus the default model is
trained on. Every choice goes through the ``random.Random`` given, so a seed gives the same corpus.
"""

from __future__ import annotations

import csv
import functools
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .corpus_words import COMPONENTS, EVENTS, PROBLEMS

ROADS = (
    "长江路",
    "黄河路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "桂花一巷",
    "新华街",
    "学府路",
    "滨河大道",
    "和平街",
)
ESTATES = (
    "幸福小区",
    "阳光花园",
    "锦绣家园",
    "翠苑",
    "东湖新村",
    "金色港湾",
    "和谐苑",
    "城南小区",
    "绿洲公寓",
)
LANDMARKS = (
    "人民公园",
    "第一中学",
    "实验小学",
    "菜市场",
    "火车站",
    "人民医院",
    "体育馆",
    "万达广场",
    "地铁站",
    "社区服务中心",
    "汽车站",
    "图书馆",
)
SPOTS = ("门口", "对面", "旁边", "东门", "西门", "南门口", "北侧", "后面", "附近", "出口")
OPENERS = (
    "",
    "",
    "",
    "你好，",
    "您好，",
    "我要反映一个问题：",
    "市民来电反映：",
    "麻烦看一下，",
    "投诉：",
    "有个事情，",
    "来电人称：",
    "网友反映，",
)
CLOSERS = (
    "",
    "",
    "",
    "，请尽快处理",
    "，存在安全隐患",
    "，希望有关部门管一管",
    "，已经好几天了没人管",
    "，请派人来看看",
    "，影响大家出行",
    "，谢谢！",
    "，麻烦尽快解决",
    "，太危险了",
    "，多次反映都没解决",
)
COUNTS = ("一个", "两个", "几个", "好几个", "一排", "")


@dataclass(frozen=True)
class Phrase:
    """One labelled description, and which core wording (name or situation) it was made from."""

    text: str
    label: str
    wording: int


def category_label(kind: str, code: str) -> str:
    """The label a catalog subclass has in the classifiers: ``component:0101``, ``event:0505``."""
    return f"{kind}:{code}"


def labels() -> list[str]:
    """Every subclass the corpus describes."""
    return sorted([*COMPONENTS, *EVENTS])


def place(rng: random.Random) -> str:
    """Where, as a caller says it: a door number, an estate's building, a crossing, a landmark."""
    road, other = rng.sample(ROADS, 2)
    choice = rng.randrange(7)
    if choice == 0:
        return f"{road}{rng.randint(1, 399)}号{rng.choice(SPOTS)}"
    if choice == 1:
        return f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋{rng.choice(('楼下', '门口', '旁边', '后面'))}"
    if choice == 2:
        return f"{road}与{other}交叉口"
    if choice == 3:
        return f"{road}{other}路口"
    if choice == 4:
        return f"{rng.choice(LANDMARKS)}{rng.choice(SPOTS)}"
    if choice == 5:
        return f"{rng.choice(ESTATES)}{rng.choice(('南门', '北门', '东门', '里面', '外面的路边'))}"
    return f"{road}上"


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"


def _wordings(label: str) -> list[tuple[str, str]]:
    """(thing or situation, problem) pairs of a subclass; an event's problem is empty."""
    if label in EVENTS:
        return [(s, "") for s in EVENTS[label]]
    names, _ = COMPONENTS[label]
    return [(name, "") for name in names]


def _problems(label: str) -> tuple[str, ...]:
    _, problems = COMPONENTS[label]
    return PROBLEMS[problems] if isinstance(problems, str) else problems


def _sentence(label: str, core: str, rng: random.Random) -> str:
    where = place(rng)
    opener, closer = rng.choice(OPENERS), rng.choice(CLOSERS)
    if label in EVENTS:
        shape = rng.randrange(5)
        if shape == 0:
            body = f"{where}{core}"
        elif shape == 1:
            body = f"{core}，地点在{where}"
        elif shape == 2:
            body = f"{where}附近{core}"
        elif shape == 3:
            body = f"在{where}，{core}"
        else:
            body = f"{core}"
    else:
        problem = rng.choice(_problems(label))
        shape = rng.randrange(6)
        if shape == 0:
            body = f"{where}的{core}{problem}"
        elif shape == 1:
            body = f"{where}有{rng.choice(COUNTS)}{core}{problem}"
        elif shape == 2:
            body = f"{core}{problem}，位置在{where}"
        elif shape == 3:
            body = f"{where}{core}{problem}"
        elif shape == 4:
            body = f"发现{core}{problem}"
        else:
            body = f"{where}那边{core}{problem}"
    text = f"{opener}{body}{closer}"
    if rng.random() < 0.15:
        text += f"，联系电话{_phone(rng)}"
    return text


def describe(kind: str, code: str, rng: random.Random) -> str:
    """One citizen-style description of a problem of subclass ``code`` of ``kind``; KeyError for a
    subclass the corpus does not know (a local extension)."""
    label = category_label(kind, code)
    core, _ = rng.choice(_wordings(label))
    text = _sentence(label, core, rng)
    return _traditional(text) if rng.random() < 0.05 else text


@functools.cache
def _to_traditional() -> Any:
    from opencc import OpenCC

    return OpenCC("s2t")


def _traditional(text: str) -> str:
    return str(_to_traditional().convert(text))


def generate(per_label: int = 40, seed: int = 1, only: Iterable[str] | None = None) -> list[Phrase]:
    """``per_label`` descriptions of every subclass (or of those in ``only``), each wording used in
    turn so every name and situation appears."""
    rng = random.Random(seed)
    wanted = labels() if only is None else sorted(only)
    found: list[Phrase] = []
    for label in wanted:
        wordings = _wordings(label)
        for n in range(per_label):
            index = n % len(wordings)
            text = _sentence(label, wordings[index][0], rng)
            if rng.random() < 0.05:
                text = _traditional(text)
            found.append(Phrase(text, label, index))
    return found


def as_csv(phrases: Iterable[Phrase]) -> str:
    """The corpus as a CSV with columns text and label (what ``cityloop triage train`` reads)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for p in phrases:
        writer.writerow([p.text, p.label])
    return out.getvalue()


def wording_split(phrases: list[Phrase]) -> tuple[list[int], list[int]]:
    """Training and held-out rows where the held-out ones use a wording (a name of the thing, a
    situation) that no training row uses: the last wording of each subclass that has three or more.
    A random split of a templated corpus measures only the templates; this measures new words."""
    last: dict[str, int] = {}
    for p in phrases:
        last[p.label] = max(last.get(p.label, 0), p.wording)
    held = [i for i, p in enumerate(phrases) if last[p.label] >= 2 and p.wording == last[p.label]]
    chosen = set(held)
    return [i for i in range(len(phrases)) if i not in chosen], held

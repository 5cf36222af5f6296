"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters that identify a
company, institution or other organisation, with a check character at the end.

Layout: registration authority (1) · organisation type (1) · administrative division (6) ·
organisation code (9, GB 11714, itself ending in a check digit) · check character (1). The alphabet
is 0-9 and the capitals without I, O, Z, S and V (31 characters); the check character is
``31 - Σ value(cᵢ)·(3ⁱ mod 31) mod 31``, mapped back to that alphabet (31 → 0).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714: the 8-character body of an organisation code (digits and capitals) and its weights.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Registration authorities (GB 32100 table 1) and the organisation types each allows.
TYPES = {
    "1": "1239",  # 机构编制
    "2": "129",  # 外交
    "3": "129",  # 司法行政
    "4": "129",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "129",  # 工会
    "9": "123",  # 工商
    "A": "9",  # 中央军委改革和编制办公室
    "N": "12349",  # 农业
    "Y": "1",  # 其他
}


def check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 are given."""
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_character(body: str) -> str:
    """The check character of a GB 11714 organisation code's 8-character body (0-9 or X)."""
    total = sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "0" if check == 11 else "X" if check == 10 else str(check)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def problem(code: str) -> str | None:
    """What is wrong with ``code`` as a unified social credit code (in Chinese), or None if valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实为{len(code)}位"
    bad = sorted({c for c in code if c not in VALUE})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、Z、S、V）"
    authority, kind = code[0], code[1]
    if authority not in TYPES:
        return f"登记管理部门代码{authority}不存在"
    if kind not in TYPES[authority]:
        return f"登记管理部门{authority}下没有机构类别代码{kind}"
    if not code[2:8].isdigit():
        return "第3至8位应为6位行政区划代码"
    org = code[8:17]
    if not all(c.isdigit() or "A" <= c <= "Z" for c in org[:8]) or org_check_character(org[:8]) != org[8]:
        return "第9至17位组织机构代码的校验码不正确"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码的校验码（第18位）不正确"
    return None


def make(authority: str, kind: str, division: str, org_body: str) -> str:
    """A valid code from its parts (the organisation code's check digit and the final check added):
    for demo data and tests."""
    first17 = f"{authority}{kind}{division}{org_body}{org_check_character(org_body)}"
    return first17 + check_character(first17)

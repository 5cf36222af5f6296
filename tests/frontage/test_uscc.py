"""The unified social credit code check (GB 32100-2015, with the GB 11714 organisation code inside)."""

from __future__ import annotations

import pytest

from cityloop.frontage import uscc

# Real-shaped codes: letters in the organisation code, an X check digit, a letter check character.
VALID = ["91350100M000100Y43", "91110000600037341L", uscc.make("1", "2", "370202", "MB0A1234")]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    assert uscc.problem(code) is None


def test_make_gives_valid_codes_for_every_authority_and_type():
    for authority, kinds in uscc.TYPES.items():
        for kind in kinds:
            assert uscc.problem(uscc.make(authority, kind, "110105", "7A3B5C9D")) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y4I", "不允许的字符"),
        ("B1350100M000100Y43", "登记管理部门"),
        ("95350100M000100Y43", "机构类别"),
        ("9135A100M000100Y43", "行政区划"),
        ("91350100M000100Y53", "组织机构代码的校验码"),
        ("91350100M000100Y44", "第18位"),
        ("91110000600037341M", "第18位"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, words):
    problem = uscc.problem(code)
    assert problem is not None and words in problem


def test_every_single_character_change_of_a_valid_code_is_caught():
    code = VALID[0]
    for i in range(18):
        for c in uscc.ALPHABET:
            if c != code[i]:
                changed = code[:i] + c + code[i + 1 :]
                assert uscc.problem(changed) is not None, changed


def test_check_character_maps_31_to_zero():
    # Σ ≡ 0 (mod 31) gives 31 - 0 = 31, which the standard writes as 0.
    assert uscc.check_character("0" * 17) == "0"

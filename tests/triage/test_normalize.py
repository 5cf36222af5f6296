"""What the classifiers read: one form for the same words, no numbers, phones or doors as content."""

from __future__ import annotations

from cityloop.triage.normalize import DOOR, NUMBER, PHONE, normalise


def test_traditional_becomes_simplified() -> None:
    assert normalise("電線桿上貼滿了小廣告") == "电线杆上贴满了小广告"


def test_full_width_becomes_half_width_and_lower_case() -> None:
    assert normalise("ＫＴＶ噪音，Ａ区") == "ktv噪音 a区"


def test_phone_numbers_are_masked() -> None:
    for phone in ("13812345678", "138 1234 5678", "0571-88886666", "+86 13812345678"):
        assert normalise(f"井盖丢了电话{phone}") == f"井盖丢了电话 {PHONE}"


def test_door_numbers_and_other_numbers_are_masked() -> None:
    assert normalise("长江路12号门口") == f"长江路{DOOR}号门口"
    assert normalise("幸福小区3栋2单元302室") == f"幸福小区{DOOR}栋{DOOR}单元{DOOR}室"
    assert normalise("有3个垃圾桶，2024年5月") == f"有{NUMBER}个垃圾桶 {NUMBER}年{NUMBER}月"


def test_same_problem_same_form_whatever_the_address() -> None:
    a = normalise("解放路８８號的井蓋丟了！聯繫電話：139-0000-1111")
    b = normalise("解放路7号的井盖丢了，联系电话13900001111")
    assert a == b


def test_punctuation_and_links_do_not_join_clauses() -> None:
    assert normalise("井盖丢了。。。https://x.cn/a 很危险!!") == "井盖丢了 很危险"


def test_empty_and_long_text() -> None:
    assert normalise("") == ""
    assert len(normalise("井" * 10_000)) == 4000

"""Name pools for the demo city: roads, streets (街道), communities (社区), lanes and people.

The names are made up in the style of an eastern Chinese city; any likeness to a real place is the
ordinary kind (every city has a 人民路). Each pool holds more names than the generator ever needs, and
the generator draws from it with a seeded ``random.Random``, so a seed always gives the same names.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

# Arterial roads (主干道): one per line of the arterial lattice, at most 8 are needed.
ARTERIAL_ROADS: tuple[str, ...] = (
    "云湖大道",
    "凤栖大道",
    "龙蟠路",
    "明湖路",
    "长乐路",
    "迎宾大道",
    "建宁路",
    "云锦路",
    "紫金路",
    "滨河路",
    "环湖路",
    "光华路",
    "丹凤大道",
    "钟灵路",
    "湖西大道",
    "和平路",
)

# Secondary roads (次干道、支路): up to 4 per super-block, at most 32 are needed.
SECONDARY_ROADS: tuple[str, ...] = (
    "书院街",
    "学府路",
    "丰乐路",
    "金鱼街",
    "太平街",
    "府前街",
    "青石街",
    "瓦窑街",
    "新华街",
    "柳荫街",
    "百花街",
    "桃源路",
    "竹园路",
    "文昌街",
    "鼓楼街",
    "仓前街",
    "三元街",
    "银杏路",
    "石桥街",
    "东井街",
    "西井街",
    "南塘街",
    "北塘街",
    "积善街",
    "永安路",
    "兴隆街",
    "升平街",
    "崇文路",
    "尚武街",
    "如意街",
    "平江路",
    "虹桥路",
    "月牙街",
    "双井街",
    "牌坊街",
    "凤池路",
    "槐树街",
    "芳草路",
    "枫林路",
    "东园路",
    "西园路",
    "广福街",
    "清溪路",
    "丰收路",
)

# Lane stems (巷、弄): one stem per block; its lanes are 〈stem〉一巷, 〈stem〉二巷, … At most 72 needed.
LANE_STEMS: tuple[str, ...] = (
    "桂花",
    "石榴",
    "柳树",
    "杏花",
    "竹林",
    "仓顶",
    "油坊",
    "染坊",
    "铁匠",
    "糖坊",
    "箍桶",
    "纱帽",
    "双塘",
    "三茅",
    "堂子",
    "饮马",
    "火瓦",
    "钓鱼",
    "豆腐",
    "篾匠",
    "磨盘",
    "米行",
    "盐仓",
    "茶亭",
    "书香",
    "状元",
    "进士",
    "举人",
    "太傅",
    "御史",
    "花牌",
    "牛市",
    "羊市",
    "马厩",
    "鸡鸣",
    "鹤鸣",
    "燕子",
    "喜鹊",
    "梧桐",
    "芭蕉",
    "葡萄",
    "枇杷",
    "杨梅",
    "荷花",
    "莲子",
    "菱角",
    "藕池",
    "井亭",
    "水关",
    "城隍",
    "土地",
    "关帝",
    "观音",
    "文庙",
    "武庙",
    "县前",
    "察院",
    "都司",
    "守备",
    "千总",
    "百子",
    "万福",
    "吉祥",
    "长寿",
    "延龄",
    "永庆",
    "安乐",
    "太和",
    "中和",
    "保和",
    "同春",
    "迎春",
    "望春",
    "留春",
    "秋水",
    "冬青",
    "石鼓",
    "铜锣",
    "银丝",
    "金线",
)

# Streets (街道办事处): 6 to 8 needed.
STREETS: tuple[str, ...] = (
    "湖滨街道",
    "云锦街道",
    "凤凰街道",
    "朝阳街道",
    "清溪街道",
    "长桥街道",
    "明德街道",
    "望江街道",
    "丹桂街道",
    "石城街道",
    "玉带街道",
    "龙江街道",
)

# Communities (社区居委会): 30 to 50 needed.
COMMUNITIES: tuple[str, ...] = (
    "桂园",
    "柳岸",
    "梅苑",
    "兰亭",
    "竹韵",
    "荷塘",
    "枫林",
    "松涛",
    "杏坛",
    "桃李",
    "翠屏",
    "金桥",
    "玉泉",
    "银杏",
    "锦绣",
    "和睦",
    "安康",
    "平安",
    "幸福",
    "友谊",
    "团结",
    "新村",
    "南苑",
    "北苑",
    "东门",
    "西门",
    "府前",
    "书院",
    "学府",
    "文昌",
    "永宁",
    "长宁",
    "福寿",
    "泰和",
    "怡景",
    "晨光",
    "曙光",
    "东升",
    "瑞金",
    "宝塔",
    "鼓楼",
    "钟楼",
    "牌楼",
    "花园",
    "仙鹤",
    "白鹭",
    "紫荆",
    "丁香",
    "芙蓉",
    "海棠",
    "清风",
    "明月",
    "云台",
    "凤鸣",
    "龙池",
    "虹桥",
    "石井",
    "青云",
    "瑞华",
    "春晖",
)

SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "萧", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏",
)  # fmt: skip

GIVEN_NAMES: tuple[str, ...] = (
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "勇", "军", "杰", "涛", "超", "明", "霞",
    "平", "刚", "桂英", "建华", "建国", "志强", "秀兰", "海燕", "晓东", "文静", "丽华", "国庆",
    "红梅", "春生", "玉兰", "德明", "立新", "小龙", "雪梅", "宏伟", "晓明", "子涵", "雨轩",
    "浩然", "思远", "佳怡", "欣怡", "梓萱", "一鸣", "天宇", "俊杰", "婷婷", "嘉怡", "晨曦",
    "志伟", "金凤", "永红", "卫东", "振华", "淑珍", "凤英", "秀英", "丽娟", "建军", "海峰",
)  # fmt: skip

CHINESE_NUMERALS = "一二三四五六七八九十"


def lane_name(stem: str, number: int, count: int, suffix: str) -> str:
    """The name of lane ``number`` (1-based) of ``count`` lanes sharing a stem: 桂花巷 or 桂花二巷."""
    if count == 1:
        return f"{stem}{suffix}"
    return f"{stem}{CHINESE_NUMERALS[number - 1]}{suffix}"


def pick(rng: random.Random, pool: tuple[str, ...], count: int) -> list[str]:
    """``count`` different names from ``pool`` in a seeded random order."""
    if count > len(pool):
        raise ValueError(f"the name pool has {len(pool)} names, {count} are needed")
    return rng.sample(pool, count)


def person_names(rng: random.Random, count: int, taken: Iterable[str] = ()) -> list[str]:
    """``count`` different Chinese personal names (surname + given name), none of them in ``taken``."""
    names: list[str] = []
    seen: set[str] = set(taken)
    while len(names) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


@dataclass(frozen=True)
class NamePools:
    """The pools one district's names are drawn from. Districts of one city draw from pools that
    share no name, so that no street, community or road name is found in two of them."""

    arterial_roads: tuple[str, ...] = ARTERIAL_ROADS
    secondary_roads: tuple[str, ...] = SECONDARY_ROADS
    lane_stems: tuple[str, ...] = LANE_STEMS
    streets: tuple[str, ...] = STREETS
    communities: tuple[str, ...] = COMMUNITIES


# The second district lies by the river: its names say so.
LINJIANG = NamePools(
    arterial_roads=(
        "临江大道", "滨江大道", "江海路", "港城大道", "观澜路", "望帆路", "沙洲大道", "渡江路", "汇通路",
        "长堤路",
    ),
    secondary_roads=(
        "江滨街", "渔港街", "船坞路", "芦花街", "苇塘路", "汀洲街", "沙岗街", "鸥鸣路", "闸口街", "堤岸路",
        "灯塔街", "码头街", "米市街", "木行街", "竹排街", "布市街", "鱼市街", "帆影路", "潮音街", "浪花路",
    ),
    lane_stems=(
        "江豚", "白帆", "渔火", "菱湖", "莲塘", "菖蒲", "茭白", "虾塘", "蟹田", "螺蛳", "鸬鹚", "苇编",
        "船板", "桨声", "橹声", "水车", "石磨", "米仓", "油车", "酱园", "酒坊", "茶社", "书场", "戏台",
        "香樟", "乌桕", "枫杨", "沙柳", "荻花", "蒹葭", "白苹", "紫藤", "渔网", "竹篙", "桅灯", "缆桩",
        "潮水", "江湾", "水巷", "石埠", "船厂", "木排", "盐埠", "渡船",
    ),
    streets=("江滨街道", "沙洲街道", "新港街道", "渡口街道", "柳洲街道", "江心街道"),
    communities=(
        "江畔", "帆影", "渔歌", "港湾", "芦荡", "苇岸", "汀兰", "沙湾", "鸥鹭", "码头", "灯塔", "潮音",
        "浪花", "长堤", "江月", "星港", "望帆", "听涛", "观澜", "临波", "双桥", "三汊", "渔村", "水杉",
        "江枫", "梅洲", "远帆", "春江",
    ),
)  # fmt: skip

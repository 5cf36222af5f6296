"""Demo step: public participation in 云湖区's first street: a dozen volunteers (a few awaiting
approval, one citizen representative), this month's cleanup (it started an hour ago: its volunteers
can record it) and next week's, a suggestion with its answer and one waiting, and the month's
satisfaction survey with some answers; the leaderboard switched on. All through the actions, and
small, so ``make run`` stays fast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cityloop.core.audit import public_actor
from cityloop.core.models import User
from cityloop.participation import actions, points, surveys, verification

from .city import DemoCity
from .names import person_names

VOLUNTEERS = 12
PENDING = 3
QUESTIONS: list[dict[str, Any]] = [
    {"text": "您对居住区域的环境卫生是否满意", "kind": "rating"},
    {"text": "您对城市管理问题的处理速度是否满意", "kind": "rating"},
    {"text": "您最希望改进的是", "kind": "choice", "choices": ["垃圾清运", "占道经营", "乱停车", "噪音"]},
    {"text": "其他意见和建议", "kind": "text", "required": False},
]


def demo_phone(i: int) -> str:
    """The demo citizens' numbers: 139 0000 0001 …, nobody's real phone."""
    return f"139{i:08d}"


def participation_step(city: DemoCity, *, actor: User) -> None:
    """Volunteers, a cleanup to record, a suggestion and the month's survey (公众参与)."""
    district = city.districts[0]
    street, communities = (
        district.streets[0],
        [c for c in district.communities if c.parent_id == district.streets[0].pk],
    )
    staff = city.users.get("street01_manager") or actor
    public = public_actor()
    rng = city.rng_for("participation")
    names = person_names(rng, VOLUNTEERS)
    volunteers = []
    for i, name in enumerate(names, start=1):
        citizen = verification.verified_citizen(demo_phone(i))
        kind = "representative" if i == 1 else "volunteer"
        v = actions.register_volunteer(actor=public, citizen=citizen, kind=kind, name=name, street=street)
        if i <= VOLUNTEERS - PENDING:
            actions.decide_volunteer(actor=staff, volunteer=v, approve=True)
            volunteers.append(v)
    now = timezone.now()
    today = timezone.localdate()
    running = actions.save_activity(
        actor=staff,
        street=street,
        title="清洁家园·周末大扫除",
        theme=f"{today.month}月主题：清洁家园",
        place=f"{street.name}文化广场",
        starts_at=now + dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3),
        capacity=20,
        description="清理背街小巷的卫生死角，自带手套，现场发放垃圾袋。",
    )
    for v in volunteers[:6]:
        actions.sign_up(actor=public, activity=running, volunteer=v)
    # It starts as the demo is built and its volunteers record what they did afterwards.
    running.starts_at = now - dt.timedelta(hours=1)
    running.save(update_fields=["starts_at"])
    actions.record_cleanup(
        actor=public,
        activity=running,
        volunteer=volunteers[0],
        refuse_kg=Decimal("36.5"),
        spots_cleaned=7,
        note="清理小区围墙外的建筑垃圾和落叶",
        now=now,
    )
    actions.save_activity(
        actor=staff,
        street=street,
        title="垃圾分类入户宣传",
        theme=f"{today.month}月主题：清洁家园",
        place=f"{communities[0].name if communities else street.name}居委会",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        capacity=10,
    )
    asked = actions.submit_suggestion(
        actor=public,
        citizen=volunteers[1].citizen,
        title="菜市场门口增设垃圾桶",
        text="早市结束后垃圾较多，建议在菜市场东门增设两个分类垃圾桶。",
        street=street,
    )
    actions.answer_suggestion(
        actor=staff, suggestion=asked, answer="已联系环卫所，本周内增设两组分类垃圾桶。"
    )
    actions.submit_suggestion(
        actor=public,
        citizen=volunteers[2].citizen,
        title="夜间施工噪音",
        text="小区北侧工地夜里十点以后仍在施工，希望加强检查。",
        street=street,
    )
    survey = surveys.save_survey(
        actor=staff,
        title=f"{today.month}月城市管理满意度调查",
        month=today,
        area=street,
        questions=QUESTIONS,
    )
    surveys.save_survey(
        actor=staff, survey=survey, title=survey.title, month=today, area=street, status="open"
    )
    ids = [q.pk for q in survey.questions.all()]
    for i, v in enumerate(volunteers):
        if not communities:
            break
        answers = {
            str(ids[0]): rng.choice([3, 4, 4, 5, 5]),
            str(ids[1]): rng.choice([2, 3, 4, 5]),
            str(ids[2]): rng.choice(QUESTIONS[2]["choices"]),
        }
        surveys.answer_survey(
            actor=public,
            survey=survey,
            citizen=v.citizen,
            community=communities[i % len(communities)],
            answers=answers,
        )
    points.save_settings(actor=actor, leaderboard_enabled=True, staff_photos_public=False)
    city.summary["volunteers"] = VOLUNTEERS

"""A small city ready to run cases: the org, eight grids, users for every workflow role, conditions."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from cityloop.cases.actions import submit_report
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.catalog.actions import load_demo_conditions
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import Role, User
from cityloop.geo.actions import import_grids
from cityloop.routing.actions import create_rule
from tests.geo.conftest import DLAT, DLON, ORIGIN, org_features

# A point inside community A's first grid, and one inside community B.
POINT_A = (ORIGIN[0] + DLON * 0.5, ORIGIN[1] + DLAT * 1.5)
POINT_B = (ORIGIN[0] + DLON * 2.5, ORIGIN[1] + DLAT * 0.5)


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Loop:
    org: Any
    users: dict[str, User]

    def user_for(self, role: str) -> User:
        return self.users[ROLE_USER[role]]

    def photo(self, user: User, purpose: str = "other") -> int:
        return upload_attachment(actor=user, name="photo.png", content=png_bytes(), purpose=purpose).pk

    def report(self, channel: str = "supervisor", point: tuple[float, float] = POINT_A, **kw: Any) -> Case:
        actor = kw.pop("actor", None) or self.users["supervisor_a" if channel == "supervisor" else "operator"]
        case, _ = submit_report(
            actor=actor,
            channel=channel,
            description=kw.pop("description", "路边有暴露垃圾"),
            lon=point[0],
            lat=point[1],
            **kw,
        )
        return case

    def payload(self, name: str, case: Case) -> dict[str, Any]:
        user = self.default_user(name)
        defaults: dict[str, Any] = {
            "verify": {"found": True},
            "accept": {"category": "0102", "kind": "event"},
            "not_accept": {"reason": "重复上报"},
            "register": {"condition": 1},
            "not_register": {"reason": "不符合立案条件"},
            "void": {"reason": "误报"},
            # A reason, in case the routing suggestion names another unit (an override needs one).
            "dispatch": {"unit": self.org.sanitation.code, "reason": "按职责派环卫所"},
            "change_category": {"category": "0104", "kind": "event"},
            "refer_to_arbitration": {"reason": "多个单位互相推诿"},
            "rule_arbitration": {"unit": self.org.sanitation.code, "reason": "经会商由环卫所处置"},
            "request_return": {"reason": "非我单位职责", "suggested_unit": self.org.street_a.code},
            "reject_return": {"reason": "属于你单位职责"},
            "request_extension": {"reason": "需要采购材料", "amount": 2, "time_unit": "working_hour"},
            "reject_extension": {"reason": "时限充足"},
            "request_hold": {"reason": "等待天气好转"},
            "reject_hold": {"reason": "不符合挂账条件"},
            "dispose": {"feedback": "已清理完毕", "attachments": [self.photo(user)]},
            "check_fail": {"reason": "现场仍有垃圾"},
            "return_visit": {"satisfaction": "satisfied"},
            "request_no_return_visit": {"reason": "市民不愿回访"},
            "reopen": {"reason": "市民不满意"},
            "urge": {"reason": "请尽快处置"},
            "comment": {"note": "备注一下"},
            "approve_self_handling": {"category": "0102", "kind": "event"},
            "reject_self_handling": {"reason": "需要专业部门处置", "category": "0102", "kind": "event"},
        }
        if name == "merge":  # into an earlier report of the same problem at the same spot
            return {"into": self.report(description="同一处暴露垃圾，另一人上报").number}
        return dict(defaults.get(name, {}))

    def default_user(self, name: str) -> User:
        """The user whose job the transition is in this small city."""
        return self.user_for(next(iter(sorted(_transition_roles(name)))))

    def act(self, case: Case, name: str, *, user: User | None = None, **payload: Any) -> Case:
        user = user or self.default_user(name)
        body = self.payload(name, case)
        body.update(payload)
        return perform(case, name, actor=user, payload=body)

    def drive(self, case: Case, *names: str) -> Case:
        for name in names:
            case = self.act(case, name)
        return case


def _transition_roles(name: str) -> frozenset[str]:
    from cityloop.cases.workflow import TRANSITIONS

    roles = TRANSITIONS[name].roles
    # Prefer the role that does the work in practice when several may.
    for preferred in (Role.OPERATOR, Role.SUPERVISOR, Role.HANDLER, Role.DISPATCHER, Role.SHIFT_LEADER):
        if preferred in roles:
            return frozenset({preferred})
    return roles


ROLE_USER = {
    Role.OPERATOR: "operator",
    Role.SHIFT_LEADER: "shift_leader",
    Role.DISPATCHER: "dispatcher",
    Role.SUPERVISOR: "supervisor_a",
    Role.HANDLER: "sanitation_handler",
    Role.UNIT_MANAGER: "sanitation_manager",
    Role.LEADER: "leader",
    Role.ADMIN: "admin",
    Role.COMMUNITY_HEAD: "community_head_a",
}

# Paths from a new report to each state, for the supervisor channel (no verification needed) …
PATHS: dict[str, tuple[str, ...]] = {
    "reported": (),
    "accepted": ("accept",),
    "registered": ("accept", "register"),
    "dispatched": ("accept", "register", "dispatch"),
    "return_requested": ("accept", "register", "dispatch", "request_return"),
    "extension_requested": ("accept", "register", "dispatch", "request_extension"),
    "hold_requested": ("accept", "register", "dispatch", "request_hold"),
    "on_hold": ("accept", "register", "dispatch", "request_hold", "approve_hold"),
    "disposed": ("accept", "register", "dispatch", "dispose"),
    "checking": ("accept", "register", "dispatch", "dispose", "send_for_check"),
    "checked": ("accept", "register", "dispatch", "dispose", "send_for_check", "check_pass"),
    "closed": ("accept", "register", "dispatch", "dispose", "send_for_check", "check_pass", "close"),
}


def ensure_reference_data(actor: User) -> None:
    """The catalog and channels come from migrations; a transactional test elsewhere may have flushed
    them (PostgreSQL runs), so put them back when they are missing."""
    import importlib

    from django.apps import apps

    from cityloop.cases.models import Channel
    from cityloop.catalog.actions import load_standard
    from cityloop.catalog.models import Category

    if not Category.objects.exists():
        load_standard(actor=actor)
    if not Channel.objects.exists():
        importlib.import_module("cityloop.cases.migrations.0002_channels").load(apps, None)


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """The tests read refusals in English; the Chinese ones are checked where it matters."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def loop(org: Any, actor: User) -> Loop:
    ensure_reference_data(actor)
    import_grids(org_features(), actor=actor, valid_from=dt.date(2020, 1, 1))
    load_demo_conditions(actor=actor)
    users = dict(org.users)
    extra = {
        "operator": (org.district, Role.OPERATOR),
        "shift_leader": (org.district, Role.SHIFT_LEADER),
        "sanitation_handler": (org.sanitation, Role.HANDLER),
        "sanitation_manager": (org.sanitation, Role.UNIT_MANAGER),
        "community_head_a": (org.community_a, Role.COMMUNITY_HEAD),
        "supervisor_b": (org.community_b, Role.SUPERVISOR),
    }
    for username, (unit, role) in extra.items():
        users[username] = create_user(
            actor=actor, username=username, password="demo-pass-2026", roles=[(unit, role)]
        )
    # The line department for exposed refuse is named by rule (routing suggests it to dispatchers).
    create_rule(
        actor=actor,
        name="暴露垃圾由环卫所处置",
        kind="event",
        category_code="0102",
        area_unit=org.district,
        target="unit",
        target_unit=org.sanitation,
    )
    return Loop(org, users)


@pytest.fixture
def city_centre(loop: Loop, actor: User) -> dict[str, Any]:
    """The city centre's staff (on the city unit, their jurisdiction), a city-level department and a
    rule that sends dirty roads (0104) to it, commanded by the city."""
    org = loop.org
    works = create_unit(
        actor=actor, code="990000-SZ", name="市市政设施管理处", kind="department", parent=org.city
    )
    people: dict[str, Any] = {"works": works}
    for username, unit, role in (
        ("city_operator", org.city, Role.OPERATOR),
        ("city_shift_leader", org.city, Role.SHIFT_LEADER),
        ("city_dispatcher", org.city, Role.DISPATCHER),
        ("city_leader", org.city, Role.LEADER),
        ("works_handler", works, Role.HANDLER),
    ):
        people[username] = loop.users[username] = create_user(
            actor=actor, username=username, password="demo-pass-2026", roles=[(unit, role)]
        )
    create_rule(
        actor=actor,
        name="道路不洁由市市政处置（市级指挥）",
        kind="event",
        category_code="0104",
        area_unit=org.city,
        target="unit",
        target_unit=works,
        level="city",
    )
    return people

"""The city the permission sweep runs in: the ``loop`` fixture's small city (two streets, a community
in each, a department and a company, a user for every role), plus the objects the routes take as
parameters, each built the first time a route asks for it (so a test builds only what it needs).

Every object of interest lies in street A (东街道, community A) or belongs to a user there; the
outsiders hold the same roles in street B (西街道), in another district, or in another department.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import cached_property
from typing import Any

import shapely
from django.test import override_settings
from django.utils import timezone

from cityloop.assets.actions import record_component
from cityloop.assets.models import Component
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import perform
from cityloop.cases.models import Attachment, Case
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import AuditEntry, Membership, Role, Unit, User
from cityloop.evaluation.actions import compute_period
from cityloop.evaluation.models import EvaluationRun, Score
from cityloop.evaluation.periods import last_complete_month
from cityloop.geo.actions import create_roads
from cityloop.geo.models import Road
from cityloop.notify.delivery import deliver
from cityloop.notify.models import InboxMessage
from cityloop.notify.outbox import enqueue
from cityloop.routing.actions import create_rule
from cityloop.routing.models import Rule
from tests.cases.conftest import POINT_A, POINT_B, Loop, png_bytes

from . import video_world

# Users the ``loop`` city lacks: the same roles as its insiders, held outside street A.
EXTRA_USERS: dict[str, tuple[str, str]] = {
    # username: (unit attribute of the world, role)
    "dispatcher_b": ("street_b", Role.DISPATCHER),
    "shift_leader_b": ("street_b", Role.SHIFT_LEADER),
    "leader_b": ("street_b", Role.LEADER),
    "admin_b": ("street_b", Role.ADMIN),
    "admin_a": ("street_a", Role.ADMIN),
    "leader_elsewhere": ("other_district", Role.LEADER),
    "staff_without_role": ("", ""),  # staff (may open the admin), no role and no permission
}


class World:
    """The ``loop`` city and the route parameters, built lazily."""

    def __init__(self, loop: Loop, actor: User) -> None:
        self.loop = loop
        self.org = loop.org
        self.actor = actor

    # --- people --------------------------------------------------------------------------------

    def user(self, name: str) -> User:
        """A user of the ``loop`` city, or one of :data:`EXTRA_USERS` (made on first use)."""
        if name in ("shop_a", "shop_b"):  # frontage parties' accounts (no role)
            return getattr(self, name)  # type: ignore[no-any-return]
        if name not in self.loop.users:
            unit_attr, role = EXTRA_USERS[name]
            roles = [(getattr(self, unit_attr), role)] if unit_attr else []
            self.loop.users[name] = create_user(
                actor=self.actor,
                username=name,
                password="demo-pass-2026",
                roles=roles,
                is_staff=name == "staff_without_role",
            )
        return self.loop.users[name]

    @property
    def street_b(self) -> Unit:
        return self.org.street_b

    @property
    def street_a(self) -> Unit:
        return self.org.street_a

    @property
    def supervisor_a(self) -> User:
        return self.loop.users["supervisor_a"]

    @cached_property
    def membership_a(self) -> Membership:
        """The street-A supervisor's role in community A."""
        return Membership.objects.get(user=self.supervisor_a, unit=self.org.community_a)

    @cached_property
    def audit_a(self) -> AuditEntry:
        """The audit entry of community A's creation (street A's administrator reads it)."""
        return AuditEntry.objects.get(action="unit.create", object_id=str(self.org.community_a.pk))

    def roster_file(self, login: str = "sweep_roster") -> Any:
        """A one-person roster sheet for community A."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        sheet = f"单位编码,姓名,手机,角色,登录名\n{self.org.community_a.code},名册人,,监督员,{login}\n"
        return SimpleUploadedFile("roster.csv", sheet.encode("utf-8"), content_type="text/csv")

    def field(self, model: Any, pk: Any, name: str) -> Any:
        """One stored value (to check a refused write changed nothing)."""
        return model.objects.filter(pk=pk).values_list(name, flat=True).first()

    @cached_property
    def other_district(self) -> Unit:
        return create_unit(
            actor=self.actor, code="990200", name="邻区", kind="district", parent=self.org.city
        )

    # --- cases ---------------------------------------------------------------------------------

    @cached_property
    def case_a(self) -> Case:
        """A case in street A, dispatched to the sanitation department, with a photo of the report."""
        case = self.loop.report(description="东街道暴露垃圾 case-a")
        case = self.loop.drive(case, "accept", "register", "dispatch")
        supervisor = self.loop.users["supervisor_a"]
        photo = self.loop.photo(supervisor, "report")
        return perform(case, "comment", actor=supervisor, payload={"note": "照片", "attachments": [photo]})

    @cached_property
    def hotline_platform(self) -> Any:
        from cityloop.hotline.platforms import create_platform, forget_roles

        forget_roles()
        return create_platform(
            actor=self.actor,
            code="sweep",
            name="12345",
            callback_url="http://127.0.0.1:9/",
            unit=self.org.city,
        )

    @cached_property
    def hotline_a(self) -> Case:
        """A work order from the hotline in street A, as its case (reported, awaiting verification)."""
        from cityloop.hotline.inbound import receive
        from cityloop.notify.signing import sign_headers

        body = json.dumps(
            {
                "type": "work_order",
                "ticket_id": "SWEEP-1",
                "channel": "12345",
                "text": "东街道热线工单 hotline-a",
                "location": {"lon": POINT_A[0], "lat": POINT_A[1]},
            }
        ).encode()
        headers = sign_headers([self.hotline_platform.secret], "sweep-1", timezone.now(), body)
        status, answer = receive(self.hotline_platform.code, headers, body)
        assert status == 201, answer
        return Case.objects.get(number=answer["case_number"])

    # --- video and sensors (tests/security/video_world.py) ---------------------------------------

    @cached_property
    def camera_a(self) -> Any:
        return video_world.camera_a(self)

    @cached_property
    def detection_a(self) -> Any:
        return video_world.detection_a(self)

    @cached_property
    def route_a(self) -> Any:
        return video_world.route_a(self)

    @cached_property
    def round_a(self) -> Any:
        return video_world.round_a(self)

    @cached_property
    def device_a(self) -> Any:
        return video_world.device_a(self)

    @cached_property
    def camera_case_a(self) -> Any:
        return video_world.camera_case_a(self)

    @cached_property
    def closed_a_photo(self) -> Attachment:
        """The photo sent with the report of :attr:`closed_a` (its tracking page shows it)."""
        found = Attachment.objects.filter(case=self.closed_a).first()
        assert found is not None
        return found

    @cached_property
    def photo_a(self) -> Attachment:
        """The photo on :attr:`case_a` (uploaded by the street-A supervisor)."""
        found = Attachment.objects.filter(case=self.case_a).first()
        assert found is not None
        return found

    @cached_property
    def case_b(self) -> Case:
        """A case reported in street B (what the street-B outsiders do see)."""
        return self.loop.report(
            point=POINT_B, description="西街道暴露垃圾 case-b", actor=self.loop.users["supervisor_b"]
        )

    @cached_property
    def verifying_a(self) -> Case:
        """A hotline case in street A waiting for the supervisor's verification on site."""
        case = self.loop.report(channel="hotline_12345", description="市民来电 verifying-a")
        return self.loop.drive(case, "send_for_verification")

    @cached_property
    def arbitration_a(self) -> Case:
        """A registered case in street A referred to arbitration (the shift leader rules on it)."""
        case = self.loop.report(description="推诿案件 arbitration-a")
        return self.loop.drive(case, "accept", "register", "refer_to_arbitration")

    @cached_property
    def closed_a(self) -> Case:
        """A closed case in street A (citizens may rate it)."""
        photo = self.loop.photo(self.loop.users["supervisor_a"], "report")
        case = self.loop.report(
            description="已结案件 closed-a", reporter_phone="13912345678", attachments=[photo]
        )
        steps = ("accept", "register", "dispatch", "dispose", "send_for_check", "check_pass", "close")
        return self.loop.drive(case, *steps)

    @cached_property
    def briefing(self) -> Any:
        """The district's weekly briefing (专报) of this week, kept and not delivered."""
        from cityloop.analytics.briefings.service import generate

        return generate("weekly", timezone.localdate(), self.org.district, actor=self.actor, deliver=False)

    @cached_property
    def rollups(self) -> dict[str, Any]:
        """The analytics roll-ups counted after :attr:`case_a` (as the worker's sweep would)."""
        from cityloop.analytics.open_rollup import refresh_open
        from cityloop.analytics.rollup import refresh

        assert self.case_a.pk
        refresh_open()
        return refresh(settle=True)

    # --- reference rows ------------------------------------------------------------------------

    @cached_property
    def component_a(self) -> Component:
        """An unowned manhole cover in community A."""
        return record_component(
            actor=self.actor, id="9901000101000001", lon=POINT_A[0] + 0.0001, lat=POINT_A[1]
        )

    @cached_property
    def party_a(self) -> Any:
        """A shop in street A whose 5 m zone lies north of a frontage line just east of POINT_A."""
        from cityloop.frontage.actions import import_frontage
        from cityloop.frontage.models import Party
        from cityloop.frontage.uscc import make

        lon, lat = POINT_A[0] + 0.0003, POINT_A[1]
        row = {
            "uscc": make("9", "1", "990100", "QDFT0001"),
            "name": "东街面馆 party-a",
            "contact_phone": "13800000001",
            "geometry": f"LINESTRING ({lon} {lat}, {lon + 0.0001} {lat})",
            "depth": "5",
        }
        report = import_frontage([row], actor=self.actor)
        assert report.applied, [str(e) for e in report.errors]
        return Party.objects.get(uscc=row["uscc"])

    # --- frontage letters, inspections and notices ------------------------------------------------

    @cached_property
    def party_b(self) -> Any:
        """A shop in street B (its account is the outsider of the party's own routes)."""
        from cityloop.frontage.actions import import_frontage
        from cityloop.frontage.models import Party
        from cityloop.frontage.uscc import make

        lon, lat = POINT_B
        row = {
            "uscc": make("9", "1", "990100", "QDFT0003"),
            "name": "西街花店 party-b",
            "geometry": f"LINESTRING ({lon} {lat}, {lon + 0.0001} {lat})",
            "depth": "5",
        }
        report = import_frontage([row], actor=self.actor)
        assert report.applied, [str(e) for e in report.errors]
        return Party.objects.get(uscc=row["uscc"])

    @cached_property
    def peer_of_a(self) -> Any:
        """A second shop in street A, in one self-discipline group with party A (联盟互查)."""
        from cityloop.frontage.actions import import_frontage
        from cityloop.frontage.checklist import load_standard_checklist
        from cityloop.frontage.groups import create_group, join_group
        from cityloop.frontage.models import Party
        from cityloop.frontage.uscc import make

        lon, lat = POINT_A[0] + 0.0006, POINT_A[1]
        row = {
            "uscc": make("9", "1", "990100", "QDFT0005"),
            "name": "东街茶馆 peer-of-a",
            "geometry": f"LINESTRING ({lon} {lat}, {lon + 0.0001} {lat})",
            "depth": "5",
        }
        report = import_frontage([row], actor=self.actor)
        assert report.applied, [str(e) for e in report.errors]
        peer = Party.objects.get(uscc=row["uscc"])
        load_standard_checklist(actor=self.actor)
        group = create_group(actor=self.actor, street=self.party_a.street, name="东街联盟 group-a")
        join_group(actor=self.actor, group=group, party=self.party_a)
        join_group(actor=self.actor, group=group, party=peer)
        return peer

    def _account(self, party: Any, username: str) -> User:
        from cityloop.frontage.accounts import create_party_account

        return create_party_account(
            actor=self.actor, party=party, username=username, password="demo-pass-2026"
        )

    @cached_property
    def shop_a(self) -> User:
        return self._account(self.party_a, "shop_a")

    @cached_property
    def shop_b(self) -> User:
        return self._account(self.party_b, "shop_b")

    @cached_property
    def letter_a(self) -> Any:
        """Party A's letter of 2026 (issued, not signed)."""
        from cityloop.frontage.letters import issue_letters
        from cityloop.frontage.models import Letter

        issue_letters(actor=self.actor, street=self.org.street_a, year=2026, parties=[self.party_a])
        return Letter.objects.get(party=self.party_a, year=2026)

    @cached_property
    def template_a(self) -> Any:
        """Street A's own letter template."""
        from cityloop.frontage.letter_templates import save_template

        return save_template(
            actor=self.actor, street=self.org.street_a, title="东街责任书", body="{party}：{duties}"
        )

    @cached_property
    def signed_letter_a(self) -> Any:
        """Party A's letter of 2025, signed (it has a PDF)."""
        from cityloop.frontage.letters import issue_letters, sign_letter
        from cityloop.frontage.models import Letter

        issue_letters(actor=self.actor, street=self.org.street_a, year=2025, parties=[self.party_a])
        letter = Letter.objects.get(party=self.party_a, year=2025)
        return sign_letter(actor=self.shop_a, letter=letter, signature_png=png_bytes(), signer_name="王")

    @cached_property
    def frontage_round_a(self) -> Any:
        from cityloop.frontage.inspections import plan_round

        return plan_round(
            actor=self.actor,
            street=self.org.street_a,
            title="东街道巡查 round-a",
            planned_on=dt.date(2026, 3, 2),
            inspector=self.supervisor_a,
            parties=[self.party_a],
        )

    @cached_property
    def frontage_photo(self) -> int:
        """A photo the supervisor uploaded for an inspection."""
        return upload_attachment(
            actor=self.supervisor_a, name="p.png", content=png_bytes(), purpose="check"
        ).pk

    @cached_property
    def frontage_inspection_a(self) -> Any:
        """Party A inspected by street A's supervisor: a failed item (a notice) and a photo."""
        from cityloop.frontage.inspections import checklist_for, record_inspection

        items = checklist_for(self.party_a, timezone.localdate())
        ticks = {i.code: i.code != "ord_outside" for i in items}
        return record_inspection(
            actor=self.supervisor_a, party=self.party_a, ticks=ticks, photos=[self.frontage_photo]
        )

    @cached_property
    def notice_a(self) -> Any:
        return self.frontage_inspection_a.notices.get()

    @cached_property
    def answered_notice_a(self) -> Any:
        """Party A's notice, answered with a photo."""
        from cityloop.frontage.notices import answer_notice

        return answer_notice(
            actor=self.shop_a, notice=self.notice_a, note="已整改", photos=[self.answer_photo]
        )

    @cached_property
    def answer_photo(self) -> int:
        """A photo party A uploaded to answer its notice."""
        return upload_attachment(actor=self.shop_a, name="a.png", content=png_bytes(), purpose="after").pk

    @cached_property
    def party_other(self) -> Any:
        """Another shop of street A, a few metres east of party A (its own zone)."""
        from cityloop.frontage.actions import import_frontage
        from cityloop.frontage.models import Party
        from cityloop.frontage.uscc import make

        lon, lat = POINT_A[0] + 0.0006, POINT_A[1]
        row = {
            "uscc": make("9", "1", "990100", "QDFT0005"),
            "name": "东街花店 party-other",
            "geometry": f"LINESTRING ({lon} {lat}, {lon + 0.0001} {lat})",
            "depth": "5",
        }
        import_frontage([row], actor=self.actor)
        return Party.objects.get(uscc=row["uscc"])

    @cached_property
    def correction_a(self) -> Any:
        """A report in party A's zone (piled goods), handed to party A first."""
        from cityloop.frontage.models import SelfCorrection

        assert self.shop_a.pk  # party A signs in to answer
        point = (POINT_A[0] + 0.00035, POINT_A[1] + 0.00002)
        case = self.loop.report(point=point, description="店门口堆放纸箱 correction-a")
        case = self.loop.act(case, "accept", category="0507", kind="event")
        case = self.loop.act(case, "register")
        return SelfCorrection.objects.get(case_id=case.pk)

    @cached_property
    def fixed_a(self) -> Any:
        """Party A's correction answered "fixed" with a photo."""
        from cityloop.frontage.correction_actions import Photo, answer_fixed

        photo = Photo("fixed.png", png_bytes(), "image/png", "png", "cd" * 32)
        return answer_fixed(self.correction_a.pk, actor=self.shop_a, photo=photo)

    @property
    def credit_month(self) -> str:
        from cityloop.frontage.credit import add_months, month_start

        return f"{add_months(month_start(timezone.localdate()), -1):%Y-%m}"

    @cached_property
    def credit_a(self) -> dict[str, Any]:
        """Every party scored for last month (party A among them)."""
        from cityloop.frontage.credit import add_months, month_start
        from cityloop.frontage.credit_actions import recompute_credit

        assert self.party_a.pk
        return recompute_credit(actor=self.actor, month=add_months(month_start(timezone.localdate()), -1))

    @cached_property
    def listing_a(self) -> Any:
        """Party A on the black list since January 2026."""
        from cityloop.frontage.models import CreditListing

        return CreditListing.objects.create(
            party=self.party_a,
            kind="black",
            since=dt.date(2026, 1, 1),
            reason="信用分过低",
            street=self.org.street_a,
        )

    @cached_property
    def group_a(self) -> Any:
        """A self-discipline group of street A with party A in it."""
        from cityloop.frontage.groups import create_group, join_group

        group = create_group(actor=self.actor, street=self.org.street_a, name="东街自治联盟 group-a")
        join_group(actor=self.actor, group=group, party=self.party_a)
        return group

    @cached_property
    def peer_group_a(self) -> Any:
        """Group A with the other shop of street A in it too, for peer inspections."""
        from cityloop.frontage.groups import join_group

        join_group(actor=self.actor, group=self.group_a, party=self.party_other)
        assert self.shop_a.pk  # party A inspects with its own account
        return self.group_a

    def peer_ticks(self) -> dict[str, bool]:
        from cityloop.frontage.inspections import checklist_for

        return {i.code: True for i in checklist_for(self.party_other, timezone.localdate())}

    @cached_property
    def rule_a(self) -> Rule:
        """A routing rule for street A's area."""
        return create_rule(
            actor=self.actor,
            name="东街道井盖规则 rule-a",
            kind="component",
            category_code="0101",
            area_unit=self.org.street_a,
            target="unit",
            target_unit=self.org.water,
            valid_from=dt.date(2020, 1, 1),
        )

    @cached_property
    def road(self) -> Road:
        """A road on the district's map."""
        line = shapely.LineString([POINT_A, POINT_B])
        create_roads([("示范路 road-a", "arterial", line)], actor=self.actor, district=self.org.district)
        return Road.objects.get(name="示范路 road-a")

    @cached_property
    def message(self) -> InboxMessage:
        """An unread notice in the street-A manager's inbox."""
        with override_settings(CITYLOOP_NOTIFY_CHANNELS={}):
            enqueue(
                "timeclock.overdue",
                recipients=[self.loop.users["street_a_manager"]],
                dedupe_key="security-sweep",
                payload={"title": "东街道超时 message-a"},
            )
            deliver(timezone.now())
        return InboxMessage.objects.get(user=self.loop.users["street_a_manager"])

    # --- public participation -----------------------------------------------------------------

    @cached_property
    def participation(self) -> Any:
        """Street A's pending volunteer, activity with a sign-up and a cleanup photo, unanswered
        suggestion and draft survey, and a confirmed area alert around POINT_A."""
        import datetime as dt
        from types import SimpleNamespace

        from django.utils import timezone

        from cityloop.core.audit import public_actor
        from cityloop.participation import actions, alerts, surveys, verification
        from tests.cases.conftest import png_bytes

        street = self.org.street_a
        public = public_actor()
        manager = self.loop.users["street_a_manager"]
        pending = actions.register_volunteer(
            actor=public,
            citizen=verification.verified_citizen("13800000011"),
            kind="volunteer",
            name="待审志愿者",
            street=street,
        )
        approved = actions.register_volunteer(
            actor=public,
            citizen=verification.verified_citizen("13800000012"),
            kind="volunteer",
            name="已审志愿者",
            street=street,
        )
        actions.decide_volunteer(actor=manager, volunteer=approved, approve=True)
        start = timezone.now() + dt.timedelta(days=1)
        activity = actions.save_activity(
            actor=manager,
            street=street,
            title="清洁家园 activity-a",
            place="广场",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=5,
        )
        signup = actions.sign_up(actor=public, activity=activity, volunteer=approved)
        activity.starts_at = timezone.now() - dt.timedelta(hours=1)
        activity.save()
        cleanup = actions.record_cleanup(
            actor=public,
            activity=activity,
            volunteer=approved,
            refuse_kg=5,
            spots_cleaned=2,
            photos=[(png_bytes(), "image/png", "png")],
        )
        suggestion = actions.submit_suggestion(
            actor=public,
            citizen=approved.citizen,
            title="建议 suggestion-a",
            text="增加垃圾桶",
            street=street,
        )
        survey = surveys.save_survey(
            actor=manager,
            title="调查 survey-a",
            month=timezone.localdate().replace(day=1),
            area=street,
            questions=[{"text": "满意吗", "kind": "rating"}],
        )
        alert = alerts.subscribe(
            actor=public, channel="email", address="a@example.cn", center=list(POINT_A), radius_m=300
        )
        return SimpleNamespace(
            pending=pending,
            approved=approved,
            activity=activity,
            signup=signup,
            suggestion=suggestion,
            survey=survey,
            alert=alert,
            photo=cleanup.photos.get(),
            token=verification.citizen_token(approved.citizen),
        )

    def upload(self, user: User) -> int:
        """A photo uploaded by ``user`` (for actions that need one)."""
        return upload_attachment(actor=user, name="photo.png", content=png_bytes(), purpose="other").pk

    # --- evaluation ----------------------------------------------------------------------------

    @property
    def period(self) -> str:
        """This month: the sweep evaluates the month the cases were reported in."""
        return timezone.localdate().strftime("%Y-%m")

    @cached_property
    def run(self) -> EvaluationRun:
        """A draft evaluation of this month over the city, with :attr:`case_a` in it."""
        self.case_a  # noqa: B018  (the case the scores count)
        return compute_period(actor=self.actor, period=self.period, scope=self.org.city).run

    @cached_property
    def past_run(self) -> EvaluationRun:
        """A draft evaluation of last month over the city (a period that has ended may be published)."""
        period = last_complete_month().key
        return compute_period(actor=self.actor, period=period, scope=self.org.city).run

    @cached_property
    def score_a(self) -> Score:
        """Street A's score in :attr:`run`."""
        return Score.objects.get(run=self.run, subject="street", unit=self.org.street_a)

    # --- communities and back alleys (三长一站, 背街小巷) -----------------------------------------------

    @property
    def this_month(self) -> str:
        return timezone.localdate().strftime("%Y-%m")

    @cached_property
    def station_a(self) -> Any:
        """Community A's station, with a station head (``station_head_a``) and a plumber on call."""
        from cityloop.community.actions import appoint_head, open_station, save_professional

        unit = create_unit(
            actor=self.actor,
            code="990100001001-ZZ",
            name="东一社区工作站",
            kind="station",
            parent=self.org.community_a,
        )
        station = open_station(
            actor=self.loop.users["admin"],
            community=self.org.community_a,
            name="东一社区工作站 station-a",
            unit=unit,
        )
        head = create_user(
            actor=self.actor,
            username="station_head_a",
            password="demo-pass-2026",
            roles=[(self.org.community_a, Role.COMMUNITY_HEAD), (unit, Role.COMMUNITY_HEAD)],
        )
        self.loop.users["station_head_a"] = head
        appoint_head(actor=self.loop.users["admin"], station=station, user=head, kind="station_head")
        save_professional(
            actor=self.loop.users["admin"],
            station=station,
            name="李师傅 pro-a",
            trade="water",
            phone="13900000009",
        )
        return station

    @property
    def head_post_a(self) -> Any:
        """The station head's post at community A's station."""
        return self.station_a.posts.get()

    @cached_property
    def station_case_a(self) -> Case:
        """A case of community A the district dispatched to its station."""
        case = self.loop.report(description="楼道灯不亮 station-case-a")
        case = self.loop.act(case, "accept")
        case = self.loop.act(case, "register")
        assert self.station_a.unit is not None
        return self.loop.act(case, "dispatch", unit=self.station_a.unit.code, reason="社区级问题交社区工作站")

    @cached_property
    def professional_a(self) -> Any:
        return self.station_a.professionals.get()

    @cached_property
    def task_a(self) -> Any:
        from cityloop.community.tasks import raise_task

        return raise_task(
            actor=self.loop.users["admin"],
            station=self.station_a,
            description="楼道水管漏水 task-a",
            lon=POINT_A[0],
            lat=POINT_A[1],
            source="resident",
            reporter_phone="13800005555",
            photos=[("leak.png", png_bytes())],
        )

    @cached_property
    def task_photo_a(self) -> Any:
        return self.task_a.photos.get()

    @cached_property
    def item_a(self) -> Any:
        from cityloop.community.meetings import hold_meeting

        meeting = hold_meeting(
            actor=self.loop.users["admin"],
            unit=self.org.community_a,
            kind="community_weekly",
            held_on=timezone.localdate(),
            items=[{"what": "更换水管 item-a", "who": "物业", "due": timezone.localdate()}],
        )
        return meeting.items.get()

    @cached_property
    def segment_a(self) -> Any:
        """A back alley of street A that the street's manager answers for."""
        from cityloop.community.alleys import register_segment

        lon, lat = POINT_A
        return register_segment(
            actor=self.loop.users["admin"],
            code="ALLEY-A",
            name="东一巷 segment-a",
            street=self.org.street_a,
            geometry=f"LINESTRING ({lon} {lat}, {lon + 0.003} {lat})",
            responsible=self.loop.users["street_a_manager"],
            post="巷长",
            duties="每日巡查保洁",
        )

    @cached_property
    def checkin_a(self) -> Any:
        from cityloop.community.alleys import check_in

        return check_in(
            actor=self.loop.users["street_a_manager"],
            segment=self.segment_a,
            lon=POINT_A[0] + 0.001,
            lat=POINT_A[1],
            findings="巷口堆物 checkin-a",
        )

    @cached_property
    def inspection_a(self) -> Any:
        from decimal import Decimal

        from cityloop.community.alleys import inspect_segment

        return inspect_segment(
            actor=self.loop.users["leader"],
            segment=self.segment_a,
            finding="垃圾未清 finding-a",
            points=Decimal("2"),
        )

    def snapshot(self, *objects: Any) -> list[Any]:
        """The stored state of rows (to check a refused write changed nothing)."""
        return [type(o).objects.filter(pk=o.pk).values().first() for o in objects]


def text_of(response: Any) -> str:
    """A response's body as text people read: HTML as it is, JSON with its characters unescaped
    (``"东街道"``, not ``"\\u4e1c…"``), an Excel workbook's cells, a PDF's text."""
    content_type = response.get("Content-Type", "")
    if getattr(response, "_sweep_text", None) is not None:
        return str(response._sweep_text)
    raw: bytes = b"".join(response.streaming_content) if response.streaming else response.content
    response._sweep_text = _decode(raw, content_type)
    return str(response._sweep_text)


def _decode(raw: bytes, content_type: str) -> str:
    if "json" in content_type:
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            pass
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    if "pdf" in content_type:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    # Pages embed their chart data as JSON with escaped characters: unescape them too.
    text = raw.decode("utf-8", errors="replace")
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


__all__ = ["EXTRA_USERS", "World", "text_of"]

"""The bridge between the community micro-loop (三长一站, ``cityloop.community``) and the case loop.

Community sits below cases and may not import them, so it asks through a registry
(:mod:`cityloop.community.escalation`); this module answers, inside the community action's own
transaction: a problem the community cannot solve becomes a case (through ``submit_report``, as the
station's head, channel 三长上报) carrying the whole story and the photos; a case the district sent
to the station is handed back (申请回退) when escalated, or reported disposed when solved."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError

from cityloop.core.models import User

from .actions import dispose_case, perform, submit_report
from .attachments import upload_attachment
from .engine import TransitionError
from .models import Case

if TYPE_CHECKING:
    from cityloop.community.escalation import CaseRef
    from cityloop.community.models import Task
    from cityloop.community.photos import Photo

CHANNEL = "community_head"
WITH_STATION = ("dispatched",)


def _ref(case: Case) -> CaseRef:
    from cityloop.community.escalation import CaseRef

    return CaseRef(
        id=case.pk,
        number=case.number,
        state=case.state,
        description=case.description,
        lon=case.lon,
        lat=case.lat,
        address=case.address,
        category_code=case.category.code if case.category is not None else "",
    )


def _uploads(actor: User, photos: list[Photo], purpose: str) -> list[int]:
    return [
        upload_attachment(
            actor=actor, name=p.name or f"photo.{p.extension}", content=p.content, purpose=purpose
        ).pk
        for p in photos
    ]


@contextmanager
def _as_domain_errors() -> Iterator[None]:
    """The case loop's refusals as the community's callers know them (403 or a 400 on ``case``)."""
    try:
        yield
    except TransitionError as exc:
        if exc.status == 403:
            raise PermissionDenied(f"区级案件不允许这样办理：{exc.message}") from None
        raise ValidationError({"case": f"区级案件：{exc.message}"}) from None


class CaseBridge:
    """What :class:`cityloop.community.escalation.Bridge` asks of the case loop."""

    def escalate(self, task: Task, *, actor: User, summary: str, photos: list[Photo]) -> CaseRef:
        with _as_domain_errors():
            return self._escalate(task, actor=actor, summary=summary, photos=photos)

    def _escalate(self, task: Task, *, actor: User, summary: str, photos: list[Photo]) -> CaseRef:
        if task.case_id:
            case = Case.objects.get(pk=task.case_id)
            case = perform(case, "request_return", actor=actor, payload={"reason": summary})
            return _ref(case)
        case, _ = submit_report(
            actor=actor,
            channel=CHANNEL,
            description=summary,
            lon=task.lon,
            lat=task.lat,
            address=task.address,
            reporter_name=task.reporter_name,
            reporter_phone=task.reporter_phone,
            category=task.category_code or None,
            attachments=_uploads(actor, photos, "report"),
            at=task.escalated_at,
        )
        return _ref(case)

    def solved(self, task: Task, *, actor: User, photos: list[Photo]) -> None:
        assert task.case_id is not None
        case = Case.objects.get(pk=task.case_id)
        feedback = f"社区工作站已解决：{task.solution}"[:500]
        with _as_domain_errors():
            dispose_case(
                case, actor=actor, feedback=feedback, attachments=_uploads(actor, photos, "disposal")
            )

    def incoming(self, station_unit_id: int, *, limit: int) -> list[CaseRef]:
        from cityloop.community.models import Task

        taken = Task.objects.filter(case_id__isnull=False).values("case_id")
        cases = (
            Case.objects.filter(responsible_unit_id=station_unit_id, state__in=WITH_STATION)
            .exclude(pk__in=taken)
            .select_related("category")
            .order_by("-id")[:limit]
        )
        return [_ref(c) for c in cases]

    def case(self, case_id: int, station_unit_id: int) -> CaseRef | None:
        case = (
            Case.objects.filter(pk=case_id, responsible_unit_id=station_unit_id, state__in=WITH_STATION)
            .select_related("category")
            .first()
        )
        return _ref(case) if case else None

    def progress(self, case_ids: list[int]) -> dict[int, str]:
        rows = Case.objects.filter(pk__in=case_ids[:500])
        return {c.pk: str(c.get_state_display()) for c in rows.only("pk", "state")}

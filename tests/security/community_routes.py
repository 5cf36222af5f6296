"""The routes of the communities and back alleys (cityloop/api/community.py, cityloop/api/alleys.py,
cityloop/web/community), each with who may call it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cityloop.community.models import (
    AlleyCheckIn,
    AlleyInspection,
    AlleySegment,
    Meeting,
    Professional,
    Task,
    TaskEvent,
)
from tests.cases.conftest import POINT_A

from .routes import PRIVATE, Body, Route, State, photo_file
from .world import World

A = "/api/v1"
INSIDE, OUTSIDE = "street_a_manager", "street_b_manager"


# The set-up sheet names its communities: another street's community is a row error (400, nothing
# written), tested in tests/community/test_roster.py and test_roster_pages.py.
SHEET = "the sheet names its communities; another street's is a row error there (tests/community)"
BLANK = "the blank template: there is nothing of anyone's in it"


def roster_file(name: str) -> Body:
    """A set-up sheet for community A: its station and one on-call professional called ``name``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def build(w: World) -> dict[str, Any]:
        code = w.org.community_a.code
        lines = ["类别,社区编码,名称,姓名,专业,电话", f"工作站,{code},东一社区工作站,,,"]
        lines.append(f"专业人员,{code},,{name},供水,13900000077")
        sheet = "\n".join(lines).encode("utf-8")
        return {"file": SimpleUploadedFile("community.csv", sheet, content_type="text/csv")}

    return build


def _professional(name: str) -> State:
    return lambda w: Professional.objects.filter(name=name).exists()


def _state(w: object, pk: int) -> object:
    return Task.objects.filter(pk=pk).values_list("state", "assigned_professional_id").first()


COMMUNITY_API_ROUTES: list[Route] = [
    Route(
        "/api/v1/community/stations",
        PRIVATE,
        f"{A}/community/stations",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="station-a",
        needs=("station_a",),
    ),
    Route(
        "/api/v1/community/stations/{station_id}",
        PRIVATE,
        f"{A}/community/stations/{{w.station_a.pk}}",
        inside=INSIDE,
        outside=OUTSIDE,
        marker="station-a",
    ),
    Route(
        "/api/v1/community/stations/{station_id}/heads",
        PRIVATE,
        f"{A}/community/stations/{{w.station_a.pk}}/heads",
        inside=INSIDE,
        outside=OUTSIDE,
        marker="station_head",
    ),
    Route(
        "/api/v1/community/heads/{post_id}/end",
        PRIVATE,
        f"{A}/community/heads/{{w.head_post_a.pk}}/end",
        method="POST",
        body=lambda w: {},
        inside=INSIDE,
        outside=OUTSIDE,
        state=lambda w: w.head_post_a.valid_to,
    ),
    Route(
        "/api/v1/community/stations/{station_id}/professionals",
        PRIVATE,
        f"{A}/community/stations/{{w.station_a.pk}}/professionals",
        inside=INSIDE,
        outside=OUTSIDE,
        marker="pro-a",
    ),
    Route(
        "/api/v1/community/stations/{station_id}/take-case",
        PRIVATE,
        f"{A}/community/stations/{{w.station_a.pk}}/take-case",
        method="POST",
        body=lambda w: {"case_id": w.station_case_a.pk},
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(201,),
        state=lambda w: Task.objects.count(),
    ),
    Route(
        "/api/v1/community/tasks",
        PRIVATE,
        f"{A}/community/tasks",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="task-a",
        needs=("task_a",),
    ),
    Route(
        "/api/v1/community/tasks",
        PRIVATE,
        f"{A}/community/tasks",
        method="POST",
        label="raise",
        body=lambda w: {
            "station": w.station_a.pk,
            "description": "护栏断了",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
        },
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(201,),
        state=lambda w: Task.objects.count(),
    ),
    Route(
        "/api/v1/community/tasks/{task_id}",
        PRIVATE,
        f"{A}/community/tasks/{{w.task_a.pk}}",
        inside=INSIDE,
        outside=OUTSIDE,
        marker="13800005555",
    ),
    Route(
        "/api/v1/community/tasks/{task_id}/assign",
        PRIVATE,
        f"{A}/community/tasks/{{w.task_a.pk}}/assign",
        method="POST",
        body=lambda w: {"professional": w.professional_a.pk},
        inside=INSIDE,
        outside=OUTSIDE,
        state=lambda w: _state(w, w.task_a.pk),
    ),
    Route(
        "/api/v1/community/tasks/{task_id}/solve",
        PRIVATE,
        f"{A}/community/tasks/{{w.task_a.pk}}/solve",
        method="POST",
        multipart=True,
        body=lambda w: {"solution": "换了阀门", "photos": photo_file()},
        inside=INSIDE,
        outside=OUTSIDE,
        state=lambda w: _state(w, w.task_a.pk),
    ),
    Route(
        "/api/v1/community/tasks/{task_id}/escalate",
        PRIVATE,
        f"{A}/community/tasks/{{w.task_a.pk}}/escalate",
        method="POST",
        body=lambda w: {"reason": "市政管网破裂"},
        inside="station_head_a",
        outside=OUTSIDE,
        state=lambda w: _state(w, w.task_a.pk),
    ),
    Route(
        "/api/v1/community/meetings",
        PRIVATE,
        f"{A}/community/meetings",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="item-a",
        needs=("item_a",),
    ),
    Route(
        "/api/v1/community/meetings",
        PRIVATE,
        f"{A}/community/meetings",
        method="POST",
        label="hold",
        body=lambda w: {
            "kind": "community_weekly",
            "unit": w.org.community_a.code,
            "held_on": str(timezone.localdate()),
        },
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(201,),
        state=lambda w: (w.station_a, Meeting.objects.count())[1],
    ),
    Route(
        "/api/v1/community/meeting-items/{item_id}/done",
        PRIVATE,
        f"{A}/community/meeting-items/{{w.item_a.pk}}/done",
        method="POST",
        body=lambda w: {"note": "已更换"},
        inside=INSIDE,
        outside=OUTSIDE,
        state=lambda w: w.snapshot(w.item_a),
    ),
    Route(
        "/api/v1/community/roster",
        PRIVATE,
        f"{A}/community/roster",
        method="POST",
        multipart=True,
        body=roster_file("接口师傅"),
        inside=INSIDE,
        why=SHEET,
        state=_professional("接口师傅"),
    ),
    Route(
        "/api/v1/community/roster/template.xlsx",
        PRIVATE,
        f"{A}/community/roster/template.xlsx",
        inside=INSIDE,
        why=BLANK,
    ),
    Route(
        "/api/v1/alleys/segments",
        PRIVATE,
        f"{A}/alleys/segments",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="segment-a",
        needs=("segment_a",),
    ),
    Route(
        "/api/v1/alleys/segments",
        PRIVATE,
        f"{A}/alleys/segments",
        method="POST",
        label="register",
        body=lambda w: {
            "code": "ALLEY-NEW",
            "name": "东二巷",
            "street": w.org.street_a.code,
            "geometry": f"LINESTRING ({POINT_A[0]} {POINT_A[1]}, {POINT_A[0] + 0.002} {POINT_A[1]})",
            "responsible": "street_a_manager",
            "post": "巷长",
            "duties": "每日巡查保洁",
        },
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(201,),
        state=lambda w: AlleySegment.objects.filter(code="ALLEY-NEW").exists(),
    ),
    Route(
        "/api/v1/community/tasks/{task_id}/notes",
        PRIVATE,
        f"{A}/community/tasks/{{w.task_a.pk}}/notes",
        method="POST",
        multipart=True,
        body=lambda w: {"text": "上门查看", "photos": photo_file()},
        inside=INSIDE,
        outside=OUTSIDE,
        state=lambda w: TaskEvent.objects.filter(task=w.task_a, kind="note").count(),
    ),
    Route(
        "/api/v1/alleys/segments/{code}/checkins",
        PRIVATE,
        f"{A}/alleys/segments/{{w.segment_a.code}}/checkins",
        method="POST",
        body=lambda w: {"lon": POINT_A[0] + 0.001, "lat": POINT_A[1], "findings": "正常"},
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(201,),
        state=lambda w: AlleyCheckIn.objects.count(),
    ),
    Route(
        "/api/v1/alleys/checkins",
        PRIVATE,
        f"{A}/alleys/checkins",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="checkin-a",
        needs=("checkin_a",),
    ),
    Route(
        "/api/v1/alleys/segments/{code}/inspections",
        PRIVATE,
        f"{A}/alleys/segments/{{w.segment_a.code}}/inspections",
        method="POST",
        body=lambda w: {"finding": "堆物", "points": "1.5"},
        inside="leader",
        outside="leader_b",
        ok=(201,),
        state=lambda w: AlleyInspection.objects.count(),
    ),
    Route(
        "/api/v1/alleys/inspections",
        PRIVATE,
        f"{A}/alleys/inspections",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="finding-a",
        needs=("inspection_a",),
    ),
    Route(
        "/api/v1/alleys/inspections/{inspection_id}/fix",
        PRIVATE,
        f"{A}/alleys/inspections/{{w.inspection_a.pk}}/fix",
        method="POST",
        body=lambda w: {"note": "已清理"},
        inside=INSIDE,
        outside=OUTSIDE,
        state=lambda w: w.snapshot(w.inspection_a),
    ),
    Route(
        "/api/v1/alleys/scores",
        PRIVATE,
        f"{A}/alleys/scores?month={{w.this_month}}",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="东街道",
        needs=("segment_a",),
    ),
]

COMMUNITY_PAGE_ROUTES: list[Route] = [
    Route(
        "community/",
        PRIVATE,
        "/community/",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="station-a",
        needs=("station_a",),
    ),
    Route(
        "community/",
        PRIVATE,
        "/community/",
        method="POST",
        label="raise",
        body=lambda w: {
            "action": "raise",
            "description": "井盖松动",
            "source": "head",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
        },
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        ok=(302,),
        state=lambda w: (w.station_a, Task.objects.count())[1],
    ),
    Route(
        "community/tasks/<int:pk>/",
        PRIVATE,
        "/community/tasks/{w.task_a.pk}/",
        inside=INSIDE,
        outside=OUTSIDE,
        marker="13800005555",
    ),
    Route(
        "community/tasks/<int:pk>/",
        PRIVATE,
        "/community/tasks/{w.task_a.pk}/",
        method="POST",
        body=lambda w: {"action": "assign", "assignee": f"pro:{w.professional_a.pk}"},
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(302,),
        state=lambda w: _state(w, w.task_a.pk),
    ),
    Route(
        "community/tasks/<int:pk>/photos/<int:photo>/",
        PRIVATE,
        "/community/tasks/{w.task_a.pk}/photos/{w.task_photo_a.pk}/",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    Route(
        "community/street/",
        PRIVATE,
        "/community/street/",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="station-a",
        needs=("task_a",),
    ),
    Route("community/import/", PRIVATE, "/community/import/", inside=INSIDE, why=BLANK),
    Route(
        "community/import/",
        PRIVATE,
        "/community/import/",
        method="POST",
        body=roster_file("表格师傅"),
        inside=INSIDE,
        why=SHEET,
        state=_professional("表格师傅"),
    ),
    Route(
        "community/import/template.xlsx", PRIVATE, "/community/import/template.xlsx", inside=INSIDE, why=BLANK
    ),
    Route(
        "community/meetings/",
        PRIVATE,
        "/community/meetings/?unit={w.org.community_a.code}",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="item-a",
        needs=("item_a",),
    ),
    Route(
        "community/meetings/",
        PRIVATE,
        "/community/meetings/",
        method="POST",
        label="hold",
        body=lambda w: {
            "action": "hold",
            "unit": w.org.community_a.code,
            "held_on": str(timezone.localdate()),
            "what1": "清运旧沙发",
            "who1": "物业",
            "due1": str(timezone.localdate()),
        },
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(302,),
        state=lambda w: Meeting.objects.count(),
    ),
    Route(
        "community/meetings/",
        PRIVATE,
        "/community/meetings/",
        method="POST",
        label="item done",
        body=lambda w: {"action": "done", "item": w.item_a.pk, "note": "已清运"},
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(302,),
        state=lambda w: w.snapshot(w.item_a),
    ),
    Route(
        "community/alleys/",
        PRIVATE,
        "/community/alleys/",
        inside=INSIDE,
        outside=OUTSIDE,
        scope="list",
        marker="segment-a",
        needs=("segment_a",),
    ),
    Route(
        "community/alleys/",
        PRIVATE,
        "/community/alleys/",
        method="POST",
        label="check in",
        body=lambda w: {"segment": w.segment_a.code, "lon": POINT_A[0] + 0.001, "lat": POINT_A[1]},
        inside=INSIDE,
        outside=OUTSIDE,
        ok=(302,),
        state=lambda w: AlleyCheckIn.objects.count(),
    ),
    Route(
        "community/alleys/",
        PRIVATE,
        "/community/alleys/",
        method="POST",
        label="inspect",
        body=lambda w: {"action": "inspect", "segment": w.segment_a.code, "finding": "堆物", "points": "1.5"},
        inside="leader",
        outside="leader_b",
        ok=(302,),
        state=lambda w: AlleyInspection.objects.count(),
    ),
]

"""The video and sensor routes (cityloop/video, cityloop/sensors, cityloop/api/video_*.py
and sensors.py), each with who may call it."""

from __future__ import annotations

from typing import Any

from .routes import PRIVATE, PUBLIC, REFERENCE, Route

A = "/api/v1/video"
S = "/api/v1/sensors"
ROUND = "{w.round_a.pk}"


def _camera_file(w: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.cases.conftest import POINT_A

    sheet = f"code,name,lon,lat,owner\nSWEEP-NEW,新摄像头,{POINT_A[0]},{POINT_A[1]},{w.org.district.code}\n"
    return {"file": SimpleUploadedFile("cams.csv", sheet.encode(), content_type="text/csv")}


def _cameras(w: Any) -> int:
    from cityloop.video.models import Camera

    assert w.camera_a  # built before the count (the body names it)
    return Camera.objects.count()


def _detection(w: Any) -> Any:
    return w.field(type(w.detection_a), w.detection_a.pk, "status")


def _stop(w: Any) -> Any:
    from cityloop.video.models import RoundStop

    return list(RoundStop.objects.filter(round=w.round_a).values_list("status", "case_id"))


def _round(w: Any) -> Any:
    return w.field(type(w.round_a), w.round_a.pk, "status")


def _rounds(w: Any) -> int:
    from cityloop.video.models import PatrolRound

    assert w.route_a
    return PatrolRound.objects.count()


def _routes(w: Any) -> int:
    from cityloop.video.models import PatrolRoute

    assert w.camera_a
    return PatrolRoute.objects.count()


def _thresholds(w: Any) -> Any:
    from cityloop.video.models import Threshold

    return list(Threshold.objects.values_list("min_confidence", flat=True))


def _policies(w: Any) -> Any:
    from cityloop.sensors.models import SensorPolicy

    return list(SensorPolicy.objects.order_by("kind").values_list("kind", "recovery", "recovery_minutes"))


def _devices(w: Any) -> int:
    from cityloop.sensors.models import Device

    assert w.device_a  # built before the count (the body names it)
    return Device.objects.count()


NEW_CAMERA = {"code": "SWEEP-NEW", "name": "新摄像头", "owner": "990100", "direction": 90}

VIDEO_API_ROUTES: list[Route] = [
    Route(
        "/api/v1/video/cameras",
        PRIVATE,
        f"{A}/cameras",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.camera_a.code}",
    ),
    Route(
        "/api/v1/video/cameras",
        PRIVATE,
        f"{A}/cameras",
        method="POST",
        body=lambda w: {**NEW_CAMERA, "lon": w.camera_a.lon, "lat": w.camera_a.lat},
        inside="admin",
        outside="admin_b",
        ok=(201,),
        state=_cameras,
    ),
    Route(
        "/api/v1/video/cameras/{code}",
        PRIVATE,
        f"{A}/cameras/{{w.camera_a.code}}",
        inside="operator",
        outside="shift_leader_b",
    ),
    Route(
        "/api/v1/video/camera-files",
        PRIVATE,
        f"{A}/camera-files",
        method="POST",
        body=_camera_file,
        multipart=True,
        inside="admin",
        outside="admin_b",
        state=_cameras,
    ),
    Route(
        "/api/v1/video/detections",
        PRIVATE,
        f"{A}/detections",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.detection_a.external_id}",
    ),
    Route(
        "/api/v1/video/detections/{pk}/confirm",
        PRIVATE,
        f"{A}/detections/{{w.detection_a.pk}}/confirm",
        method="POST",
        body=lambda w: {"note": "确认"},
        inside="operator",
        outside="shift_leader_b",
        state=_detection,
    ),
    Route(
        "/api/v1/video/detections/{pk}/reject",
        PRIVATE,
        f"{A}/detections/{{w.detection_a.pk}}/reject",
        method="POST",
        body=lambda w: {"reason": "误报"},
        inside="operator",
        outside="shift_leader_b",
        state=_detection,
    ),
    Route(
        "/api/v1/video/precision",
        PRIVATE,
        f"{A}/precision",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="sweep-ai",
        needs=("detection_a",),
    ),
    Route("/api/v1/video/thresholds", PRIVATE, f"{A}/thresholds", inside="operator", why=REFERENCE),
    Route(
        "/api/v1/video/thresholds/{kind}/{code}",
        PRIVATE,
        f"{A}/thresholds/event/0102",
        method="PUT",
        body=lambda w: {"min_confidence": 0.6, "auto_case_confidence": 0.97},
        inside="admin",
        outside="admin_b",
        state=_thresholds,
    ),
    Route(
        "/api/v1/video/routes",
        PRIVATE,
        f"{A}/routes",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.route_a.code}",
    ),
    Route(
        "/api/v1/video/routes",
        PRIVATE,
        f"{A}/routes",
        method="POST",
        body=lambda w: {
            "code": "sweep-new",
            "name": "新方案",
            "district": w.org.district.code,
            "shift": "night",
            "cameras": [w.camera_a.code],
        },
        inside="shift_leader",
        outside="shift_leader_b",
        ok=(201,),
        state=_routes,
    ),
    Route(
        "/api/v1/video/routes/{code}/rounds",
        PRIVATE,
        f"{A}/routes/{{w.route_a.code}}/rounds",
        method="POST",
        inside="operator",
        outside="shift_leader_b",
        ok=(201,),
        state=_rounds,
    ),
    Route(
        "/api/v1/video/rounds/{pk}",
        PRIVATE,
        f"{A}/rounds/{ROUND}",
        inside="operator",
        outside="shift_leader_b",
    ),
    Route(
        "/api/v1/video/rounds/{pk}/stops/{position}/look",
        PRIVATE,
        f"{A}/rounds/{ROUND}/stops/1/look",
        method="POST",
        body=lambda w: {"checks": {"暴露垃圾": True}},
        inside="operator",
        outside="shift_leader_b",
        state=_stop,
    ),
    Route(
        "/api/v1/video/rounds/{pk}/stops/{position}/report",
        PRIVATE,
        f"{A}/rounds/{ROUND}/stops/1/report",
        method="POST",
        body=lambda w: {"category": "0102", "attachment": w.upload(w.loop.users["operator"])},
        inside="operator",
        outside="shift_leader_b",
        ok=(201,),
        state=_stop,
    ),
    Route(
        "/api/v1/video/rounds/{pk}/finish",
        PRIVATE,
        f"{A}/rounds/{ROUND}/finish",
        method="POST",
        inside="operator",
        outside="shift_leader_b",
        state=_round,
    ),
    Route(
        "/api/v1/video/cases/{ref}/check",
        PRIVATE,
        f"{A}/cases/{{w.camera_case_a.number}}/check",
        method="POST",
        body=lambda w: {"passed": True, "attachment": w.upload(w.loop.users["operator"])},
        inside="operator",
        outside="dispatcher_b",
        state=lambda w: w.field(type(w.camera_case_a), w.camera_case_a.pk, "state"),
    ),
    # sensors
    Route(
        "/api/v1/sensors/devices",
        PRIVATE,
        f"{S}/devices",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.device_a.code}",
    ),
    Route(
        "/api/v1/sensors/devices",
        PRIVATE,
        f"{S}/devices",
        method="POST",
        body=lambda w: {
            "code": "SWEEP-NEW",
            "network": w.device_a.network.code,
            "kind": "bin_fill",
            "name": "新垃圾箱",
            "lon": w.device_a.lon,
            "lat": w.device_a.lat,
        },
        inside="admin",
        outside="admin_b",
        ok=(201,),
        state=_devices,
    ),
    Route(
        "/api/v1/sensors/devices/{code}",
        PRIVATE,
        f"{S}/devices/{{w.device_a.code}}",
        inside="operator",
        outside="shift_leader_b",
    ),
    Route("/api/v1/sensors/policies", PRIVATE, f"{S}/policies", inside="operator", why=REFERENCE),
    Route(
        "/api/v1/sensors/policies/{kind}",
        PRIVATE,
        f"{S}/policies/water_level",
        method="PUT",
        body=lambda w: {
            "category": "0406",
            "category_kind": "event",
            "recovery": "check",
            "recovery_minutes": 90,
        },
        inside="admin",
        outside="admin_b",
        state=_policies,
    ),
]

VIDEO_PAGE_ROUTES: list[Route] = [
    # Detectors' and sensor networks' posts carry their own proof (a signature).
    Route(
        "video/v1/detectors/<slug:code>/detections",
        PUBLIC,
        "/video/v1/detectors/none/detections",
        method="POST",
        body=lambda w: {"id": "x"},
        ok=(415,),
    ),
    Route(
        "sensors/v1/networks/<slug:code>/readings",
        PUBLIC,
        "/sensors/v1/networks/none/readings",
        method="POST",
        body=lambda w: {"device": "x"},
        ok=(415,),
    ),
    # the console
    Route(
        "video/cameras/",
        PRIVATE,
        "/video/cameras/",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.camera_a.code}",
    ),
    Route(
        "video/cameras/import/",
        PRIVATE,
        "/video/cameras/import/",
        inside="admin",
        why="a blank upload form; each camera of a file is checked against the caller's jurisdiction",
    ),
    Route(
        "video/cameras/import/",
        PRIVATE,
        "/video/cameras/import/",
        method="POST",
        label="upload",
        body=_camera_file,
        inside="admin",
        outside="admin_b",
        state=_cameras,
    ),
    Route(
        "video/cameras.geojson",
        PRIVATE,
        "/video/cameras.geojson",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.camera_a.code}",
    ),
    Route(
        "video/rounds/",
        PRIVATE,
        "/video/rounds/",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.route_a.name}",
    ),
    Route(
        "video/rounds/",
        PRIVATE,
        "/video/rounds/",
        method="POST",
        body=lambda w: {"route": w.route_a.code},
        inside="operator",
        outside="shift_leader_b",
        ok=(302,),
        state=_rounds,
    ),
    Route(
        "video/rounds/<int:pk>/",
        PRIVATE,
        f"/video/rounds/{ROUND}/",
        inside="operator",
        outside="shift_leader_b",
        marker="{w.camera_a.name}",
    ),
    Route(
        "video/rounds/<int:pk>/stops/<int:position>/look",
        PRIVATE,
        f"/video/rounds/{ROUND}/stops/1/look",
        method="POST",
        body=lambda w: {"check-0": "on", "note": "看过"},
        inside="operator",
        outside="shift_leader_b",
        ok=(302,),
        state=_stop,
    ),
    Route(
        "video/rounds/<int:pk>/stops/<int:position>/report",
        PRIVATE,
        f"/video/rounds/{ROUND}/stops/1/report",
        method="POST",
        body=lambda w: {"category": "0102:event", "description": "垃圾", "frame": _frame()},
        inside="operator",
        outside="shift_leader_b",
        ok=(302,),
        state=_stop,
    ),
    Route(
        "video/rounds/<int:pk>/finish",
        PRIVATE,
        f"/video/rounds/{ROUND}/finish",
        method="POST",
        inside="operator",
        outside="shift_leader_b",
        ok=(302,),
        state=_round,
    ),
    Route(
        "video/detections/",
        PRIVATE,
        "/video/detections/",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.detection_a.camera.name}",
    ),
    Route(
        "video/detections/<int:pk>/confirm",
        PRIVATE,
        "/video/detections/{w.detection_a.pk}/confirm",
        method="POST",
        body=lambda w: {"note": "确认"},
        inside="operator",
        outside="shift_leader_b",
        ok=(302,),
        state=_detection,
    ),
    Route(
        "video/detections/<int:pk>/reject",
        PRIVATE,
        "/video/detections/{w.detection_a.pk}/reject",
        method="POST",
        body=lambda w: {"reason": "误报"},
        inside="operator",
        outside="shift_leader_b",
        ok=(302,),
        state=_detection,
    ),
    Route(
        "sensors/devices/",
        PRIVATE,
        "/sensors/devices/",
        inside="operator",
        outside="shift_leader_b",
        scope="list",
        marker="{w.device_a.code}",
    ),
]


def _frame() -> Any:
    from .routes import photo_file

    return photo_file("frame.png")

"""Demo step: street cameras along the main roads, patrol routes through their key areas, a
detector with the city's thresholds and a few detections waiting for review; and sensors on water
covers, bins and lamps, plus water-level gauges in underpasses, posting through one IoT network.

A few dozen cameras and sensors per district, so ``make run`` stays fast. The detector's and the
network's secrets are fixed demo values (``cityloop video simulate`` and ``cityloop sensors
simulate`` read them from the database anyway).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random

from django.utils import timezone

from cityloop.assets.models import Component
from cityloop.catalog.models import Category
from cityloop.core.models import User
from cityloop.geo.index import locate
from cityloop.notify.signing import sign_headers
from cityloop.sensors.actions import create_network, register_device
from cityloop.video.cameras import import_cameras
from cityloop.video.detectors import create_detector, set_threshold
from cityloop.video.inbound import receive
from cityloop.video.models import Camera
from cityloop.video.patrol import create_route

from .city import DemoCity, DemoDistrict
from .components import M_PER_DEG_LAT, MAIN_ROADS

CAMERAS_PER_DISTRICT = 40
DEMO_DETECTOR = "demo-ai"
DEMO_NETWORK = "demo-iot"
# Categories a street camera's vision model detects, with the city's thresholds (queue, automatic).
DETECTED = (("0102", 0.5, 0.97), ("0501", 0.6, None), ("0507", 0.55, None), ("0201", 0.6, None))
SENSORS = (("manhole_tilt", "0101", 12), ("bin_fill", "0305", 10), ("streetlight_fault", "0118", 10))


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (b[0] - a[0]) * math.cos(math.radians(a[1]))
    dy = b[1] - a[1]
    return (math.degrees(math.atan2(dx, dy)) + 360) % 360


def camera_rows(district: DemoDistrict, rng: random.Random) -> list[dict[str, object]]:
    """Cameras at points along the main roads, each looking along its road; a road is a key area."""
    roads = [r for r in district.roads if r[1] in MAIN_ROADS]
    rows: list[dict[str, object]] = []
    code = district.district.code
    for n in range(CAMERAS_PER_DISTRICT):
        name, _kind, line = roads[n % len(roads)]
        at = rng.uniform(0.1, 0.9) * line.length
        here = line.interpolate(at)
        ahead = line.interpolate(min(line.length, at + line.length * 0.01))
        direction = _bearing((here.x, here.y), (ahead.x, ahead.y))
        # On a pole at the roadside, 12 m off the centre line (the grids stop at the kerb).
        side = math.radians(direction + rng.choice((90, -90)))
        lon = here.x + 12 * math.sin(side) / (M_PER_DEG_LAT * math.cos(math.radians(here.y)))
        lat = here.y + 12 * math.cos(side) / M_PER_DEG_LAT
        if locate(lon, lat) is None:
            continue
        if rng.random() < 0.5:
            direction = (direction + 180) % 360
        rows.append(
            {
                "_where": f"第{n + 1}行",
                "code": f"C{code}-{n + 1:03d}",
                "name": f"{name}{n + 1}号摄像头",
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "owner": code,
                "direction": round(direction, 1),
                "fov_angle": rng.choice((60, 75, 90)),
                "range_m": rng.choice((60, 80, 100)),
                "key_area": f"{name}沿线",
                "hours": "07:00-09:30,17:00-20:00",
            }
        )
    return rows


def _detections(city: DemoCity, cameras: list[Camera], detector_code: str, secret: str) -> None:
    """A handful of detections posted through the detector's signed door, as a vision system would."""
    rng = city.rng_for("video:detections")
    now = timezone.now()
    for n, camera in enumerate(rng.sample(cameras, min(12, len(cameras)))):
        category = rng.choice(DETECTED[1:])[0]  # none above the automatic threshold
        body = json.dumps(
            {
                "id": f"demo-{n + 1}",
                "camera": camera.code,
                "category": category,
                "confidence": round(rng.uniform(0.62, 0.95), 2),
                "detected_at": (now - dt.timedelta(minutes=rng.randint(1, 240))).isoformat(),
            }
        ).encode()
        status, answer = receive(detector_code, sign_headers([secret], f"demo-{n}", now, body), body, now=now)
        if status >= 400:
            raise RuntimeError(f"demo detection refused: {answer}")


def video_step(city: DemoCity, *, actor: User) -> None:
    """Street cameras, patrol routes, a detector and sensors (a few dozen of each per district)."""
    for code, low, auto in DETECTED:
        category = Category.objects.filter(kind="event", code=code, parent__isnull=False).first()
        if category is not None:
            set_threshold(actor=actor, category=category, min_confidence=low, auto_case_confidence=auto)
    secret = "whsec_" + "ZGVtby1kZXRlY3Rvci1zZWNyZXQtMDEyMzQ1Njc4OQ=="
    detector = create_detector(
        actor=actor,
        code=DEMO_DETECTOR,
        name="视频智能识别平台",
        unit=city.first.district.parent or city.first.district,
        secret=secret,
    )
    network = create_network(
        actor=actor,
        code=DEMO_NETWORK,
        name="城市物联感知平台",
        unit=city.first.district.parent or city.first.district,
        secret="whsec_" + "ZGVtby1pb3Qtc2VjcmV0LTAxMjM0NTY3ODkwMTI=",
    )
    cameras = devices = 0
    every: list[Camera] = []
    for district in city.districts:
        rows = camera_rows(district, city.rng_for(district.spec.label("cameras")))
        import_cameras(actor=actor, rows=rows, source="demo")
        made = list(Camera.objects.filter(district=district.district).order_by("code"))
        every += made
        cameras += len(made)
        areas = sorted({c.key_area for c in made})
        create_route(
            actor=actor,
            code=f"day-{district.district.code}",
            name=f"{district.district.name}白班重点区域轮巡",
            district=district.district,
            shift="day",
            key_areas=areas[:4],
            seconds_per_camera=45,
        )
        create_route(
            actor=actor,
            code=f"night-{district.district.code}",
            name=f"{district.district.name}夜班轮巡",
            district=district.district,
            shift="night",
            cameras=[c.code for c in made[::3]],
            seconds_per_camera=30,
        )
        devices += _sensors(district, network, actor)
    _detections(city, every, detector.code, secret)
    city.summary["cameras"] = cameras
    city.summary["sensors"] = devices


def _sensors(district: DemoDistrict, network: object, actor: User) -> int:
    from cityloop.sensors.models import SensorNetwork

    assert isinstance(network, SensorNetwork)
    count = 0
    code = district.district.code
    for kind, subclass, how_many in SENSORS:
        found = Component.objects.filter(district=district.district, subclass__code=subclass).order_by(
            "code"
        )[:how_many]
        for n, component in enumerate(found, start=1):
            register_device(
                actor=actor,
                network=network,
                code=f"{kind[:2].upper()}-{code}-{n:03d}",
                kind=kind,
                name=f"{component.subclass.name}{n}号传感器",
                component=component.code,
            )
            count += 1
    for n, (name, _kind, line) in enumerate([r for r in district.roads if r[1] == "arterial"][:3], start=1):
        middle = line.interpolate(0.5, normalized=True)
        lon, lat = middle.x, middle.y + 12 / M_PER_DEG_LAT  # beside the carriageway, inside a grid
        if locate(lon, lat) is None:
            continue
        register_device(
            actor=actor,
            network=network,
            code=f"WL-{code}-{n:03d}",
            kind="water_level",
            name=f"{name}下穿通道水位计",
            lon=round(lon, 6),
            lat=round(lat, 6),
        )
        count += 1
    return count

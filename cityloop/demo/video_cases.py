"""The simulated month's video patrol (视频巡查): an operator at the district's command centre sees a
problem through one of the district's street cameras and reports it from the frame, so the case is
placed in the camera's view and linked to the camera (as from a patrol round); once the unit has
disposed of it, the operator checks it through the same camera (视频核查) with the frame taken then,
instead of sending a supervisor to the spot."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.exceptions import ValidationError

from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError
from cityloop.cases.models import Case
from cityloop.catalog import lookup
from cityloop.core.models import User
from cityloop.geo.index import get_index
from cityloop.video.casework import checking_camera, report_through_camera
from cityloop.video.geometry import view_point
from cityloop.video.models import Camera

from .casemix import _png

CHANNEL = "video_patrol"


class VideoDesk:
    """The demo city's cameras by district code, and what the video operators do with them."""

    def __init__(self) -> None:
        self.cameras: dict[str, list[Camera]] = {}
        for camera in Camera.objects.filter(active=True).select_related("district").order_by("code"):
            self.cameras.setdefault(camera.district.code, []).append(camera)

    def covers(self, district_code: str) -> bool:
        return bool(self.cameras.get(district_code))

    def report(self, sim: Any, at: dt.datetime, district_code: str) -> tuple[Case, Any, str] | None:
        """A case one of the district's cameras shows at ``at``, reported from its frame by an
        operator of the district's centre (``sim``: the simulator): ``(case, location, category)``;
        None when the camera's open case of that category took the sighting in (no new case) or
        nobody could report it."""
        rng: random.Random = sim.rng
        category = rng.choices(sim.event_codes, sim.event_weights)[0]
        camera = rng.choice(self.cameras[district_code])
        lon, lat = view_point(camera.fov, camera.lon, camera.lat)
        loc = get_index().locate(lon, lat, at.date())
        centre = sim.staff.centres.get(loc.district_id) if loc is not None else None
        if loc is None or centre is None or not centre.operators:
            return None
        operator: User = rng.choice(centre.operators)
        frame = self.frame(operator, rng, f"{camera.code}-画面.png", "other")
        try:
            case, created = report_through_camera(
                actor=operator,
                camera=camera,
                category=lookup.category(category, "event"),
                description=f"视频巡查发现（{camera.name}）：{sim.words.description('event', category, loc)}",
                frame_id=frame,
                at=at,
            )
        except (ValidationError, TransitionError):
            sim.report.refused += 1
            return None
        return (case, loc, category) if created else None

    @staticmethod
    def frame(user: User, rng: random.Random, name: str = "视频核查画面.png", purpose: str = "check") -> int:
        """A frame from the camera, stored as ``user``'s upload; its attachment id."""
        return upload_attachment(actor=user, name=name, content=_png(rng), purpose=purpose).pk

    @staticmethod
    def watches(case: Case) -> bool:
        """Whether ``case`` is checked through a camera: a video patrol case whose camera still works."""
        return (
            case.channel_id is not None and case.channel.code == CHANNEL and checking_camera(case) is not None
        )

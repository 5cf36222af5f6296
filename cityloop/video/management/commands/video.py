"""``cityloop video``: detectors and the detector simulator.

cityloop video detectors create CODE --name NAME [--unit UNIT_CODE]   # prints the secret once
cityloop video detectors list
cityloop video simulate --base URL [--detector demo-ai] [--count 200] [--repeat-rate 0.1] [--seed 1]
cityloop video close-stale-rounds      # rounds left running from earlier days are missed
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import Unit, UnitKind
from cityloop.video.detectors import create_detector
from cityloop.video.models import Camera, Detector
from cityloop.video.patrol import close_stale_rounds
from cityloop.video.simulator import DetectorSimulation


class Command(BaseCommand):
    help = "Video patrol: detectors, the detector simulator, stale rounds."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        detectors = sub.add_parser("detectors", help="manage detectors")
        ops = detectors.add_subparsers(dest="detector_op", required=True)
        create = ops.add_parser("create", help="add a detector and print its signing secret")
        create.add_argument("code")
        create.add_argument("--name", required=True)
        create.add_argument("--unit", default="", help="code of the unit it serves (default: the city)")
        ops.add_parser("list")
        sim = sub.add_parser("simulate", help="post detections against a running server")
        sim.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000")
        sim.add_argument("--detector", default="demo-ai")
        sim.add_argument("--count", type=int, default=200)
        sim.add_argument("--repeat-rate", type=float, default=0.1)
        sim.add_argument("--seed", type=int, default=1)
        sub.add_parser("close-stale-rounds", help="mark rounds left running from earlier days as missed")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            try:
                getattr(self, f"_{options['op'].replace('-', '_')}")(options)
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.message_dict.items())) from None

    def _detectors(self, options: dict[str, Any]) -> None:
        if options["detector_op"] == "list":
            for d in Detector.objects.select_related("unit"):
                self.stdout.write(
                    f"{d.code}\t{d.name}\t{d.unit.code}\t{'active' if d.active else 'inactive'}"
                )
            return
        unit = (
            Unit.objects.filter(code=options["unit"]).first()
            if options["unit"]
            else Unit.objects.filter(kind=UnitKind.CITY).first()
        )
        if unit is None:
            raise CommandError("no such unit (or no city yet)")
        detector = create_detector(
            actor=system_actor(), code=options["code"], name=options["name"], unit=unit
        )
        self.stdout.write(detector.secret)

    def _simulate(self, options: dict[str, Any]) -> None:
        detector = Detector.objects.filter(code=options["detector"], active=True).first()
        if detector is None:
            raise CommandError(
                f"no active detector {options['detector']!r} (cityloop video detectors create …)"
            )
        cameras = list(
            Camera.objects.filter(active=True).order_by("code").values_list("code", flat=True)[:5000]
        )
        if not cameras:
            raise CommandError("no camera registered yet")
        DetectorSimulation(
            base=options["base"],
            code=detector.code,
            secret=detector.secret,
            cameras=cameras,
            count=options["count"],
            repeat_rate=options["repeat_rate"],
            seed=options["seed"],
            say=self.stdout.write,
        ).run()

    def _close_stale_rounds(self, options: dict[str, Any]) -> None:
        count = close_stale_rounds(actor=system_actor())
        self.stdout.write(f"{count} round(s) marked missed")

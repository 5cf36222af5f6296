"""``cityloop hotline``: manage hotline platforms, set up the demo one, and simulate a hotline.

cityloop hotline platforms create CODE --name NAME --callback-url URL [--unit UNIT_CODE] [--secret S]
cityloop hotline platforms list
cityloop hotline platforms rotate CODE           # prints the new secret
cityloop hotline platforms deactivate|activate CODE
cityloop hotline demo-platform [--if-missing]    # `make run`: the demo platform, code "demo"
cityloop hotline simulate --base URL --orders N --fail-rate 0.5 [--platform demo] [--timeout S]
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import Unit
from cityloop.geo.models import Grid
from cityloop.hotline.models import Platform, Ticket
from cityloop.hotline.platforms import change_platform, create_platform, rotate_secret
from cityloop.hotline.simulator import Simulation
from cityloop.hotline.staff import StaffDriver

DEMO_CODE = "demo"


class Command(BaseCommand):
    help = "Hotline platforms (12345 …): manage them, set up the demo one, simulate one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        platforms = sub.add_parser("platforms", help="manage hotline platforms")
        ops = platforms.add_subparsers(dest="platform_op", required=True)
        create = ops.add_parser("create", help="add a platform and print its signing secret")
        create.add_argument("code")
        create.add_argument("--name", required=True)
        create.add_argument("--callback-url", required=True, help="where CityLoop posts its messages")
        create.add_argument("--unit", default="", help="code of the unit it serves (default: the city)")
        create.add_argument("--secret", default="", help="a given secret (default: a new whsec_ one)")
        ops.add_parser("list", help="list the platforms")
        for name in ("rotate", "deactivate", "activate"):
            ops.add_parser(name).add_argument("code")
        demo = sub.add_parser("demo-platform", help="the demo platform (code demo) `make run` sets up")
        demo.add_argument("--if-missing", action="store_true", help="do nothing if it exists")
        sim = sub.add_parser("simulate", help="play a hotline platform against a running server")
        sim.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000")
        sim.add_argument("--orders", type=int, default=20)
        sim.add_argument("--fail-rate", type=float, default=0.5)
        sim.add_argument("--unsatisfied-rate", type=float, default=0.2)
        sim.add_argument("--platform", default=DEMO_CODE)
        sim.add_argument("--seed", type=int, default=1)
        sim.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every result")
        sim.add_argument("--no-drive", action="store_true", help="do not take the staff steps (others do)")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            try:
                getattr(self, f"_{options['op'].replace('-', '_')}")(options)
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.message_dict.items())) from None

    def _platforms(self, options: dict[str, Any]) -> None:
        op = options["platform_op"]
        if op == "list":
            for p in Platform.objects.select_related("unit"):
                state = "active" if p.active else "inactive"
                self.stdout.write(f"{p.code}\t{p.name}\t{p.callback_url}\t{p.unit.code}\t{state}")
            return
        if op == "create":
            platform = create_platform(
                actor=system_actor(),
                code=options["code"],
                name=options["name"],
                callback_url=options["callback_url"],
                unit=self._unit(options["unit"]),
                secret=options["secret"],
            )
            self.stdout.write(f"platform {platform.code}; its signing secret (shown once):")
            self.stdout.write(platform.secret)
            return
        found = Platform.objects.filter(code=options["code"]).first()
        if found is None:
            raise CommandError(f"no platform {options['code']!r}")
        platform = found
        if op == "rotate":
            self.stdout.write(rotate_secret(actor=system_actor(), platform=platform))
        else:
            change_platform(actor=system_actor(), platform=platform, active=op == "activate")
            self.stdout.write(f"{platform.code} {op}d")

    def _unit(self, code: str) -> Unit:
        if code:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                raise CommandError(f"no unit {code!r}")
            return unit
        top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        if top is None:
            raise CommandError("the organisation has no units yet (build the demo city first)")
        return top

    def _demo_platform(self, options: dict[str, Any]) -> None:
        found = Platform.objects.filter(code=DEMO_CODE).first()
        if found is not None:
            if options["if_missing"]:
                self.stdout.write(f"demo hotline platform: code {found.code}, secret in the database")
                return
            raise CommandError("the demo platform exists (use --if-missing)")
        platform = create_platform(
            actor=system_actor(),
            code=DEMO_CODE,
            name="演示12345热线平台",
            callback_url="http://127.0.0.1:8089/cityloop",
            unit=self._unit(""),
        )
        self.stdout.write(f"demo hotline platform: code {platform.code}, signing secret {platform.secret}")

    def _simulate(self, options: dict[str, Any]) -> None:
        platform = Platform.objects.filter(code=options["platform"], active=True).first()
        if platform is None:
            raise CommandError(f"no active platform {options['platform']!r} (cityloop hotline demo-platform)")
        points = list(
            Grid.objects.valid_at()
            .filter(community__path__startswith=platform.unit.path)
            .values_list("centroid_lon", "centroid_lat")[:500]
        )
        if not points:
            raise CommandError("no unit grids in the platform's area: nowhere to report from")
        driver = StaffDriver(seed=options["seed"])

        def drive(ticket_ids: list[str]) -> int:
            close_old_connections()
            ids = list(
                Ticket.objects.filter(platform=platform, ticket_id__in=ticket_ids).values_list(
                    "case_id", flat=True
                )
            )
            return driver.step(ids)

        def set_callback(url: str) -> None:
            change_platform(actor=system_actor(), platform=platform, callback_url=url)

        simulation = Simulation(
            base=options["base"],
            code=platform.code,
            secret=platform.secret,
            orders=options["orders"],
            points=points,
            fail_rate=options["fail_rate"],
            unsatisfied_rate=options["unsatisfied_rate"],
            seed=options["seed"],
            timeout=options["timeout"],
            drive=None if options["no_drive"] else drive,
            set_callback=set_callback,
            say=lambda line: self.stdout.write(line),
        )
        report = simulation.run()
        self.stdout.write(json.dumps(report))

"""``cityloop sensors``: sensor networks and the sensor simulator.

cityloop sensors networks create CODE --name NAME [--unit UNIT_CODE]   # prints the secret once
cityloop sensors simulate --base URL [--network demo-iot] [--alerts 20] [--recover-rate 0.7] [--seed 1]
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import Unit, UnitKind
from cityloop.sensors.actions import create_network
from cityloop.sensors.models import Device, SensorNetwork
from cityloop.sensors.simulator import SensorSimulation


class Command(BaseCommand):
    help = "Sensors: networks and the sensor simulator."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        networks = sub.add_parser("networks", help="manage sensor networks")
        ops = networks.add_subparsers(dest="network_op", required=True)
        create = ops.add_parser("create", help="add a network and print its signing secret")
        create.add_argument("code")
        create.add_argument("--name", required=True)
        create.add_argument("--unit", default="")
        sim = sub.add_parser("simulate", help="post sensor readings against a running server")
        sim.add_argument("--base", required=True)
        sim.add_argument("--network", default="demo-iot")
        sim.add_argument("--alerts", type=int, default=20)
        sim.add_argument("--recover-rate", type=float, default=0.7)
        sim.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            try:
                getattr(self, f"_{options['op']}")(options)
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.message_dict.items())) from None

    def _networks(self, options: dict[str, Any]) -> None:
        unit = (
            Unit.objects.filter(code=options["unit"]).first()
            if options["unit"]
            else Unit.objects.filter(kind=UnitKind.CITY).first()
        )
        if unit is None:
            raise CommandError("no such unit (or no city yet)")
        network = create_network(actor=system_actor(), code=options["code"], name=options["name"], unit=unit)
        self.stdout.write(network.secret)

    def _simulate(self, options: dict[str, Any]) -> None:
        network = SensorNetwork.objects.filter(code=options["network"], active=True).first()
        if network is None:
            raise CommandError(f"no active sensor network {options['network']!r}")
        devices = list(
            Device.objects.filter(network=network).order_by("code").values_list("code", "kind")[:5000]
        )
        if not devices:
            raise CommandError("the network has no device yet")
        SensorSimulation(
            base=options["base"],
            code=network.code,
            secret=network.secret,
            devices=devices,
            alerts=options["alerts"],
            recover_rate=options["recover_rate"],
            seed=options["seed"],
            say=self.stdout.write,
        ).run()

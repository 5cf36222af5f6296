"""A sensor network against a running server: each device alerts now and then and, most of the
time, recovers right after (within the policy's window); some alerts are repeated (a device re-sends
while it stays in alert). Used by ``cityloop sensors simulate`` and the demo."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cityloop.notify.signing import sign_headers

VALUES = {
    "manhole_tilt": (25.0, 0.5),
    "water_level": (0.35, 0.0),
    "bin_fill": (95.0, 20.0),
    "streetlight_fault": (1.0, 0.0),
}


def connect(base: str, timeout: float = 30) -> tuple[http.client.HTTPConnection, str]:
    parts = urllib.parse.urlsplit(base)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.hostname or "127.0.0.1", parts.port, timeout=timeout), parts.path.rstrip("/")


def post_reading(
    connection: http.client.HTTPConnection, prefix: str, code: str, secret: str, reading: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    body = json.dumps(reading).encode()
    headers = sign_headers([secret], f"sim_{uuid.uuid4().hex}", dt.datetime.now(tz=dt.UTC), body)
    headers["Content-Type"] = "application/json"
    connection.request("POST", f"{prefix}/sensors/v1/networks/{code}/readings", body=body, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    return response.status, (json.loads(raw) if raw else {})


@dataclass
class SensorSimulation:
    """``alerts`` alerts over ``devices`` ((code, kind) pairs); ``recover_rate`` of them recover."""

    base: str
    code: str
    secret: str
    devices: list[tuple[str, str]]
    alerts: int
    recover_rate: float = 0.7
    repeat_rate: float = 0.2
    seed: int = 1
    say: Callable[[str], None] = print
    outcomes: Counter[str] = field(default_factory=Counter)

    def run(self) -> dict[str, int]:
        rng = random.Random(self.seed)
        connection, prefix = connect(self.base)
        try:
            for device, kind in rng.sample(self.devices, min(self.alerts, len(self.devices))):
                high, low = VALUES.get(kind, (1.0, 0.0))
                steps = [("alert", high)]
                if rng.random() < self.repeat_rate:
                    steps.append(("alert", high))
                if rng.random() < self.recover_rate:
                    steps.append(("normal", low))
                for state, value in steps:
                    # Stamped when sent, as a device does: never ahead of the server's clock, and never
                    # older than what an earlier run sent for the same device (stale ones are ignored).
                    at = dt.datetime.now(tz=dt.UTC).isoformat()
                    status, answer = post_reading(
                        connection,
                        prefix,
                        self.code,
                        self.secret,
                        {"device": device, "state": state, "value": value, "at": at},
                    )
                    self.outcomes[str(answer.get("outcome", status))] += 1
        finally:
            connection.close()
        self.say(f"sensor readings: {dict(sorted(self.outcomes.items()))}")
        return dict(self.outcomes)

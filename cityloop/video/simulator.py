"""A vision system against a running server: realistic detections from the city's cameras, signed
as the detector, with some repeats of the same detection id (a vision system retries) and a spread
of confidences around each category's thresholds. Used by ``cityloop video simulate``, the bench
and the demo."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cityloop.notify.signing import sign_headers

CATEGORIES = ("0102", "0501", "0507", "0201")


def post_detection(
    connection: http.client.HTTPConnection, prefix: str, code: str, secret: str, detection: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """POST one signed detection on an open connection; its status and JSON answer."""
    body = json.dumps(detection, ensure_ascii=False).encode()
    headers = sign_headers([secret], f"sim_{uuid.uuid4().hex}", dt.datetime.now(tz=dt.UTC), body)
    headers["Content-Type"] = "application/json"
    connection.request("POST", f"{prefix}/video/v1/detectors/{code}/detections", body=body, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    return response.status, (json.loads(raw) if raw else {})


def connect(base: str, timeout: float = 30) -> tuple[http.client.HTTPConnection, str]:
    parts = urllib.parse.urlsplit(base)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.hostname or "127.0.0.1", parts.port, timeout=timeout), parts.path.rstrip("/")


@dataclass
class DetectorSimulation:
    """``count`` detections from ``cameras``; ``repeat_rate`` of them sent twice (same id)."""

    base: str
    code: str
    secret: str
    cameras: list[str]
    count: int
    repeat_rate: float = 0.1
    seed: int = 1
    say: Callable[[str], None] = print
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def detections(self) -> list[dict[str, Any]]:
        rng = random.Random(self.seed)
        run = uuid.uuid4().hex[:8]
        now = dt.datetime.now(tz=dt.UTC)
        made = []
        for n in range(self.count):
            made.append(
                {
                    "id": f"sim-{run}-{n}",
                    "camera": rng.choice(self.cameras),
                    "category": rng.choice(CATEGORIES),
                    "confidence": round(min(1.0, max(0.0, rng.gauss(0.75, 0.12))), 3),
                    "detected_at": (now - dt.timedelta(seconds=rng.randint(0, 600))).isoformat(),
                    "image_url": f"https://vision.example.cn/frames/{run}/{n}.jpg",
                }
            )
            if rng.random() < self.repeat_rate:
                made.append(dict(made[-1]))
        return made

    def run(self) -> dict[str, int]:
        connection, prefix = connect(self.base)
        started = time.monotonic()
        try:
            for detection in self.detections():
                status, answer = post_detection(connection, prefix, self.code, self.secret, detection)
                self.statuses[status] += 1
                self.outcomes[str(answer.get("status", answer.get("detail", "")))[:40]] += 1
        finally:
            connection.close()
        summary = {
            "accepted": self.statuses[201],
            "repeats": self.statuses[200],
            "refused": sum(v for k, v in self.statuses.items() if k >= 400),
            **{f"status_{k}": v for k, v in sorted(self.outcomes.items())},
        }
        self.say(f"{sum(self.statuses.values())} posts in {time.monotonic() - started:.1f} s: {summary}")
        return summary

"""Video patrol: signed detections in on a live gunicorn, and the patrol page of a 50-camera round.

Issue 26 asks for 10,000 detections a minute (167 a second) accepted with p99 under 100 ms,
deduplicated correctly, and the patrol page of a round of 50 cameras under 300 ms. Detections are
posted as a vision system does (signed, one a request, ``Connection: close``) by 8 concurrent
clients to gunicorn with CityLoop's configuration (2 workers) beside ``cityloop worker``; one in ten
is then sent again under the same detection id, and must be answered 200 with nothing stored twice.
The patrol page is timed in-process with Django's test client for the operator whose round it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import time

import bench
from bench.bench_cases import (
    CLIENTS,
    _drive,
    _free_port,
    _server,
    _server_shape,
    _wait_up,
    _worker,
    ensure_demo_city,
)

TARGET_PER_MINUTE = 10_000
TARGET_P99_MS = 100.0
TARGET_PAGE_MS = 300.0
ROUND_CAMERAS = 50


def _size() -> int:
    return 300 if os.environ.get("BENCH_QUICK") else 5000


def _detector() -> tuple[str, str, list[str]]:
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.video.detectors import create_detector
    from cityloop.video.models import Camera, Detector

    found = Detector.objects.filter(code="bench-ai").first() or create_detector(
        actor=system_actor(),
        code="bench-ai",
        name="基准识别",
        unit=Unit.objects.filter(parent__isnull=True).order_by("path").first(),  # type: ignore[arg-type]
    )
    cameras = list(Camera.objects.filter(active=True).values_list("code", flat=True))
    return found.code, found.secret, cameras


def _request(port: int, code: str, secret: str, body: dict[str, object], msg_id: str) -> bytes:
    from cityloop.notify.signing import sign_headers

    payload = json.dumps(body).encode()
    signed = sign_headers([secret], msg_id, dt.datetime.now(tz=dt.UTC), payload)
    extra = "".join(f"{k}: {v}\r\n" for k, v in signed.items())
    head = (
        f"POST /video/v1/detectors/{code}/detections HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


def detections_in() -> list[bench.Result]:
    code, secret, cameras = _detector()
    count = _size()
    rng = random.Random(26)
    tag = f"{time.time():.0f}"
    port = _free_port()
    now = dt.datetime.now(tz=dt.UTC).isoformat()

    def body(n: int, prefix: str) -> dict[str, object]:
        return {
            "id": f"{prefix}{tag}-{n}",
            "camera": rng.choice(cameras),
            "category": rng.choice(("0102", "0501", "0507", "0201")),
            # Below the demo's automatic threshold: the bench measures the door and the queue.
            "confidence": round(rng.uniform(0.3, 0.95), 3),
            "detected_at": now,
        }

    fresh = [body(n, "B") for n in range(count)]
    repeats = rng.sample(fresh, count // 10)
    worker = _worker()
    server = _server(port)
    try:
        _wait_up(port, time.time() + 60)
        warm = [_request(port, code, secret, body(n, "W"), f"w{tag}-{n}") for n in range(2 * CLIENTS)]
        _drive(port, warm, CLIENTS)
        requests = [_request(port, code, secret, b, f"m{b['id']}") for b in fresh]
        started = time.perf_counter()
        latencies, failures = _drive(port, requests, CLIENTS)
        wall = time.perf_counter() - started
        again = [_request(port, code, secret, b, f"r{b['id']}") for b in repeats]
        _latencies, answered = _drive(port, again, CLIENTS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    from cityloop.video.models import Detection

    stored = Detection.objects.filter(detector__code=code, external_id__startswith=f"B{tag}-").count()
    replayed_ok = sum(1 for s in answered if " 200 " in f"{s} ")
    per_minute = len(latencies) / wall * 60
    p50, p99 = bench.percentile(latencies, 50), bench.percentile(latencies, 99)
    return [
        bench.Result(
            f"detections in, 2 gunicorn workers{_server_shape()}, {CLIENTS} clients "
            f"({len(latencies)}, {len(failures)} failed)",
            per_minute,
            "/min",
            f"≥ {TARGET_PER_MINUTE:,}",
            per_minute >= TARGET_PER_MINUTE and not failures,
        ),
        bench.Result("  detections p50", p50, "ms"),
        bench.Result("  detections p99", p99, "ms", f"< {TARGET_P99_MS:.0f}", p99 < TARGET_P99_MS),
        bench.Result(
            f"  stored once each after {len(repeats)} repeats ({replayed_ok} answered 200)",
            stored,
            "rows",
            f"= {count}",
            stored == count and replayed_ok == len(repeats),
        ),
    ]


def patrol_page() -> list[bench.Result]:
    from django.test import Client

    bench.client_environment()

    from cityloop.core.audit import system_actor
    from cityloop.core.models import User
    from cityloop.video.cameras import import_cameras
    from cityloop.video.models import Camera, RoundStop
    from cityloop.video.patrol import create_route, look_at, start_round

    operator = User.objects.get(username="operator1")
    district = operator.memberships.first().unit  # type: ignore[union-attr]
    actor = system_actor()
    have = list(Camera.objects.filter(district=district, active=True).order_by("code"))
    if len(have) < ROUND_CAMERAS:
        # More cameras beside the demo's, on the same poles' roads, to make a round of 50.
        rows = [
            {
                "_where": f"第{n}行",
                "code": f"BENCH-{n:03d}",
                "name": f"基准摄像头{n}",
                "lon": have[n % len(have)].lon + 0.00002 * (n // len(have) + 1),
                "lat": have[n % len(have)].lat,
                "owner": district.code,
                "direction": 90,
            }
            for n in range(ROUND_CAMERAS - len(have))
        ]
        import_cameras(actor=actor, rows=rows, source="bench")
        have = list(Camera.objects.filter(district=district, active=True).order_by("code"))
    code = f"bench-{time.time():.0f}"
    route = create_route(
        actor=actor, code=code[:32], name="基准轮巡", district=district, shift="day",
        cameras=[c.code for c in have[:ROUND_CAMERAS]],
    )  # fmt: skip
    patrol = start_round(route, actor=operator)
    for stop in RoundStop.objects.filter(round=patrol).order_by("position")[:20]:
        look_at(stop, actor=operator, checks={"暴露垃圾": stop.position % 3 == 0})
    client = Client()
    client.force_login(operator)
    url = f"/video/rounds/{patrol.pk}/"
    for _ in range(3):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(30 if os.environ.get("BENCH_QUICK") else 100):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    p50, p99 = bench.percentile(timings, 50), bench.percentile(timings, 99)
    return [
        bench.Result(f"patrol page, round of {ROUND_CAMERAS} cameras, p50", p50, "ms"),
        bench.Result(
            f"patrol page, round of {ROUND_CAMERAS} cameras, p99",
            p99,
            "ms",
            f"< {TARGET_PAGE_MS:.0f}",
            p99 < TARGET_PAGE_MS,
        ),
    ]


def run() -> list[bench.Result]:
    ensure_demo_city()
    return [*patrol_page(), *detections_in()]

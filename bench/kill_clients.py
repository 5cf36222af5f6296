"""The kill test's clients: reporters that retry what was never answered, and an operator accepting
emergencies beside the load (see :mod:`bench.kill_test`)."""

from __future__ import annotations

import collections
import http.client
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

MARKER = re.compile(r"^\[(kt-[0-9a-f]+-[at]\d+)\]")


@dataclass
class Ledger:
    """What the clients were told: marker → case number, for every acknowledged report."""

    acknowledged: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    retries: int = 0
    recovered: int = 0  # acknowledged only by a retry (the first answer was lost)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    unanswered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _send(port: int, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(
            "POST",
            "/api/v1/reports",
            json.dumps(body),
            {"Content-Type": "application/json", "Connection": "close", **headers},
        )
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, {}
    finally:
        conn.close()


def client(
    port: int,
    tag: str,
    numbers: Any,
    points: list[tuple[float, float, int]],
    token: str,
    anonymous_channel: str,
    ledger: Ledger,
    stop_new: threading.Event,
    give_up: threading.Event,
) -> None:
    """Send reports one after another; retry each with the same body until it is answered."""
    while not stop_new.is_set():
        n = next(numbers)
        lon, lat, _ = points[n % len(points)]
        anonymous = n % 3 == 0
        marker = f"{tag}-{'a' if anonymous else 't'}{n}"
        body: dict[str, Any] = {
            "description": f"[{marker}] 杀进程测试：路面坑洼",
            "lon": lon,
            "lat": lat,
            "reporter_phone": f"139{n:08d}",
        }
        if anonymous:
            body["channel"] = anonymous_channel
            headers = {"Idempotency-Key": marker}
        else:
            body.update(channel="hotline_12345", external_id=marker)
            headers = {"Authorization": f"Bearer {token}"}
        attempts = 0
        while True:
            attempts += 1
            with ledger.lock:
                ledger.sent += 1
                ledger.retries += attempts > 1
            try:
                status, answer = _send(port, body, headers)
            except (OSError, http.client.HTTPException):
                status, answer = 0, {}
            if status in (200, 201) and answer.get("number"):
                with ledger.lock:
                    ledger.acknowledged[marker] = answer["number"]
                    ledger.recovered += status == 200
                break
            if 400 <= status < 500:
                with ledger.lock:
                    ledger.refused[f"{status} {str(answer.get('detail', ''))[:60]}"] += 1
                break
            if give_up.is_set():
                with ledger.lock:
                    ledger.unanswered += 1
                break
            time.sleep(0.2)  # refused, broken or 5xx: the server is down or restarting


def accept_emergencies(
    staff: Any, tag: str, ledger: Ledger, stop: threading.Event
) -> collections.Counter[str]:
    """Staff take acknowledged cases through verification and accept them as emergencies (category
    04xx): each transition is a case write beside the load, and each acceptance queues a notice for
    the worker to deliver."""
    from django.core.exceptions import ValidationError
    from django.db import close_old_connections

    from cityloop.cases.engine import TransitionError, perform
    from cityloop.cases.models import Case
    from cityloop.catalog.models import Category
    from cityloop.core.audit import request_context

    done: collections.Counter[str] = collections.Counter()
    codes = list(
        Category.objects.filter(kind="event", code__startswith="04", parent__isnull=False).values_list(
            "code", flat=True
        )
    )
    rng = random.Random(7)
    try:
        while not stop.wait(0.5):
            with ledger.lock:
                numbers = list(ledger.acknowledged.values())[-20:]
            for case in Case.objects.filter(number__in=numbers, state="reported")[:2]:
                supervisor = staff.supervisor_of.get(case.community_id)
                # The operator of the centre commanding the case (its district's): 两级指挥.
                operators = staff.centre(case).operators
                if not operators:
                    continue
                operator = operators[0]
                try:
                    with request_context(None):
                        case = perform(case, "send_for_verification", actor=operator, payload={})
                        case = perform(case, "verify", actor=supervisor, payload={"found": True})
                        category = {"category": rng.choice(codes), "kind": "event"}
                        perform(case, "accept", actor=operator, payload=category)
                    done["accepted"] += 1
                except (TransitionError, ValidationError) as exc:
                    done[type(exc).__name__] += 1
    finally:
        close_old_connections()
    return done

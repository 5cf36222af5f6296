"""``cityloop hotline simulate``: plays a hotline platform against a running CityLoop.

It sends signed work orders to ``--base``, receives CityLoop's messages on a small HTTP server of
its own on 127.0.0.1 (answering HTTP 500 about ``--fail-rate`` of the time, so the worker must
retry), answers each result with a return visit (some unsatisfied, which reopens the case) and each
extension request with an approval, and checks every message's per-ticket ``seq``: a number seen
twice is a duplicate, one arriving before its predecessor is out of order, and any number missing
when the run ends (or a ticket whose ``closed`` never came) is lost.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cityloop.notify.signing import WebhookVerificationError, sign_headers, verify

from .protocol import encode


@dataclass
class Ledger:
    """What the simulated hotline received, per ticket."""

    seen: dict[str, set[int]] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    duplicated: int = 0
    out_of_order: int = 0
    refused: int = 0  # answered 500 on purpose
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: list[dict[str, Any]] = field(default_factory=list)  # messages to send back


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secret: str, fail_rate: float, seed: int, unsatisfied_rate: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.fail_rate = fail_rate
        self.unsatisfied_rate = unsatisfied_rate
        self.rng = random.Random(seed)
        self.ledger = Ledger()
        self.visited: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cityloop"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        body = self.rfile.read(length)
        server, ledger = self.server, self.server.ledger
        try:
            verify(server.secret, dict(self.headers.items()), body)
        except WebhookVerificationError:
            with ledger.lock:
                ledger.bad_signatures += 1
            self._answer(401)
            return
        with ledger.lock:
            if server.rng.random() < server.fail_rate:
                ledger.refused += 1
                self._answer(500)
                return
            message = json.loads(body)
            ticket, seq, kind = message["ticket_id"], int(message["seq"]), message["type"]
            seen = ledger.seen.setdefault(ticket, set())
            if seq in seen:
                ledger.duplicated += 1
            else:
                if seq != ledger.last.get(ticket, 0) + 1:
                    ledger.out_of_order += 1
                seen.add(seq)
                ledger.last[ticket] = max(ledger.last.get(ticket, 0), seq)
                ledger.types.setdefault(ticket, []).append(kind)
                self._react(ticket, kind, message)
        self._answer(204)

    def _react(self, ticket: str, kind: str, message: dict[str, Any]) -> None:
        server, ledger = self.server, self.server.ledger
        if kind == "result":
            # The first visit of a ticket is unsatisfied now and then; the second always satisfied.
            unhappy = ticket not in server.visited and server.rng.random() < server.unsatisfied_rate
            server.visited.add(ticket)
            ledger.answers.append(
                {
                    "type": "return_visit",
                    "ticket_id": ticket,
                    "satisfaction": "unsatisfied" if unhappy else "satisfied",
                    "text": "仍未解决" if unhappy else "市民表示满意",
                }
            )
        elif kind == "extension_request":
            ledger.answers.append(
                {"type": "extension_answer", "ticket_id": ticket, "approved": True, "reason": "同意延期"}
            )

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def post_signed(
    base: str, code: str, secret: str, message: dict[str, Any], *, timeout: float = 30
) -> tuple[int, dict[str, Any]]:
    """POST one signed message to CityLoop; its status and JSON answer."""
    parts = urllib.parse.urlsplit(base)
    body = encode(message)
    headers = sign_headers([secret], f"sim_{uuid.uuid4().hex}", dt.datetime.now(tz=dt.UTC), body)
    headers["Content-Type"] = "application/json"
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request(
            "POST", f"{parts.path.rstrip('/')}/hotline/v1/{code}/messages", body=body, headers=headers
        )
        response = connection.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {})
    finally:
        connection.close()


@dataclass
class Simulation:
    base: str
    code: str
    secret: str
    orders: int
    points: list[tuple[float, float]]
    fail_rate: float = 0.5
    unsatisfied_rate: float = 0.2
    seed: int = 1
    timeout: float = 300.0
    drive: Callable[[list[str]], int] | None = None  # takes the staff steps for these ticket ids
    set_callback: Callable[[str], None] | None = None
    say: Callable[[str], None] = print

    def run(self) -> dict[str, int]:
        receiver = Receiver(self.secret, self.fail_rate, self.seed, self.unsatisfied_rate)
        thread = threading.Thread(target=receiver.serve_forever, daemon=True)
        thread.start()
        try:
            if self.set_callback:
                self.set_callback(receiver.url)
            return self._run(receiver)
        finally:
            receiver.shutdown()
            receiver.server_close()

    def _run(self, receiver: Receiver) -> dict[str, int]:
        rng = random.Random(self.seed)
        run = uuid.uuid4().hex[:8]
        tickets: list[str] = []
        for n in range(self.orders):
            lon, lat = rng.choice(self.points)
            ticket = f"SIM-{run}-{n + 1:05d}"
            status, answer = post_signed(
                self.base,
                self.code,
                self.secret,
                {
                    "type": "work_order",
                    "ticket_id": ticket,
                    "channel": "12345",
                    "appeal_nature": rng.choice([1, 1, 1, 2]),
                    "caller": {"name": "模拟来电人", "phone": f"1380000{n:04d}"},
                    "text": "小区门口有暴露垃圾，无人清理",
                    "address": "模拟地址",
                    "location": {"lon": lon, "lat": lat, "crs": "wgs84"},
                    "category": "0102",
                    "deadline": (dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=3)).isoformat(),
                },
            )
            if status not in (200, 201):
                raise RuntimeError(f"work order {ticket} refused: {status} {answer}")
            tickets.append(ticket)
        self.say(f"sent {len(tickets)} work orders; waiting for their results (fail rate {self.fail_rate})")
        ledger = receiver.ledger
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with ledger.lock:
                answers, ledger.answers = ledger.answers, []
                closed = sum(1 for t in tickets if "closed" in ledger.types.get(t, []))
            for message in answers:
                status, answer = post_signed(self.base, self.code, self.secret, message)
                if status != 200:
                    self.say(f"{message['type']} for {message['ticket_id']} answered {status}: {answer}")
            if closed == len(tickets) and not answers:
                break
            if self.drive:
                self.drive(tickets)
            time.sleep(0.2)
        with ledger.lock:
            lost = 0
            for ticket in tickets:
                seen = ledger.seen.get(ticket, set())
                top = max(seen, default=0)
                lost += sum(1 for s in range(1, top + 1) if s not in seen)
                if "closed" not in ledger.types.get(ticket, []):
                    lost += 1
                    self.say(f"{ticket}: never closed; received {ledger.types.get(ticket, [])}")
            self.say(
                f"received {sum(len(s) for s in ledger.seen.values())} messages, refused {ledger.refused} "
                f"on purpose, bad signatures {ledger.bad_signatures}"
            )
            return {
                "sent": len(tickets),
                "lost": lost,
                "duplicated": ledger.duplicated,
                "out_of_order": ledger.out_of_order,
            }

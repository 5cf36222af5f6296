"""The benchmarks' CPU accounting: the intake figures are read beside it, so it must count the
right processes."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time

import pytest

import bench

BUSY_FOR_HALF_A_SECOND_THEN_SLEEP = """
import time
end = time.process_time() + 0.5
while time.process_time() < end:
    pass
time.sleep(30)
"""

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads Linux's /proc")


def test_cpu_of_a_process_session_counts_its_work_and_nothing_else():
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            BUSY_FOR_HALF_A_SECOND_THEN_SLEEP,
        ],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        used = 0.0
        while time.monotonic() < deadline:
            used = bench.processes_cpu_seconds(lambda session, _command: session == busy.pid) or 0.0
            if used >= 0.45:
                break
            time.sleep(0.1)
        assert 0.45 <= used < 2.0
        assert bench.processes_cpu_seconds(lambda session, _command: session == -1) == 0
    finally:
        busy.kill()
        busy.wait()


def test_the_machine_speed_reference_takes_measurable_time():
    assert 0.01 < bench.python_reference_seconds() < 60


class _Answers(http.server.BaseHTTPRequestHandler):
    """201 for every report, 500 for one whose body says so; closes after each answer."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = 500 if b"fail" in body else 201
        answer = b'{"ok": true}' * 20000  # longer than one read, so it arrives in pieces
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def test_the_load_client_sends_every_request_and_counts_the_failures():
    from bench.bench_cases import _drive, _free_port, _post

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        requests = [_post(port, "/api/v1/reports", "t", {"n": n}) for n in range(40)]
        requests[7] = _post(port, "/api/v1/reports", "t", {"n": "fail"})
        latencies, failures = _drive(port, requests, 8)
    finally:
        server.shutdown()
        server.server_close()
    assert len(latencies) == 40 and all(ms > 0 for ms in latencies)
    assert failures == ["HTTP/1.1 500 Internal Server Error"]
    # Nobody listening: every request fails, and the client still ends.
    latencies, failures = _drive(_free_port(), requests[:3], 2)
    assert len(latencies) == 3 and len(failures) == 3
    assert all(f.startswith("connection error") for f in failures)


def test_every_page_benchmark_can_set_the_client_environment_up_in_one_run() -> None:
    # `make bench` runs all of them in one process: the second set-up must not raise.
    bench.client_environment()
    bench.client_environment()

"""The benchmarks' CPU accounting: the intake figures are read beside it, so it must count the
right processes."""

from __future__ import annotations

import os
import subprocess
import sys
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

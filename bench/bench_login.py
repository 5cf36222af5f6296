"""Sign-in: the server time of a console login with the project's password hasher (target < 200 ms)."""

from __future__ import annotations

import os

import bench

TARGET_MS = 200.0


def run() -> list[bench.Result]:
    from django.contrib.auth.hashers import get_hasher
    from django.test import Client

    from cityloop.core.models import User

    bench.client_environment()
    password = "a long enough pass phrase 2026"
    user, _ = User.objects.get_or_create(username="bench_login")
    user.set_password(password)  # the project's hasher, as a real user's hash after a sign-in
    user.save(update_fields=["password"])
    repeat = 5 if os.environ.get("BENCH_QUICK") else 20
    client = Client()

    def sign_in() -> None:
        response = client.post("/login/", {"username": "bench_login", "password": password})
        assert response.status_code == 302, response.status_code
        client.post("/logout/")

    sign_in()  # warm: templates, the first connection
    p50, p99, _mean = bench.summary_ms(bench.time_each(sign_in, repeat))
    hasher = get_hasher()
    params = ", ".join(
        f"{k}={getattr(hasher, k)}" for k in ("memory_cost", "time_cost", "parallelism") if hasattr(hasher, k)
    )
    return [
        bench.Result(f"hasher {hasher.algorithm} ({params})", 0, "", ""),
        bench.Result("sign-in and sign-out p50", p50, "ms", f"< {TARGET_MS:.0f}", p50 < TARGET_MS),
        bench.Result("sign-in and sign-out p99", p99, "ms", f"< {TARGET_MS:.0f}", p99 < TARGET_MS),
    ]

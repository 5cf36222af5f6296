"""``python -m bench.kill_test``: crash safety under load. The server (gunicorn, 2 workers) and
``cityloop worker`` are killed with SIGKILL several times while clients send reports; then every
report the server acknowledged must exist exactly once, every case must be consistent, and the
worker must finish the work left pending.

Clients send reports with an API token (``external_id``) and anonymously (``Idempotency-Key``), and
retry a report whose answer never came (a refused or broken connection, a 5xx) with the same body,
as a phone or a partner system would; each report carries its own marker in its description, so a
retry that made a second case is found. Meanwhile an operator accepts some of the cases as
emergencies (class 04), which queues notices for the worker to deliver.

Each round kills, at a random moment, one of: everything at once (the server's process group and
the worker), the master alone (its workers must leave by themselves and free the port), or the
server's workers alone (the master starts new ones); the worker is killed in every round. A killed
server is started again on the same port.

Prints the figures (acknowledged, found, lost, duplicated, inconsistent, kills …) and exits 1 on any
loss, duplicate, inconsistency or a worker that did not resume; 2 when the run itself failed or
ran out of time (``--timeout``). The database is ``DATABASE_URL`` (PostgreSQL in CI: ``.ci/kill-test``
makes a fresh one); it is migrated and given the demo city if it has none.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import random
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.kill_clients import MARKER, Ledger, accept_emergencies, client
from bench.kill_services import ROOT, Services, TimedOut

# --- the checks ---------------------------------------------------------------------------------


def case_problems(case: Any, events: list[Any], audit_ids: list[int], steps: list[Any]) -> list[str]:
    """What is wrong with one case, given its events (by seq), the ids of its audit entries (by id)
    and its steps with their timers: [] for a consistent case."""
    from cityloop.cases.workflow import STATES

    problems = []
    if case.state not in STATES or case.state == "new":
        problems.append(f"unknown state {case.state}")
    if not events:
        return [*problems, "no events"]
    if [e.seq for e in events] != list(range(1, len(events) + 1)):
        problems.append("event numbers have gaps")
    if events[0].transition not in ("report", "self_report"):
        problems.append(f"first event is {events[0].transition}")
    if events[-1].to_state != case.state:
        problems.append(f"state {case.state} but the last event leads to {events[-1].to_state}")
    if any(b.from_state != a.to_state for a, b in itertools.pairwise(events)):
        problems.append("events do not chain")
    if [e.audit_id for e in events] != audit_ids:
        problems.append("events and audit entries differ")
    running = sorted((s for s in steps if s.ended_at is None), key=lambda s: (s.started_at, s.pk))
    if len({s.step for s in running}) != len(running):
        problems.append("a step runs twice")
    if STATES.get(case.state) is not None and STATES[case.state].terminal and running:
        problems.append("a closed case has a running step")
    if case.current_step != (running[-1].step if running else ""):
        problems.append(f"current step {case.current_step!r} is not the running one")
    for s in steps:
        if s.timer is None:
            problems.append(f"step {s.step} has no timer")
        elif (s.ended_at is None) != (s.timer.ended_at is None):
            problems.append(f"step {s.step} and its timer disagree on having ended")
    runs = collections.Counter(s.step for s in steps)
    if dict(runs) != {k: v for k, v in (case.step_runs or {}).items() if v}:
        problems.append(f"step_runs {case.step_runs} but steps {dict(runs)}")
    return problems


def check(tag: str, ledger: Ledger) -> dict[str, Any]:
    from cityloop.cases.models import Case, CaseEvent, CaseStep
    from cityloop.core.models import AuditEntry

    cases = list(Case.objects.filter(description__startswith=f"[{tag}-"))
    by_marker: dict[str, list[Any]] = collections.defaultdict(list)
    for case in cases:
        found = MARKER.match(case.description)
        if found:
            by_marker[found.group(1)].append(case)
    ids = [c.pk for c in cases]
    events: dict[int, list[Any]] = collections.defaultdict(list)
    audit: dict[int, list[int]] = collections.defaultdict(list)
    steps: dict[int, list[Any]] = collections.defaultdict(list)
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        for e in CaseEvent.objects.filter(case_id__in=part).order_by("case_id", "seq"):
            events[e.case_id].append(e)
        for pk, object_id in (
            AuditEntry.objects.filter(object_type="cases.case", object_id__in=[str(i) for i in part])
            .order_by("id")
            .values_list("pk", "object_id")
        ):
            audit[int(object_id)].append(pk)
        for s in CaseStep.objects.filter(case_id__in=part).select_related("timer"):
            steps[s.case_id].append(s)
    lost = [
        m
        for m, number in ledger.acknowledged.items()
        if number not in {c.number for c in by_marker.get(m, [])}
    ]
    duplicated = [m for m, found in by_marker.items() if len(found) > 1]
    external = collections.Counter(c.external_id for c in cases if c.external_id)
    inconsistent = {}
    for case in cases:
        problems = case_problems(case, events[case.pk], audit[case.pk], steps[case.pk])
        if problems:
            inconsistent[case.number] = problems
    return {
        "cases": len(cases),
        "lost": lost,
        "duplicated": duplicated + [e for e, n in external.items() if n > 1 and e not in duplicated],
        "inconsistent": inconsistent,
    }


def wait_for_worker(seconds: float) -> tuple[bool, int, int]:
    """Whether the restarted worker delivered every queued notice within ``seconds``; how many
    notices the run queued and how many were still pending at the end."""
    from cityloop.notify.models import Outbox, OutboxStatus

    deadline = time.monotonic() + seconds
    while True:
        pending = Outbox.objects.filter(status=OutboxStatus.PENDING).count()
        if pending == 0 or time.monotonic() > deadline:
            return pending == 0, Outbox.objects.count(), pending
        time.sleep(0.5)


# --- the run ------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench import anywhere_operator
    from bench.bench_cases import _free_port, _points, ensure_demo_city
    from cityloop.cases.models import Channel
    from cityloop.core.actions import create_api_token
    from cityloop.core.audit import system_actor
    from cityloop.demo.simulate import Staff
    from cityloop.notify.models import Outbox, OutboxStatus

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    ensure_demo_city()
    staff = Staff.load()
    # Reports at points anywhere in the city: an operator of the city centre.
    _, token = create_api_token(
        actor=system_actor(), user=anywhere_operator(), name="kill-test", rate_limit="none"
    )
    channel = Channel.objects.filter(accepts_anonymous=True, active=True).order_by("code").first()
    assert channel is not None, "no channel takes anonymous reports"
    anonymous = channel.code
    rng = random.Random(args.seed)
    points = _points(500, rng)
    tag = f"kt-{uuid.uuid4().hex[:8]}"
    log = Path(settings.VAR_DIR) / f"kill-test-{os.getpid()}.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        "SECRET_KEY": settings.SECRET_KEY,
        # Many reports from one address and phone prefix are this test, not abuse.
        "CITYLOOP_RATELIMIT_REPORTS_PER_ADDRESS": "none",
        "CITYLOOP_RATELIMIT_REPORTS_PER_PHONE": "none",
    }
    services = Services(port=_free_port(), env=env, log=log)
    ledger = Ledger()
    stop_new, give_up, stop_accepting = threading.Event(), threading.Event(), threading.Event()
    modes = (["all", "master", "workers"] * args.rounds)[: args.rounds]
    rng.shuffle(modes)
    print(
        f"kill test on {connection.vendor}: {args.clients} clients for {args.seconds:.0f} s, kills: {modes}"
    )
    print(f"  (set-up {time.monotonic() - started:.0f} s; server log {log})", flush=True)
    accepted: collections.Counter[str] = collections.Counter()
    pending_at_kills: list[int] = []
    threads: list[threading.Thread] = []
    try:
        services.start_server()
        services.start_worker()
        services.wait_up()
        shared = _Locked(iter(range(10**9)))
        threads = [
            threading.Thread(
                target=client,
                args=(
                    services.port,
                    tag,
                    shared,
                    points,
                    token,
                    anonymous,
                    ledger,
                    stop_new,
                    give_up,
                ),
                daemon=True,
            )
            for _ in range(args.clients)
        ]
        acceptor = threading.Thread(
            target=lambda: accepted.update(accept_emergencies(staff, tag, ledger, stop_accepting)),
            daemon=True,
        )
        for t in [*threads, acceptor]:
            t.start()
        load_started = time.monotonic()
        # Kills at random moments spread over the load, each after the server has come back.
        slot = args.seconds / (len(modes) + 1)
        for i, mode in enumerate(modes):
            at = load_started + slot * (i + 0.5) + rng.uniform(0, slot)
            time.sleep(max(0.0, at - time.monotonic()))
            before = len(ledger.acknowledged)
            services.kill(mode)
            pending_at_kills.append(Outbox.objects.filter(status=OutboxStatus.PENDING).count())
            print(
                f"  {time.monotonic() - load_started:5.1f} s: killed ({mode}) after {before} acknowledged",
                flush=True,
            )
            time.sleep(rng.uniform(0.2, 1.5))  # clients meet a dead server for a while
            services.restart()
            services.wait_up()
        time.sleep(max(0.0, load_started + args.seconds - time.monotonic()))
        stop_new.set()
        stop_accepting.set()
        acceptor.join(timeout=30)
        # Reports in flight get their answer from the running server, or are retried until then.
        for t in threads:
            t.join(timeout=20)
        give_up.set()
        for t in threads:
            t.join(timeout=20)
        load_seconds = time.monotonic() - load_started
        resumed, notices, pending = wait_for_worker(args.worker_bound)
        figures = check(tag, ledger)
    finally:
        stop_new.set()
        give_up.set()
        stop_accepting.set()
        services.stop()
    kills = sum(services.kills.values())
    print(
        f"  reports sent (with retries): {ledger.sent}, retries {ledger.retries}, load {load_seconds:.0f} s"
    )
    print(f"  acknowledged: {len(ledger.acknowledged)} (of which only by a retry: {ledger.recovered})")
    print(f"  cases found for the run: {figures['cases']}")
    print(
        f"  lost: {len(figures['lost'])}  duplicated: {len(figures['duplicated'])}  "
        f"inconsistent: {len(figures['inconsistent'])}"
    )
    refused = sum(ledger.refused.values())
    print(f"  refused: {refused} {dict(ledger.refused)}; unanswered at the end: {ledger.unanswered}")
    print(f"  kills: {kills} {dict(services.kills)} (and the worker each time)")
    verdict = "worker resumed" if resumed else "WORKER DID NOT RESUME"
    print(f"  emergencies accepted meanwhile: {dict(accepted)}; notices queued {notices}")
    print(
        f"  notices pending when the worker was killed: {pending_at_kills}; at the end (within "
        f"{args.worker_bound:.0f} s of the last restart): {pending} ({verdict})"
    )
    for marker in figures["lost"][:5]:
        print(f"  LOST {marker} (acknowledged as {ledger.acknowledged[marker]})")
    for marker in figures["duplicated"][:5]:
        print(f"  DUPLICATED {marker}")
    for number, problems in list(figures["inconsistent"].items())[:5]:
        print(f"  INCONSISTENT {number}: {'; '.join(problems)}")
    failed = (
        figures["lost"]
        or figures["duplicated"]
        or figures["inconsistent"]
        or not resumed
        or not ledger.acknowledged
        or kills < len(modes)
        or refused
    )
    print("kill test: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


class _Locked:
    """A generator shared by threads."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lock = threading.Lock()

    def __iter__(self) -> _Locked:
        return self

    def __next__(self) -> int:
        with self.lock:
            return int(next(self.inner))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (default 60)")
    parser.add_argument("--rounds", type=int, default=3, help="how many times to kill (default 3)")
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients (default 6)")
    parser.add_argument("--worker-bound", type=float, default=30, help="seconds the worker has to catch up")
    parser.add_argument("--timeout", type=int, default=180, help="the whole run's hard limit in seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print("kill test: set DATABASE_URL (a scratch database: the test adds cases to it)", file=sys.stderr)
        return 2

    def out_of_time(signum: int, frame: Any) -> None:
        raise TimedOut(f"the kill test ran over {args.timeout} s")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    try:
        return run(args)
    except (TimedOut, RuntimeError) as exc:  # ran out of time; a server that would not start
        print(f"kill test: FAILED: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())

"""Frontage credit (信用): one month's scores for 150,000 parties over a year of inspections.

A fresh district of 100 streets gets 150,000 parties (written straight to the tables: the import has
its own benchmark), then a year of what credit counts, spread over the parties: two official
inspections each (one in ten failed), a rectification notice for each failure (one in five of them
escalated to a penalty), 30,000 cases handed to parties first (self-corrected or expired) and 5,000
peer inspections. Timed: ``recompute_credit`` for the last month, which counts, scores every party,
writes 150,000 scores and moves parties on and off the lists. Quick mode (``BENCH_QUICK=1``):
1,500 parties.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time

from bench import Result

BATCH = 5000


def _populate(count: int, rng: random.Random) -> dt.date:
    from django.utils import timezone

    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.frontage.credit import add_months, month_start
    from cityloop.frontage.models import (
        CorrectionState,
        Duty,
        Inspection,
        Notice,
        NoticeStatus,
        Party,
        SelfCorrection,
        Zone,
    )
    from cityloop.frontage.uscc import make

    actor = system_actor()
    city = Unit.objects.filter(code="990000").first() or create_unit(
        actor=actor, code="990000", name="基准市", kind="city"
    )
    district = create_unit(actor=actor, code="990197", name="信用基准区", kind="district", parent=city)
    streets = [
        create_unit(actor=actor, code=f"990197{n:03d}", name=f"信用街道{n}", kind="street", parent=district)
        for n in range(1, 101)
    ]
    for start in range(0, count, BATCH):
        Party.objects.bulk_create(
            [
                Party(uscc=make("9", "1", "990197", f"{n:08d}"), name=f"商户{n}", street=streets[n % 100])
                for n in range(start, min(count, start + BATCH))
            ]
        )
    parties = list(Party.objects.filter(street__parent=district).values_list("id", "street_id"))
    this_month = month_start(timezone.localdate())
    year_start = timezone.make_aware(dt.datetime.combine(add_months(this_month, -12), dt.time()))
    seconds = 365 * 86400

    def moment() -> dt.datetime:
        return year_start + dt.timedelta(seconds=rng.randrange(seconds))

    inspections = [
        Inspection(
            party_id=p,
            street_id=s,
            inspector=actor,
            inspected_at=moment(),
            score=60 if (failed := rng.random() < 0.1) else 100,
            passed=not failed,
        )
        for p, s in parties
        for _ in range(2)
    ]
    Inspection.objects.bulk_create(inspections, batch_size=BATCH)
    duty = Duty.objects.get(code="order")
    failures = list(
        Inspection.objects.filter(passed=False, street__parent=district).values_list(
            "id", "party_id", "street_id", "inspected_at"
        )
    )
    Notice.objects.bulk_create(
        [
            Notice(
                number=f"BENCH-{i}",
                party_id=p,
                street_id=s,
                inspection_id=insp,
                duty=duty,
                status=NoticeStatus.ESCALATED if rng.random() < 0.2 else NoticeStatus.RECTIFIED,
                issued_at=at,
                issued_by=actor,
                working_days=3,
                deadline=at + dt.timedelta(days=5),
            )
            for i, (insp, p, s, at) in enumerate(failures)
        ],
        batch_size=BATCH,
    )
    # Cases handed to parties first need a zone each: one shared zone row stands in (not counted).
    zone = Zone.objects.create(
        code="BENCH-ZONE",
        party_id=parties[0][0],
        geom_wkb=b"\x00",
        min_lon=0,
        min_lat=0,
        max_lon=0,
        max_lat=0,
        valid_from=dt.date(2000, 1, 1),
        street_id=parties[0][1],
    )
    corrections = []
    for n in range(count // 5):
        p, s = rng.choice(parties)
        at = moment()
        corrections.append(
            SelfCorrection(
                case_id=10_000_000 + n,
                case_number=f"B{n}",
                party_id=p,
                zone=zone,
                duty=duty,
                street_id=s,
                district=district,
                kind="event",
                category_code="0507",
                category_name="乱堆物堆料",
                description="bench",
                lon=0,
                lat=0,
                opened_at=at,
                deadline_at=at + dt.timedelta(hours=2),
                window="2 working_hour",
                state=CorrectionState.FIXED if rng.random() < 0.6 else CorrectionState.EXPIRED,
            )
        )
    SelfCorrection.objects.bulk_create(corrections, batch_size=BATCH)
    return add_months(this_month, -1)


def run() -> list[Result]:
    from cityloop.core.audit import system_actor
    from cityloop.frontage.credit_actions import recompute_credit

    quick = os.environ.get("BENCH_QUICK") == "1"
    count = int(os.environ.get("BENCH_CREDIT_PARTIES") or (1_500 if quick else 150_000))
    rng = random.Random(2424)
    started = time.perf_counter()
    month = _populate(count, rng)
    setup = time.perf_counter() - started
    started = time.perf_counter()
    summary = recompute_credit(actor=system_actor(), month=month)
    seconds = time.perf_counter() - started
    target = 60.0 * count / 150_000
    orm_seconds, copy_seconds = _score_writes_side_by_side(month)
    return [
        Result(f"set up {count:,} parties and a year of inspections, notices, cases", setup, "s"),
        Result(
            f"credit of {summary['parties']:,} parties for {summary['month']}",
            seconds,
            "s",
            f"< {target:g} s",
            seconds < target,
        ),
        Result("parties put on the black list", summary["black_on"], "parties"),
        Result(f"  the month's {summary['parties']:,} scores written by bulk_create", orm_seconds, "s"),
        Result("  the same scores written by insert_rows (as recompute does)", copy_seconds, "s"),
    ]


def _score_writes_side_by_side(month: dt.date) -> tuple[float, float]:
    """The month's score rows written again both ways in this run: the plain ORM's ``bulk_create``
    and ``frontage.bulk.insert_rows`` (COPY on PostgreSQL, one prepared statement on SQLite), which
    ``recompute_credit`` uses. Seconds of each; the rows are left as recompute wrote them."""
    from django.db import transaction

    from cityloop.frontage.bulk import insert_rows
    from cityloop.frontage.credit_actions import BATCH as WRITE_BATCH
    from cityloop.frontage.credit_actions import SCORE_COLUMNS
    from cityloop.frontage.models import CreditScore

    attnames = [f"{name}_id" if name in {"party", "scheme", "street"} else name for name in SCORE_COLUMNS]
    scores = CreditScore.objects.filter(month=month)
    kept = [dict(zip(attnames, row, strict=True)) for row in scores.values_list(*attnames)]
    batches = [kept[start : start + WRITE_BATCH] for start in range(0, len(kept), WRITE_BATCH)]
    with transaction.atomic():
        scores.delete()
        started = time.perf_counter()
        for batch in batches:
            CreditScore.objects.bulk_create([CreditScore(**row) for row in batch])
        orm_seconds = time.perf_counter() - started
    with transaction.atomic():
        scores.delete()
        started = time.perf_counter()
        for batch in batches:
            rows = [
                (
                    *(row[name] for name in attnames[:2]),
                    str(row["score"]),
                    json.dumps(row["parts"]),
                    *(row[name] for name in attnames[4:]),
                )
                for row in batch
            ]
            insert_rows(CreditScore, SCORE_COLUMNS, rows)
        copy_seconds = time.perf_counter() - started
    return orm_seconds, copy_seconds

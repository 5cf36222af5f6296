"""The engine's raw limit: the rows one HTTP report writes, by hand-written SQL.

These statements mirror, row for row and column for column, what ``POST /api/v1/reports`` writes
(found with ``CaptureQueriesContext`` around a report at b10cbe5, the last commit of the fastsql
write path):

1. ``UPDATE cases_casesequence … RETURNING last``: the district's case-number counter for the day
   (``INSERT`` of that row first, once a day per district);
2. ``INSERT cases_case``;
3. ``INSERT cases_casetext`` (its search terms; on SQLite a trigger copies them into the FTS5 table);
4. ``INSERT timeclock_steptimer`` (the accept step's clock);
5. ``INSERT cases_casestep`` (the accept step, pointing at its timer);
6. ``SELECT … FOR UPDATE`` of the audit chain's head, ``INSERT core_auditentry`` (one entry,
   ``case.report``, with the timer's start as a part, its id and hash following the head's) and
   ``UPDATE core_auditchainhead`` (``cityloop.core.audit_chain.append``);
7. ``INSERT cases_caseevent`` (the timeline's first line, pointing at the audit entry).

(The API token's ``last_used_at`` is also updated, at most once a minute per token: bookkeeping,
left out.) **When the case tables, their columns, or what a report writes change, update these
statements**: :func:`check_schema` refuses to run when a column written here is missing, and names
the columns of these tables the statements do not write.

The values are copied from a report the application wrote (:class:`Template`, read by
``raw_run.read_template``), with fresh numbers, tracking codes, ticket ids and times. Standard library
only: the side-by-side driver imports this module by its file's directory, in a process whose
``cityloop`` (and ``bench``) come from the checkout under test.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# Placeholders are written ``%s`` (psycopg's style); SQLite's ``?`` is put in by Dialect.execute.
COUNTER_SQL = (
    "UPDATE cases_casesequence SET last = last + 1 WHERE district_id = %s AND day = %s RETURNING last"
)
# On PostgreSQL the application takes the number ahead, in a statement of its own whose commit does
# not wait for the flush (cityloop.cases.numbering.number_ahead); the same trick here.
COUNTER_AHEAD_SQL = (
    "UPDATE cases_casesequence SET last = last + 1 WHERE district_id = %s AND day = %s "
    "AND set_config('synchronous_commit', 'off', true) IS NOT NULL RETURNING last"
)
OPEN_DAY_SQL = (
    "INSERT INTO cases_casesequence (district_id, day, last) VALUES (%s, %s, 0) "
    "ON CONFLICT (district_id, day) DO NOTHING"
)
CASE_SQL = (
    "INSERT INTO cases_case (number, tracking_code, state, version, channel_id, appeal_nature, "
    "external_id, reporter_id, reporter_name, reporter_phone, description, address, lon, lat, h3, "
    "grid_id, community_id, street_id, district_id, category_id, component_id, condition_id, urgency, "
    "responsible_unit_id, duplicate_of_id, routing, command_level, current_step, deadline_at, light, "
    "step_runs, "
    "returns_count, reworks_count, extensions_count, holds_count, urges_count, needs_return_visit, "
    "return_visit_waiver, "
    "satisfaction, citizen_rating, citizen_comment, original_crs, original_x, original_y, reported_at, "
    "registered_at, dispatched_at, closed_at, updated_at, photos_public) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, "
    "NULL, %s, NULL, NULL, %s, 'district', %s, %s, %s, %s, 0, 0, 0, 0, 0, %s, '', '', NULL, '', '', NULL, "
    "NULL, %s, "
    "NULL, NULL, NULL, %s, %s) "
    "RETURNING id"
)
CASE_TEXT_SQL = "INSERT INTO cases_casetext (case_id, terms) VALUES (%s, %s)"
TIMER_SQL = (
    "INSERT INTO timeclock_steptimer (subject_type, subject_id, district_id, responsible_unit_id, step, "
    "started_at, limit_amount, limit_unit, extension, calendar_id, calendar_version, pauses, deadline_at, "
    "warn_at, provisional, revision, light, warned_at, overdue_at, ended_at, on_time, elapsed, rule_ref, "
    "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, NULL, NULL, "
    "NULL, NULL, NULL, %s, %s) RETURNING id"
)
STEP_SQL = (
    "INSERT INTO cases_casestep (case_id, district_id, step, occurrence, unit_id, started_at, "
    "started_by_id, limit_amount, limit_unit, limit_ref, deadline_at, provisional, timer_id, ended_at, "
    "ended_by_id, ended_by_transition, on_time, elapsed) "
    "VALUES (%s, %s, %s, 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, '', NULL, NULL)"
)
AUDIT_HEAD_LOCK_SQL = "SELECT last_id, last_hash FROM core_auditchainhead WHERE id = 1 FOR UPDATE"
AUDIT_SQL = (
    "INSERT INTO core_auditentry (id, at, actor_id, actor_label, action, object_type, object_id, "
    "object_repr, before, after, request_id, prev_hash, hash) VALUES (%s, %s, %s, %s, 'case.report', "
    "'cases.case', %s, %s, NULL, %s, %s, %s, %s)"
)
AUDIT_HEAD_SQL = "UPDATE core_auditchainhead SET last_id = %s, last_hash = %s WHERE id = %s"
EVENT_SQL = (
    "INSERT INTO cases_caseevent (case_id, seq, transition, from_state, to_state, actor_id, "
    "actor_unit_id, actor_role, at, note, data, audit_id) "
    "VALUES (%s, 1, 'report', 'new', %s, %s, %s, %s, %s, %s, %s, %s)"
)
STATEMENTS = {
    "cases_casesequence": COUNTER_SQL,
    "cases_case": CASE_SQL,
    "cases_casetext": CASE_TEXT_SQL,
    "timeclock_steptimer": TIMER_SQL,
    "cases_casestep": STEP_SQL,
    "core_auditentry": AUDIT_SQL,
    "core_auditchainhead": AUDIT_HEAD_SQL,
    "cases_caseevent": EVENT_SQL,
}


def written_columns(sql: str) -> list[str]:
    """The columns an ``INSERT`` above names, or those an ``UPDATE`` sets and filters on."""
    if sql.startswith("INSERT"):
        return [c.strip() for c in sql.split("(", 1)[1].split(")", 1)[0].split(",")]
    return re.findall(r"(\w+) = ", sql)


@dataclass(frozen=True)
class Dialect:
    """How values and placeholders are written for one engine's DB-API driver."""

    name: str  # "sqlite" or "postgresql"
    timestamp: Callable[[dt.datetime], Any]
    day: Callable[[dt.date], Any]
    json: Callable[[Any], Any]

    def execute(self, cursor: Any, sql: str, params: Sequence[Any]) -> Any:
        """Run a statement (prepared, on PostgreSQL); the cursor."""
        if self.name == "postgresql":
            return cursor.execute(sql, params, prepare=True)
        # SQLite has no row locks: its IMMEDIATE transactions already hold the write lock.
        return cursor.execute(sql.replace("%s", "?").replace(" FOR UPDATE", ""), params)


def _sqlite_timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")  # as Django stores it there


def dialect(vendor: str) -> Dialect:
    if vendor == "sqlite":
        return Dialect("sqlite", _sqlite_timestamp, dt.date.isoformat, json.dumps)
    from psycopg.types.json import Jsonb

    return Dialect("postgresql", lambda value: value, lambda value: value, Jsonb)


@dataclass(frozen=True)
class Template:
    """What stays the same from one raw report to the next, copied from a report the application
    wrote: one row per table (column → value, JSON decoded), and what is derived from them."""

    case: dict[str, Any]
    step: dict[str, Any]
    timer: dict[str, Any]
    event: dict[str, Any]
    actor_label: str
    district_code: str
    terms: str  # the description's search terms (the number's and tracking code's are added)
    zone: dt.tzinfo  # the application's time zone (its audit entries show local times)
    deadline_after: dt.timedelta
    warn_after: dt.timedelta


def table_columns(cursor: Any, dialect: Dialect, table: str) -> set[str]:
    if dialect.name == "sqlite":
        cursor.execute(f"PRAGMA table_info({table})")
        return {str(row[1]) for row in cursor.fetchall()}
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
    return {str(row[0]) for row in cursor.fetchall()}


def check_schema(cursor: Any, dialect: Dialect) -> list[str]:
    """Raise if a column the statements write is missing from the schema under test; return notes
    on the tables' columns the statements leave to their defaults (new columns to review)."""
    missing, unwritten = [], []
    for table, sql in STATEMENTS.items():
        have = table_columns(cursor, dialect, table)
        if not have:
            missing.append(f"table {table}")
            continue
        wanted = set(written_columns(sql)) | ({"id"} if "RETURNING id" in sql else set())
        missing += [f"{table}.{c}" for c in sorted(wanted - have)]
        if sql.startswith("INSERT"):
            unwritten += [f"{table}.{c}" for c in sorted(have - wanted - {"id"})]
    if missing:
        raise RuntimeError(
            "the raw-limit statements (bench/side_by_side/raw_sql.py) write what this schema does not "
            f"have: {', '.join(missing)}; update them to what a report writes now"
        )
    return [f"not written by the raw statements: {c}" for c in unwritten]


_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def take_number(cursor: Any, dialect: Dialect, district_id: int, day: dt.date, *, ahead: bool = False) -> int:
    """The day's next sequence number for the district (opening the day's counter when needed)."""
    params = [district_id, dialect.day(day)]
    for _ in range(2):
        found = dialect.execute(cursor, COUNTER_AHEAD_SQL if ahead else COUNTER_SQL, params).fetchone()
        if found is not None:
            return int(found[0])
        dialect.execute(cursor, OPEN_DAY_SQL, params)
    raise RuntimeError(f"no case-number counter for district {district_id} on {day}")


def write_report(
    cursor: Any,
    dialect: Dialect,
    template: Template,
    *,
    external_id: str,
    now: dt.datetime,
    local_day: dt.date,
    sequence: int | None = None,
) -> int:
    """Write one report's rows with ``cursor``, in the caller's transaction; the new case's id.
    ``sequence``: the case number's sequence when taken ahead, else it is taken here first."""
    case, step, timer, event = template.case, template.step, template.timer, template.event
    run, ts, js = dialect.execute, dialect.timestamp, dialect.json
    district = int(case["district_id"])
    if sequence is None:
        sequence = take_number(cursor, dialect, district, local_day)
    number = f"{template.district_code}-{local_day:%y%m%d}-{sequence:04d}"
    tracking = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(8))
    deadline, warn = now + template.deadline_after, now + template.warn_after
    case_values = [number, tracking, case["state"], 1, case["channel_id"], case["appeal_nature"], external_id]
    case_values += [
        case[c] for c in ("reporter_id", "reporter_name", "reporter_phone", "description", "address")
    ]
    case_values += [case[c] for c in ("lon", "lat", "h3", "grid_id", "community_id", "street_id")]
    case_values += [district, case["urgency"], js({}), case["current_step"], ts(deadline), case["light"]]
    case_values += [js({case["current_step"]: 1})]  # step_runs: the first step runs for the first time
    case_values += [bool(case["needs_return_visit"]), ts(now), ts(now), bool(case.get("photos_public"))]
    case_id = run(cursor, CASE_SQL, case_values).fetchone()[0]
    run(cursor, CASE_TEXT_SQL, [case_id, f"{number.replace('-', ' ')} {tracking.lower()} {template.terms}"])
    timer_values = [
        timer["subject_type"],
        str(case_id),
        district,
        timer["responsible_unit_id"],
        timer["step"],
    ]
    timer_values += [ts(now), timer["limit_amount"], timer["limit_unit"], timer["extension"]]
    timer_values += [timer["calendar_id"], timer["calendar_version"], js([]), ts(deadline), ts(warn)]
    timer_values += [bool(timer["provisional"]), timer["light"], js(timer["rule_ref"]), ts(now)]
    timer_id = run(cursor, TIMER_SQL, timer_values).fetchone()[0]
    step_values = [case_id, district, step["step"], step["unit_id"], ts(now), step["started_by_id"]]
    step_values += [step["limit_amount"], step["limit_unit"], js(step["limit_ref"]), ts(deadline)]
    run(cursor, STEP_SQL, [*step_values, bool(step["provisional"]), timer_id])
    after = _audit_after(template, case_id, timer_id, now, deadline, warn)
    last_id, prev_hash = run(cursor, AUDIT_HEAD_LOCK_SQL, []).fetchone()
    audit_id, request_id = int(last_id) + 1, uuid.uuid4().hex
    content = {"id": audit_id, "at": now.astimezone(dt.UTC).isoformat(timespec="microseconds")}
    content |= {"actor_id": event["actor_id"], "actor_label": template.actor_label}
    content |= {"action": "case.report", "object_type": "cases.case", "object_id": str(case_id)}
    content |= {"object_repr": number, "before": None, "after": _number_safe(after)}
    content |= {"request_id": request_id, "prev_hash": prev_hash}
    digest = _audit_hash(content)
    audit_values = [audit_id, ts(now), event["actor_id"], template.actor_label, str(case_id), number]
    run(cursor, AUDIT_SQL, [*audit_values, js(after), request_id, prev_hash, digest])
    run(cursor, AUDIT_HEAD_SQL, [audit_id, digest, 1])
    event_values = [case_id, case["state"], event["actor_id"], event["actor_unit_id"], event["actor_role"]]
    event_values += [ts(now), event["note"], js(event["data"]), audit_id]
    run(cursor, EVENT_SQL, event_values)
    return int(case_id)


def _number_safe(value: Any) -> Any:
    """As ``cityloop.core.audit_hash._number_safe``: integral floats count as integers."""
    if isinstance(value, float):
        return int(decimal.Decimal(repr(value))) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(k): _number_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_number_safe(v) for v in value]
    return value


def _audit_hash(content: dict[str, Any]) -> str:
    """As ``cityloop.core.audit_hash.entry_hash``: SHA-256 of the sorted, compact JSON."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _audit_after(
    template: Template,
    case_id: int,
    timer_id: int,
    now: dt.datetime,
    deadline: dt.datetime,
    warn: dt.datetime,
) -> dict[str, Any]:
    """The report's audit entry: the case's audited fields, with the timer's start as a part."""
    case, timer = template.case, template.timer
    utc, local = now.astimezone(dt.UTC).isoformat(), deadline.astimezone(template.zone).isoformat()
    timer_after = {"id": timer_id, "subject_type": timer["subject_type"], "subject_id": str(case_id)}
    timer_after |= {k: timer[k] for k in ("responsible_unit_id", "step", "limit_amount", "limit_unit")}
    timer_after |= {"district_id": case["district_id"], "started_at": utc, "extension": timer["extension"]}
    timer_after |= {k: timer[k] for k in ("calendar_id", "calendar_version")}
    timer_after |= {"pauses": [], "deadline_at": local, "warn_at": warn.astimezone(template.zone).isoformat()}
    timer_after |= {"provisional": bool(timer["provisional"]), "revision": 0, "light": timer["light"]}
    timer_after |= dict.fromkeys(("warned_at", "overdue_at", "ended_at", "on_time", "elapsed"))
    timer_after |= {"rule_ref": timer["rule_ref"], "created_at": utc}
    counts = dict.fromkeys(
        ("returns_count", "reworks_count", "extensions_count", "holds_count", "urges_count"), 0
    )
    return {
        "state": case["state"],
        "version": 1,
        **dict.fromkeys(("category_id", "component_id", "condition_id"), None),
        "urgency": case["urgency"],
        **dict.fromkeys(("responsible_unit_id", "duplicate_of_id"), None),
        "current_step": case["current_step"],
        "deadline_at": local,
        **counts,
        "needs_return_visit": bool(case["needs_return_visit"]),
        "return_visit_waiver": "",
        "satisfaction": "",
        "parts": [
            {
                "action": "timer.start",
                "object_type": "timeclock.steptimer",
                "object_id": str(timer_id),
                "before": None,
                "after": timer_after,
            }
        ],
    }

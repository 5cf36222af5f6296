"""A citizen representative's supervision visit (市民代表监督走访) whose findings become reports.

Participation sits below the case loop and keeps the visit; this module, above both, records the
visit and reports each finding through the normal intake (channel ``citizen_rep``, the
representative as the reporter), and writes each case back on its finding, all in one transaction:
a finding the intake refuses leaves no visit behind. The API and the representative's phone page
both call :func:`report_visit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cityloop.core.audit import action_transaction, public_actor
from cityloop.participation import actions
from cityloop.participation.models import Volunteer
from cityloop.participation.models.volunteering import SupervisionVisit

from .actions import submit_report

CHANNEL = "citizen_rep"


def report_visit(
    *,
    representative: Volunteer,
    place: str,
    at: dt.datetime,
    summary: str = "",
    findings: Sequence[dict[str, Any]] = (),
) -> SupervisionVisit:
    """Record the visit and report each finding (``description``, ``lon``, ``lat``) as a case."""
    actor = public_actor()
    with action_transaction():
        visit = actions.record_visit(
            actor=actor,
            representative=representative,
            place=place,
            at=at,
            summary=summary,
            findings=findings,
        )
        for finding in visit.findings.order_by("id"):
            case, _created = submit_report(
                actor=actor,
                channel=CHANNEL,
                description=f"市民代表监督：{finding.description}",
                lon=finding.lon,
                lat=finding.lat,
                address=visit.place,
                reporter_name=representative.name,
                reporter_phone=representative.citizen.phone,
            )
            actions.link_finding(
                actor=actor,
                finding=finding,
                case_id=case.pk,
                case_number=case.number,
                tracking_code=case.tracking_code,
            )
    return visit

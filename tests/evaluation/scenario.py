"""October 2026 in the small city of the ``loop`` fixture: eight cases worked at chosen moments.

Limits (catalog defaults, normal urgency, working time 08:30–12:00 and 14:00–17:30):
accept, verify, register, dispatch, send_check 30 working minutes; check 2 working hours;
close 1 working hour; dispose (0102 condition 1) 4 working hours. Oct 13–15 are working days.

    c1 supervisor_a  accept, register, dispatch → sanitation, extension, dispose, check, close: all on time
    c2 supervisor_a  as c1 but its first check fails late (rework); the second send-for-check is late
    c3 supervisor_a  not accepted
    c4 supervisor_a  accepted late, then not registered late
    c5 hotline (A)   verified on time; dispatched late; disposed late; closed late
    c6 hotline (A)   verified late, then not accepted
    c7 supervisor_a  registered, then voided
    c8 supervisor_b  (community B) dispatched to the water company, returned, dispatched to sanitation,
                     never disposed: overdue pending at the end of October

A second district (东区, :func:`build_east`) has three more, worked by its own people:

    e1 east_supervisor  registered, disposed, checked and closed: all on time
    e2 hotline          verified, registered, disposed late, closed late
    e3 east_supervisor  registered and dispatched, never disposed
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cityloop.cases.models import Case
from tests.cases.conftest import POINT_B
from tests.evaluation.conftest import POINT_E, Driver, SecondDistrict, at


@dataclass
class October:
    cases: dict[str, Case]


def build(d: Driver) -> October:
    org = d.loop.org
    sani, water = org.sanitation.code, org.water.code
    c: dict[str, Case] = {}

    c["c1"] = d.report(at(13, 9, 0))
    c["c1"] = d.run(c["c1"], ("accept", at(13, 9, 10)), ("register", at(13, 9, 20)))
    c["c1"] = d.act(c["c1"], "dispatch", at(13, 9, 30), unit=sani)
    c["c1"] = d.run(
        c["c1"],
        ("request_extension", at(13, 9, 40)),
        ("approve_extension", at(13, 9, 45)),
        ("dispose", at(13, 10, 0)),
        ("send_for_check", at(13, 10, 5)),
        ("check_pass", at(13, 10, 30)),
        ("close", at(13, 10, 40)),
    )

    c["c2"] = d.report(at(13, 9, 0))
    c["c2"] = d.run(c["c2"], ("accept", at(13, 9, 10)), ("register", at(13, 9, 20)))
    c["c2"] = d.act(c["c2"], "dispatch", at(13, 9, 30), unit=sani)
    c["c2"] = d.run(
        c["c2"],
        ("dispose", at(13, 10, 0)),
        ("send_for_check", at(13, 10, 5)),
        ("check_fail", at(14, 10, 5)),  # late: a working day later
        ("dispose", at(14, 11, 0)),
        ("send_for_check", at(14, 14, 30)),  # late: 60 working minutes after 11:00
        ("check_pass", at(14, 14, 45)),
        ("close", at(14, 14, 55)),
    )

    c["c3"] = d.report(at(13, 9, 0))
    c["c3"] = d.act(c["c3"], "not_accept", at(13, 9, 10))

    c["c4"] = d.report(at(13, 9, 0))
    c["c4"] = d.run(c["c4"], ("accept", at(13, 11, 0)), ("not_register", at(13, 14, 30)))

    c["c5"] = d.report(at(13, 9, 0), channel="hotline_12345")
    c["c5"] = d.run(
        c["c5"],
        ("send_for_verification", at(13, 9, 5)),
        ("verify", at(13, 9, 20)),
        ("accept", at(13, 9, 25)),
        ("register", at(13, 9, 30)),
    )
    c["c5"] = d.act(c["c5"], "dispatch", at(13, 10, 30), unit=sani)  # late
    c["c5"] = d.run(
        c["c5"],
        ("dispose", at(15, 16, 0)),  # late: the deadline was 13 Oct 16:30
        ("send_for_check", at(15, 16, 5)),
        ("check_pass", at(15, 16, 30)),
        ("return_visit", at(15, 16, 35)),
        ("close", at(16, 10, 0)),  # late: the deadline was 15 Oct 17:30
    )

    c["c6"] = d.report(at(13, 9, 0), channel="hotline_12345")
    c["c6"] = d.run(
        c["c6"],
        ("send_for_verification", at(13, 9, 5)),
        ("verify", at(13, 14, 30)),
        ("not_accept", at(13, 14, 40)),
    )

    c["c7"] = d.report(at(14, 9, 0))
    c["c7"] = d.run(c["c7"], ("accept", at(14, 9, 5)), ("register", at(14, 9, 10)))
    c["c7"] = d.act(c["c7"], "void", at(14, 9, 20), user=d.user("shift_leader"))

    c["c8"] = d.report(at(14, 9, 0), point=POINT_B, actor=d.user("supervisor_b"))
    c["c8"] = d.run(c["c8"], ("accept", at(14, 9, 5)), ("register", at(14, 9, 10)))
    c["c8"] = d.act(c["c8"], "dispatch", at(14, 9, 15), unit=water)
    c["c8"] = d.act(
        c["c8"], "request_return", at(14, 10, 0), user=d.user("water_handler"), suggested_unit=sani
    )
    c["c8"] = d.act(c["c8"], "approve_return", at(14, 10, 10))
    c["c8"] = d.act(c["c8"], "dispatch", at(14, 10, 20), unit=sani)
    return October(c)


def build_east(d: Driver, east: SecondDistrict) -> October:
    """October in the second district: its cases, worked by its own centre, supervisor and handler."""
    staff, supervisor, handler = (east.users[n] for n in ("east_staff", "east_supervisor", "east_handler"))
    by = {
        "send_for_verification": staff,
        "verify": supervisor,
        "accept": staff,
        "register": staff,
        "dispatch": staff,
        "dispose": handler,
        "send_for_check": staff,
        "check_pass": supervisor,
        "return_visit": staff,
        "close": staff,
    }
    sani = east.sanitation.code

    def run(case: Case, *steps: tuple[str, dt.datetime]) -> Case:
        for name, when in steps:
            extra: dict[str, Any] = {"unit": sani} if name == "dispatch" else {}
            if name == "dispose":  # the handler's own photo of the work done
                extra["attachments"] = [d.loop.photo(handler)]
            case = d.act(case, name, when, user=by[name], **extra)
        return case

    c: dict[str, Case] = {}
    c["e1"] = d.report(at(13, 9, 0), point=POINT_E, actor=supervisor)
    c["e1"] = run(
        c["e1"],
        ("accept", at(13, 9, 10)),
        ("register", at(13, 9, 20)),
        ("dispatch", at(13, 9, 30)),
        ("dispose", at(13, 10, 0)),
        ("send_for_check", at(13, 10, 5)),
        ("check_pass", at(13, 10, 30)),
        ("close", at(13, 10, 40)),
    )
    c["e2"] = d.report(at(13, 9, 0), channel="hotline_12345", point=POINT_E, actor=staff)
    c["e2"] = run(
        c["e2"],
        ("send_for_verification", at(13, 9, 5)),
        ("verify", at(13, 9, 20)),
        ("accept", at(13, 9, 25)),
        ("register", at(13, 9, 30)),
        ("dispatch", at(13, 9, 40)),
        ("dispose", at(15, 16, 0)),  # late: the deadline was 13 Oct 16:30
        ("send_for_check", at(15, 16, 5)),
        ("check_pass", at(15, 16, 30)),
        ("return_visit", at(15, 16, 35)),
        ("close", at(16, 10, 0)),  # late
    )
    c["e3"] = d.report(at(14, 9, 0), point=POINT_E, actor=supervisor)
    c["e3"] = run(c["e3"], ("accept", at(14, 9, 5)), ("register", at(14, 9, 10)), ("dispatch", at(14, 9, 15)))
    return October(c)

"""A hotline case's side of the case page: the work order, the hotline's deadline beside CityLoop's
own step deadline, and every message exchanged with the hotline platform (in and out, delivered or
retrying), read from :func:`cityloop.hotline.outbound.exchange`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from cityloop.cases.models import Case
from cityloop.hotline.models import CASE_CHANNEL, Ticket
from cityloop.hotline.outbound import exchange

MESSAGE_TYPES: dict[str, Any] = {
    "work_order": _("work order"),
    "return_visit": _("return visit result"),
    "supervision": _("supervision order"),
    "extension_answer": _("answer to an extension request"),
    "deferral_answer": _("answer to a deferral request"),
    "receipt": _("receipt"),
    "accepted": _("accepted"),
    "refused": _("refused"),
    "transferred_back": _("transferred back"),
    "extension_request": _("extension request"),
    "deferral_request": _("deferral request"),
    "deferral_lifted": _("deferral lifted"),
    "result": _("result"),
    "reopened": _("reopened after an unsatisfied visit"),
    "closed": _("closed"),
    "supervision_ack": _("supervision acknowledged"),
}
STATUSES: dict[str, Any] = {
    "answered": _("answered"),
    "queued": _("queued"),
    "retrying": _("retrying"),
    "delivered": _("delivered"),
    "failed": _("given up"),
}


def hotline_context(case: Case) -> dict[str, Any] | None:
    """The case's hotline ticket and exchange, or None for a case that did not come from a hotline."""
    if case.channel.code not in CASE_CHANNEL.values():
        return None  # only a hotline's channels carry work orders: no look-up for the others
    ticket = Ticket.objects.filter(case=case).select_related("platform").first()
    if ticket is None:
        return None
    messages = [
        {
            **m,
            "type_label": MESSAGE_TYPES.get(m["type"], m["type"]),
            "status_label": STATUSES.get(m["status"], m["status"]),
        }
        for m in exchange(case.pk)
    ]
    late = bool(ticket.hotline_deadline and case.deadline_at and case.deadline_at > ticket.hotline_deadline)
    return {"ticket": ticket, "messages": messages, "step_after_hotline_deadline": late}

"""The case page of a hotline case: the work order, the hotline's deadline beside our own, and the
messages exchanged with the platform, in Chinese."""

from __future__ import annotations

from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.notify.delivery import dispatch_pending
from cityloop.notify.models import Delivery
from tests.hotline.conftest import order, platform, post  # noqa: F401 (fixtures)

from .conftest import html


def test_the_exchange_and_both_deadlines_on_the_case_page(loop, platform, client_as):  # noqa: F811
    answer = post(platform, order("T-77", deadline="2026-12-10T17:30:00+08:00"))
    assert answer.status_code in (200, 201), answer.content
    case = Case.objects.get(external_id="T-77")
    dispatch_pending(timezone.now())  # the worker turns the queued notices into deliveries
    assert Delivery.objects.filter(status="pending").update(attempts=2, last_error="HTTP 500")

    page = html(client_as("operator").get(f"/cases/{case.pk}/"))
    assert "热线工单" in page and "T-77" in page and "市12345平台" in page
    assert "2026-12-10 17:30" in page  # the hotline's deadline
    assert "本系统环节时限" in page
    assert "热线来件" in page and "工单" in page  # the work order in
    assert "签收" in page  # the receipt out
    assert "重试中" in page and "2 次尝试" in page


def test_a_case_from_elsewhere_has_no_hotline_section(loop, client_as):
    case = loop.report()
    assert "热线工单" not in html(client_as("operator").get(f"/cases/{case.pk}/"))

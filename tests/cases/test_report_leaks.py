"""A report never answers with a case its caller may not know about: every check runs before any
look-up, and a retry is recognised only for the same caller (issue 20, "No leaks")."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cityloop.cases.models import Case

from .conftest import POINT_A, POINT_B

pytestmark = pytest.mark.django_db


def _hotline(client: Any, ticket: str, point: tuple[float, float] = POINT_A, **more: Any) -> Any:
    body = {"channel": "hotline_12345", "description": "噪音扰民", "lon": point[0], "lat": point[1]}
    return client.post(
        "/api/v1/reports", {**body, "external_id": ticket, "reporter_phone": "13800000000", **more}
    )


def test_another_callers_ticket_id_is_refused_without_naming_its_case(loop: Any, api_as: Any) -> None:
    first = _hotline(api_as(loop.users["operator"]), "T-100")
    assert first.status_code == 201
    # A supervisor of another community reports, in their own area, under the same channel's ticket.
    outsider = api_as(loop.users["supervisor_b"])
    body = {"channel": "supervisor", "description": "x", "lon": POINT_B[0], "lat": POINT_B[1]}
    own_channel = outsider.post("/api/v1/reports", {**body, "external_id": "T-100"})
    assert own_channel.status_code == 201  # another channel: another ticket
    stolen = _hotline(outsider, "T-100", POINT_B)
    assert stolen.status_code in (403, 409)
    for secret in (first.json()["number"], first.json()["tracking_code"]):
        assert secret not in stolen.content.decode()


def test_the_same_caller_retrying_a_ticket_gets_their_own_case(loop: Any, api_as: Any) -> None:
    operator = api_as(loop.users["operator"])
    first = _hotline(operator, "T-200")
    again = _hotline(operator, "T-200")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and Case.objects.count() == 1


def test_a_retry_is_checked_like_a_new_report_first(loop: Any, api_as: Any) -> None:
    operator = api_as(loop.users["operator"])
    assert _hotline(operator, "T-300").status_code == 201
    # Bad input is refused for what it is, before the ticket id is looked at.
    bad = _hotline(operator, "T-300", appeal_nature=9)
    assert bad.status_code == 400 and "appeal_nature" in bad.json()["errors"]


def test_the_public_cannot_learn_a_case_by_its_ticket_id(loop: Any, api_as: Any) -> None:
    staff = _hotline(api_as(loop.users["operator"]), "T-400")
    citizen = Client(enforce_csrf_checks=True)
    body = {"description": "x", "lon": POINT_A[0], "lat": POINT_A[1], "reporter_phone": "13900000001"}
    # The hotline does not take anonymous reports at all: refused before anything is looked up.
    hotline = citizen.post(
        "/api/v1/reports",
        {**body, "channel": "hotline_12345", "external_id": "T-400"},
        content_type="application/json",
    )
    assert hotline.status_code == 400 and "channel" in hotline.json()["errors"]
    # On a public channel, a ticket id reused without the sender's Idempotency-Key is refused blind.
    app = {**body, "channel": "citizen_app", "external_id": "APP-1"}
    first = citizen.post("/api/v1/reports", app, content_type="application/json")
    again = citizen.post("/api/v1/reports", app, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 409
    for secret in (first.json()["number"], first.json()["tracking_code"], staff.json()["number"]):
        assert secret not in again.content.decode() and secret not in hotline.content.decode()


def test_open311_reports_come_only_through_open311(loop: Any) -> None:
    """The open311 channel takes reports without an account because its own interface checks the
    client's api_key: the general API must not take them without one."""
    import importlib

    from django.apps import apps

    importlib.import_module("cityloop.open311.migrations.0002_channel").load(apps, None)
    body = {"description": "x", "lon": POINT_A[0], "lat": POINT_A[1], "reporter_phone": "13900000001"}
    refused = Client(enforce_csrf_checks=True).post(
        "/api/v1/reports", {**body, "channel": "open311"}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["field"] == "channel"
    assert "/open311/v2/" in refused.json()["detail"] and not Case.objects.exists()

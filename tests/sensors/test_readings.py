"""Sensor readings: an alert becomes a case of the right subclass with its component, repeated
alerts join it, and a recovery closes it (audited) or is left for the supervisor's check."""

from __future__ import annotations

import pytest

from cityloop.cases.models import Case
from cityloop.core.models import AuditEntry
from cityloop.sensors.models import Device, Reading
from tests.sensors.conftest import post_reading, reading

pytestmark = pytest.mark.django_db


def test_alert_becomes_a_component_case_once(devices, network):
    answer = post_reading(network, reading("MH-1", "alert", value=35.0), "m1")
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(number=answer.json()["case_number"])
    assert case.component.code == "9901000101000001"
    assert case.category.code == "0101" and case.channel.code == "iot_sensor"
    # The same message again, and a new alert while the case is open: still one case.
    assert post_reading(network, reading("MH-1", "alert"), "m1").status_code == 200
    joined = post_reading(network, reading("MH-1", "alert", minutes=5), "m2").json()
    assert joined == {"outcome": "joined", "case_number": case.number}
    assert Case.objects.count() == 1
    assert Device.objects.get(code="MH-1").state == "alert"


def test_recovery_closes_the_case_through_an_audited_action(devices, network):
    case_number = post_reading(network, reading("WL-1", "alert", value=0.4), "a").json()["case_number"]
    assert Case.objects.get(number=case_number).category.code == "0406"
    answer = post_reading(network, reading("WL-1", "normal", minutes=30, value=0.0), "b").json()
    assert answer["outcome"] == "closed"
    case = Case.objects.get(number=case_number)
    assert case.state == "voided"
    assert AuditEntry.objects.filter(action="sensor.case.auto_close").count() == 1
    assert AuditEntry.objects.filter(action="case.void").count() == 1
    # A new alert after recovery is a new case.
    again = post_reading(network, reading("WL-1", "alert", minutes=60), "c").json()
    assert again["outcome"] == "case" and again["case_number"] != case_number


def test_recovery_too_late_is_left_for_the_check(devices, network):
    post_reading(network, reading("WL-1", "alert"), "a")
    answer = post_reading(network, reading("WL-1", "normal", minutes=361), "b").json()
    assert answer["outcome"] == "left"
    assert Case.objects.get(number=answer["case_number"]).state == "reported"


def test_policy_check_leaves_the_case_open(devices, network):
    post_reading(network, reading("MH-1", "alert"), "a")
    answer = post_reading(network, reading("MH-1", "normal", minutes=5), "b").json()
    assert answer["outcome"] == "left"
    assert Case.objects.get(number=answer["case_number"]).events.filter(transition="comment").exists()


def test_refusals_name_the_field(devices, network):
    assert post_reading(network, reading("MH-1", "alert"), "x", secret="whsec_" + "B" * 43).status_code == 401
    for body, field in [
        (reading("NOPE", "alert"), "device"),
        (reading("MH-1", "broken"), "state"),
        ({**reading("MH-1", "alert"), "at": "now"}, "at"),
        ({**reading("MH-1", "alert"), "value": "high"}, "value"),
    ]:
        answer = post_reading(network, body, f"bad-{field}")
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field
    assert not Reading.objects.exists() and not Case.objects.exists()


def test_a_reading_from_the_future_is_refused(devices, network):
    import datetime as dt

    ahead = (dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=30)).isoformat()
    answer = post_reading(network, {**reading("WL-1", "alert"), "at": ahead}, "future")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "at"
    assert not Reading.objects.exists() and not Case.objects.exists()
    assert Device.objects.get(code="WL-1").last_seen_at is None


def test_a_late_recovery_older_than_the_alert_changes_nothing(devices, network):
    """A network retrying sends an old "normal" after a new alert: the new case stays open."""
    number = post_reading(network, reading("WL-1", "alert", minutes=30), "new-alert").json()["case_number"]
    late = post_reading(network, reading("WL-1", "normal", minutes=10), "old-normal").json()
    assert late == {"outcome": "noted", "case_number": None}
    assert Case.objects.get(number=number).state == "reported"
    device = Device.objects.get(code="WL-1")
    assert device.state == "alert" and device.open_case.number == number
    # The real recovery, after the alert, closes it.
    assert (
        post_reading(network, reading("WL-1", "normal", minutes=40), "normal").json()["outcome"] == "closed"
    )

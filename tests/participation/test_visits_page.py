"""The citizen representative's phone page for supervision visits: only an approved representative
records one; a finding needs its place and becomes a report the page links to; nothing is half
written when the intake refuses."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cityloop.cases.models import Case
from cityloop.core.audit import public_actor
from cityloop.participation import actions, verification
from cityloop.participation.models.volunteering import SupervisionVisit
from cityloop.web.participation.citizen import SESSION_KEY

from .conftest import PHONE, POINT_A

pytestmark = pytest.mark.django_db


def _phone_client(citizen: Any) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = verification.citizen_token(citizen)
    session.save()
    return client


def test_only_an_approved_representative_records_a_visit(loop: Any, citizen: Any, rep_channel: None) -> None:
    assert Client().get("/public/visits/").status_code == 302  # prove the phone first
    client = _phone_client(citizen)
    assert client.get("/public/visits/").status_code == 403
    rep = actions.register_volunteer(
        actor=public_actor(), citizen=citizen, kind="representative", name="孙代表", street=loop.org.street_a
    )
    assert client.get("/public/visits/").status_code == 403  # not approved yet
    actions.decide_volunteer(actor=loop.users["street_a_manager"], volunteer=rep, approve=True)
    page = client.get("/public/visits/")
    assert page.status_code == 200 and "记录一次走访" in page.content.decode()
    assert "记录监督走访" in client.get("/public/me/").content.decode()


def test_a_finding_becomes_a_report_the_page_links_to(loop: Any, citizen: Any, rep_channel: None) -> None:
    rep = actions.register_volunteer(
        actor=public_actor(), citizen=citizen, kind="representative", name="孙代表", street=loop.org.street_a
    )
    actions.decide_volunteer(actor=loop.users["street_a_manager"], volunteer=rep, approve=True)
    client = _phone_client(citizen)
    # A finding without its place on the map is refused, naming the place; nothing is written.
    refused = client.post("/public/visits/", {"place": "东街道菜市场", "finding": "占道经营"})
    assert refused.status_code == 400 and "地图" in refused.content.decode()
    assert not SupervisionVisit.objects.exists() and not Case.objects.exists()
    done = client.post(
        "/public/visits/",
        {
            "place": "东街道菜市场",
            "summary": "早市秩序一般",
            "finding": "占道经营",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
        },
    )
    assert done.status_code == 302 and done["Location"].endswith("?recorded=1")
    case = Case.objects.get()
    assert (
        case.channel.code == "citizen_rep" and case.reporter_phone == PHONE and "占道经营" in case.description
    )
    finding = SupervisionVisit.objects.get().findings.get()
    assert finding.case_number == case.number
    page = client.get("/public/visits/").content.decode()
    assert f"/public/track/{case.tracking_code}/" in page and "早市秩序一般" in page
    # A visit where all was in order needs no place.
    assert client.post("/public/visits/", {"place": "东街道公园"}).status_code == 302
    assert SupervisionVisit.objects.count() == 2 and Case.objects.count() == 1

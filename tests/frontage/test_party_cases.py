"""The party's phone pages and API for the cases handed to it: only its own, no reporter data, the
two answers, and refusals for everyone else."""

from __future__ import annotations

import pytest
from django.test import Client

from cityloop.cases.models import Case
from cityloop.frontage import index
from cityloop.frontage.models import CorrectionState, SelfCorrection
from tests.cases.conftest import png_bytes

from .loopkit import shop_at_point_a
from .test_loop import registered


@pytest.fixture
def party(loop, actor):
    index.reset()
    return shop_at_point_a(actor)


@pytest.fixture
def waiting(loop, party):
    case = registered(loop)
    return case, SelfCorrection.objects.get(case_id=case.pk)


def phone(user) -> Client:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    client.force_login(user)
    return client


def test_the_party_lands_on_its_cases_and_sees_no_reporter(loop, party, waiting):
    case, correction = waiting
    client = phone(party.account)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/frontage/my/"
    assert "/frontage/me/cases/" in client.get("/frontage/my/").content.decode()  # in the party's nav
    html = client.get("/frontage/me/cases/").content.decode()
    assert correction.category_name in html and "店门口堆放纸箱" in html
    detail = client.get(f"/frontage/me/cases/{correction.pk}/").content.decode()
    assert "店门口堆放纸箱" in detail and 'name="photo"' in detail
    reporter = Case.objects.get(pk=case.pk).reporter
    for secret in (reporter.username, case.number, case.tracking_code):
        assert secret not in html and secret not in detail


def test_the_party_fixes_it_on_the_phone(loop, party, waiting):
    case, correction = waiting
    client = phone(party.account)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        f"/frontage/me/cases/{correction.pk}/fixed",
        {"photo": SimpleUploadedFile("x.png", b"not an image", "image/png")},
    )
    assert bad.status_code == 302 and SelfCorrection.objects.get(pk=correction.pk).state == "waiting"
    done = client.post(
        f"/frontage/me/cases/{correction.pk}/fixed",
        {"photo": SimpleUploadedFile("fixed.png", png_bytes("blue"), "image/png"), "note": "已清理"},
    )
    assert done.status_code == 302 and done["Location"] == "/frontage/me/cases/"
    assert SelfCorrection.objects.get(pk=correction.pk).state == CorrectionState.FIXED
    assert Case.objects.get(pk=case.pk).state == "disposed"
    assert client.get(f"/frontage/me/cases/{correction.pk}/photo").status_code == 200


def test_others_are_refused(loop, party, waiting, actor):
    _case, correction = waiting
    other = shop_at_point_a(actor, n=2, username="shop2")
    assert phone(other.account).get(f"/frontage/me/cases/{correction.pk}/").status_code == 404
    assert (
        phone(other.account).post(f"/frontage/me/cases/{correction.pk}/declined", {"reason": "x"}).status_code
        == 404
    )
    assert phone(loop.users["operator"]).get("/frontage/me/cases/").status_code == 403
    assert Client().get("/frontage/me/cases/").status_code == 302  # to the login page
    assert SelfCorrection.objects.get(pk=correction.pk).state == "waiting"


def test_api_lists_and_answers(loop, party, waiting, api_as):
    case, correction = waiting
    api = api_as(party.account)
    rows = api.get("/api/v1/frontage/me/cases").json()
    assert [r["case"] for r in rows] == [case.number] and "reporter" not in rows[0]
    assert api.get("/api/v1/frontage/me/cases", state="fixed").json() == []
    assert api.get("/api/v1/frontage/me/cases", state="nonsense").status_code == 422
    assert api.post(f"/api/v1/frontage/me/cases/{correction.pk}/declined", {"reason": ""}).status_code == 422
    assert api_as(loop.users["operator"]).get("/api/v1/frontage/me/cases").status_code == 403
    assert api.get("/api/v1/frontage/me/cases/999999").status_code == 404
    answer = api.post(f"/api/v1/frontage/me/cases/{correction.pk}/declined", {"reason": "不是我店的"})
    assert answer.status_code == 200 and answer.json()["state"] == "declined"
    again = api.post(f"/api/v1/frontage/me/cases/{correction.pk}/declined", {"reason": "再说一次"})
    assert again.status_code == 400 and "state" in again.content.decode()


def test_api_fixed_with_a_photo(loop, party, waiting, api_as):
    case, correction = waiting
    api = api_as(party.account)
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = api.client.post(
        f"/api/v1/frontage/me/cases/{correction.pk}/fixed",
        {"photo": SimpleUploadedFile("fixed.png", png_bytes(), "image/png"), "note": "好了"},
        headers=api.headers,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "fixed" and Case.objects.get(pk=case.pk).state == "disposed"

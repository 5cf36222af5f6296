"""Citizens without an account: report, receipt, tracking, rating once the case is closed."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.core.audit import PUBLIC_USERNAME
from cityloop.core.models import AuditEntry

from .conftest import POINT_A, html, png_bytes


def report_data(**kw):
    data = {
        "description": "人行道上有个井盖不见了",
        "lon": str(POINT_A[0]),
        "lat": str(POINT_A[1]),
        "reporter_phone": "13900000000",
        "reporter_name": "王五",
        "key": "pub-1",
    }
    data.update(kw)
    return data


def test_citizen_reports_and_gets_a_tracking_code(loop):
    client = Client()
    form = html(client.get("/public/report/"))
    assert 'name="reporter_phone"' in form and 'data-map="picker"' in form and 'capture="environment"' in form
    photo = SimpleUploadedFile("p.jpg", png_bytes(), content_type="image/png")
    response = client.post("/public/report/", report_data(photos=[photo]))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/public/receipt/{case.tracking_code}/"
    assert case.channel.code == "citizen_web" and case.reporter is None
    assert case.reporter_phone == "13900000000"
    upload = case.attachments.get()
    assert upload.uploaded_by.username == PUBLIC_USERNAME and upload.purpose == "report"
    receipt = html(client.get(response["Location"]))
    assert case.tracking_code in receipt and 'id="tracking-code"' in receipt
    # The same submission again (a double tap) is the same case.
    assert client.post("/public/report/", report_data()).status_code == 302
    assert Case.objects.count() == 1


def test_public_report_errors(loop):
    client = Client()
    response = client.post("/public/report/", report_data(reporter_phone="call me", lon="", lat=""))
    page = html(response)
    assert response.status_code == 400
    assert 'id="id_reporter_phone-err"' in page and 'id="location-err"' in page
    many = [SimpleUploadedFile(f"{i}.png", png_bytes(), content_type="image/png") for i in range(4)]
    too_many = client.post("/public/report/", report_data(photos=many, key="pub-2"))
    assert too_many.status_code == 400 and 'id="id_photos-err"' in html(too_many)
    assert Case.objects.count() == 0


def test_tracking_shows_states_but_no_personal_data(loop):
    client = Client()
    client.post("/public/report/", report_data())
    case = Case.objects.get()
    form = client.get("/public/track/", {"code": case.tracking_code.lower()})
    assert form.status_code == 302 and form["Location"] == f"/public/track/{case.tracking_code}/"
    page = html(client.get(form["Location"]))
    assert case.number in page and "已上报" in page
    assert "13900000000" not in page and "王五" not in page
    unknown = client.get("/public/track/", {"code": "ZZZZZZZZ"})
    assert unknown.status_code == 404 and 'id="code-err"' in html(unknown)
    assert client.get("/public/track/ZZZZZZZZ/").status_code == 404


def test_tracking_shows_the_report_the_place_the_result_and_when_to_expect_it(loop):
    client = Client()
    photo = SimpleUploadedFile("p.jpg", png_bytes(), content_type="image/png")
    client.post("/public/report/", report_data(photos=[photo]))
    case = Case.objects.get()
    own = case.attachments.get()
    page = html(client.get(f"/public/track/{case.tracking_code}/"))
    assert "人行道上有个井盖不见了" in page and 'data-map="case"' in page
    assert f'data-point="{case.lon},{case.lat}"' in page
    assert f"/public/track/{case.tracking_code}/photos/{own.pk}/" in page
    assert client.get(f"/public/track/{case.tracking_code}/photos/{own.pk}/").status_code == 200
    case = loop.drive(case, "send_for_verification", "verify", "accept", "register", "dispatch")
    page = html(client.get(f"/public/track/{case.tracking_code}/"))
    assert (
        'id="public-expected"' in page
        and timezone.localtime(case.deadline_at).strftime("%Y-%m-%d %H:%M") in page
    )
    case = loop.drive(case, "dispose")
    result_photo = case.attachments.exclude(pk=own.pk).get()
    page = html(client.get(f"/public/track/{case.tracking_code}/"))
    assert 'id="public-expected"' not in page and "已清理完毕" in page
    assert f"/photos/{result_photo.pk}/" in page
    assert client.get(f"/public/track/{case.tracking_code}/photos/{result_photo.pk}/").status_code == 200
    # A photo of another case is not found through this case's code.
    other = loop.drive(loop.report(attachments=[loop.photo(loop.users["supervisor_a"], "report")]), "accept")
    other_photo = other.attachments.get()
    assert client.get(f"/public/track/{case.tracking_code}/photos/{other_photo.pk}/").status_code == 404
    assert client.get(f"/public/track/{other.tracking_code}/photos/{other_photo.pk}/").status_code == 200


def test_the_rating_comment_reaches_the_staff_and_the_api(loop, client_as, api_as):
    client = Client()
    case = _closed(loop, client)
    client.post(
        f"/public/track/{case.tracking_code}/rate/",
        {"rating": "2", "comment": "太慢了，拖了三天", "phone_last4": "0000"},
    )
    staff = html(client_as("operator").get(f"/cases/{case.pk}/"))
    assert "2 / 5" in staff and "太慢了，拖了三天" in staff
    public = html(client.get(f"/public/track/{case.tracking_code}/"))
    assert "太慢了" not in public
    detail = api_as(loop.users["operator"]).get(f"/api/v1/cases/{case.pk}").json()
    assert detail["citizen_rating"] == 2 and detail["citizen_comment"] == "太慢了，拖了三天"


def _closed(loop, client):
    client.post("/public/report/", report_data())
    case = Case.objects.get()
    return loop.drive(
        case, "send_for_verification", "verify", "accept", "register", "dispatch", "dispose",
        "send_for_check", "check_pass", "close",
    )  # fmt: skip


def test_rating_once_the_case_is_closed_by_the_reporter_only(loop):
    client = Client()
    client.post("/public/report/", report_data())
    case = Case.objects.get()
    early = client.post(f"/public/track/{case.tracking_code}/rate/", {"rating": "5", "phone_last4": "0000"})
    assert early.status_code == 400 and 'id="id_rating-err"' in html(early)
    case = loop.drive(
        case, "send_for_verification", "verify", "accept", "register", "dispatch", "dispose",
        "send_for_check", "check_pass", "close",
    )  # fmt: skip
    page = html(client.get(f"/public/track/{case.tracking_code}/"))
    assert "已结案" in page and 'name="rating"' in page and 'name="phone_last4"' in page
    stranger = Client()  # knows the tracking code, not the phone
    for proof in ("", "1234"):
        refused = stranger.post(
            f"/public/track/{case.tracking_code}/rate/", {"rating": "1", "phone_last4": proof}
        )
        assert refused.status_code == 400 and 'id="id_phone_last4-err"' in html(refused)
    bad = client.post(f"/public/track/{case.tracking_code}/rate/", {"rating": "9", "phone_last4": "0000"})
    assert bad.status_code == 400
    ok = client.post(
        f"/public/track/{case.tracking_code}/rate/",
        {"rating": "4", "comment": "挺快的", "phone_last4": "0000"},
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.citizen_rating == 4
    entry = AuditEntry.objects.get(action="case.rate")
    assert entry.after == {"citizen_rating": 4, "comment": "挺快的", "proof": "phone"}
    assert entry.actor.username == PUBLIC_USERNAME
    again = client.post(f"/public/track/{case.tracking_code}/rate/", {"rating": "1", "phone_last4": "0000"})
    assert again.status_code == 400
    assert Case.objects.get(pk=case.pk).citizen_rating == 4
    assert 'name="rating"' not in html(client.get(f"/public/track/{case.tracking_code}/"))


def test_the_receipt_link_is_the_reporters_proof(loop):
    import re

    reporter = Client()
    sent = reporter.post("/public/report/", report_data())
    receipt = html(reporter.get(sent["Location"]))
    link = re.search(r'id="receipt-link"><a href="([^"]+)"', receipt).group(1)
    assert "key=" in link
    # Anyone else opening the receipt by its code sees no link.
    assert 'id="receipt-link"' not in html(Client().get(sent["Location"]))
    case = loop.drive(
        Case.objects.get(), "send_for_verification", "verify", "accept", "register", "dispatch", "dispose",
        "send_for_check", "check_pass", "close",
    )  # fmt: skip
    later = Client()  # another day, another browser: the saved link is enough
    page = html(later.get(link.replace("http://testserver", "")))
    assert 'name="rating"' in page and 'name="phone_last4"' not in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    forged = later.post(f"/public/track/{case.tracking_code}/rate/", {"rating": "5", "key": key[:-2] + "xx"})
    assert forged.status_code == 400
    ok = later.post(f"/public/track/{case.tracking_code}/rate/", {"rating": "5", "key": key})
    assert ok.status_code == 302 and Case.objects.get(pk=case.pk).citizen_rating == 5


def test_guessing_the_phone_digits_is_stopped(loop, settings):
    settings.CITYLOOP_RATELIMIT_PROOF_FAILURES = "3/h"
    case = _closed(loop, Client())
    guesser = Client()
    for guess in ("1111", "2222", "3333"):
        assert (
            guesser.post(
                f"/public/track/{case.tracking_code}/rate/", {"rating": "1", "phone_last4": guess}
            ).status_code
            == 400
        )
    stopped = guesser.post(
        f"/public/track/{case.tracking_code}/rate/", {"rating": "1", "phone_last4": "0000"}
    )
    assert stopped.status_code == 429 and int(stopped["Retry-After"]) > 0
    assert Case.objects.get(pk=case.pk).citizen_rating is None


def test_too_many_reports_from_one_phone_are_refused(loop, settings):
    settings.CITYLOOP_RATELIMIT_REPORTS_PER_PHONE = "2/h"
    client = Client()
    for n in range(2):
        assert (
            client.post("/public/report/", report_data(key=f"k{n}", description=f"第{n}处")).status_code
            == 302
        )
    third = client.post("/public/report/", report_data(key="k9", description="第三处"))
    assert third.status_code == 429 and int(third["Retry-After"]) > 0 and "请" in html(third)
    assert Case.objects.count() == 2


def test_public_map_layers_need_no_account(loop):
    client = Client()
    roads = client.get("/public/map/roads.geojson")
    assert roads.status_code == 200 and roads.json()["type"] == "FeatureCollection"
    streets = client.get("/public/map/boundaries.geojson").json()
    assert {f["properties"]["kind"] for f in streets["features"]} == {"street"}
    assert client.get("/public/map/secrets.geojson").status_code == 404

"""Uploaded files behind nginx: with CITYLOOP_PROTECTED_MEDIA set, the three places that send a photo
answer an allowed user with an empty X-Accel-Redirect to nginx's internal location, and everyone
else as before, without the header; unset, they send the bytes themselves."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.cases.models import Attachment, Case
from cityloop.core.files import file_response

from .conftest import png_bytes
from .test_public import report_data

PROTECTED = "/protected-media/"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def photo_case(loop: Any) -> tuple[Case, Attachment]:
    """A reported case in street A with the supervisor's photo."""
    pk = loop.photo(loop.users["supervisor_a"], "report")
    case = loop.drive(loop.report(attachments=[pk]), "accept")
    return case, Attachment.objects.get(pk=pk)


def routes(case: Case, photo: Attachment) -> dict[str, str]:
    return {
        "console": f"/attachments/{photo.pk}/",
        "api": f"/api/v1/attachments/{photo.pk}",
        "public": f"/public/track/{case.tracking_code}/photos/{photo.pk}/",
    }


def assert_redirected(response: Any, photo: Attachment) -> None:
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"{PROTECTED}{photo.file.name}"
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert body(response) == b""


@pytest.fixture
def public_photo(loop: Any) -> tuple[Case, Attachment]:
    """A citizen's report from the public page with one photo."""
    client = Client()
    upload = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    client.post("/public/report/", report_data(photos=[upload]))
    case = Case.objects.latest("pk")
    return case, case.attachments.get()


def test_an_allowed_user_gets_nginxs_redirect_and_no_bytes(settings, loop, client_as, api_as, photo_case):
    settings.CITYLOOP_PROTECTED_MEDIA = PROTECTED
    case, photo = photo_case
    paths = routes(case, photo)
    assert_redirected(client_as("dispatcher").get(paths["console"]), photo)
    assert_redirected(api_as(loop.users["operator"]).get(paths["api"]), photo)


def test_the_tracking_photo_is_redirected_for_its_own_code_only(settings, loop, public_photo, photo_case):
    settings.CITYLOOP_PROTECTED_MEDIA = "protected-media"  # slashes are added
    case, own = public_photo
    assert_redirected(Client().get(routes(case, own)["public"]), own)
    # The other case's photo through this case's code: not found, and no redirect to it.
    _, other = photo_case
    refused = Client().get(f"/public/track/{case.tracking_code}/photos/{other.pk}/")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_a_refused_user_gets_no_redirect(settings, loop, client_as, api_as, photo_case):
    settings.CITYLOOP_PROTECTED_MEDIA = PROTECTED
    case, photo = photo_case
    paths = routes(case, photo)
    answers = {
        "other street's manager": client_as("street_b_manager").get(paths["console"]),
        "anonymous console": Client().get(paths["console"]),
        "other street's manager, API": api_as(loop.users["street_b_manager"]).get(paths["api"]),
        "anonymous API": api_as(None).get(paths["api"]),
        "wrong tracking code": Client().get(f"/public/track/ZZZZZZZZ/photos/{photo.pk}/"),
    }
    for who, response in answers.items():
        assert response.status_code in (302, 401, 403, 404), who
        assert "X-Accel-Redirect" not in response, who
        assert photo.file.name not in body(response).decode(errors="replace"), who
    assert answers["other street's manager"].status_code == 404
    assert answers["other street's manager, API"].status_code == 404
    assert answers["anonymous console"].status_code == 302


def test_without_the_setting_the_bytes_are_sent_as_before(settings, loop, client_as, api_as, photo_case):
    settings.CITYLOOP_PROTECTED_MEDIA = ""
    case, photo = photo_case
    paths = routes(case, photo)
    with photo.file.open("rb") as fh:
        expected = fh.read()
    for response in (
        client_as("dispatcher").get(paths["console"]),
        api_as(loop.users["operator"]).get(paths["api"]),
    ):
        assert response.status_code == 200 and "X-Accel-Redirect" not in response
        assert response["Content-Type"] == "image/png"
        assert body(response) == expected


def test_the_redirect_quotes_the_stored_name(settings, db):
    settings.CITYLOOP_PROTECTED_MEDIA = PROTECTED
    attachment = Attachment(content_type="image/jpeg")
    attachment.file.name = "cases/2026/12/照片 #1?.jpg"
    response = file_response(attachment.file, attachment.content_type, cache_control="no-store")
    assert response["X-Accel-Redirect"] == "/protected-media/cases/2026/12/%E7%85%A7%E7%89%87%20%231%3F.jpg"
    assert response["Cache-Control"] == "no-store" and response["Content-Type"] == "image/jpeg"

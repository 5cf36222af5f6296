"""The case page and its action forms: every field, the timeline, deadlines, and each action."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.cases.models import Attachment, Case

from .conftest import html, png_bytes


def photo(name: str = "after.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes("green"), content_type="image/png")


def test_case_page_shows_fields_timeline_steps_and_photos(loop, client_as):
    report_photo = loop.photo(loop.users["supervisor_a"], "report")
    case = loop.report(attachments=[report_photo], address="东一路12号", reporter_name="张三")
    case = loop.drive(case, "accept", "register")
    page = html(client_as("dispatcher").get(f"/cases/{case.pk}/"))
    for text in (case.number, case.tracking_code, "东一路12号", "0102", case.grid.code, "东一社区"):
        assert text in page, text
    # The timeline: who, what, when and how long.
    assert page.count('<div class="who">') == 3
    assert "supervisor_a" in page and "operator" in page and "shift_leader" in page
    # Deadlines: the finished steps with their on-time verdict, the running one.
    assert page.count("light-green") >= 3
    assert f"/attachments/{report_photo}/" in page
    # The dispatcher's action: dispatch, with the principles' suggestion first.
    assert f'action="/cases/{case.pk}/act/dispatch/"' in page
    assert "/act/accept/" not in page
    assert client_as("dispatcher").get(f"/attachments/{report_photo}/").status_code == 200


def test_taking_an_action_moves_the_case(loop, client_as):
    case = loop.report()
    operator = client_as("operator")
    response = operator.post(
        f"/cases/{case.pk}/act/accept/",
        {"accept-category": "0102", "accept-kind": "event", "accept-version": case.version},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).state == "accepted"
    follow = html(operator.get(response["Location"]))
    assert 'class="msg success"' in follow


def test_htmx_action_redirects_on_success_and_swaps_the_form_on_error(loop, client_as):
    case = loop.drive(loop.report(), "accept")
    shift = client_as("shift_leader")
    missing = shift.post(
        f"/cases/{case.pk}/act/register/", {"register-condition": ""}, headers={"HX-Request": "true"}
    )
    body = html(missing)
    assert missing.status_code == 200 and body.lstrip().startswith("<details")
    assert 'id="id_register-condition-err"' in body
    ok = shift.post(
        f"/cases/{case.pk}/act/register/", {"register-condition": "1"}, headers={"HX-Request": "true"}
    )
    assert ok.status_code == 204 and ok["HX-Redirect"] == f"/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).state == "registered"


def test_errors_show_next_to_the_field_without_htmx(loop, client_as):
    case = loop.report()
    response = client_as("operator").post(
        f"/cases/{case.pk}/act/accept/", {"accept-category": "9999", "accept-kind": "event"}
    )
    page = html(response)
    assert response.status_code == 400
    assert 'id="id_accept-category-err"' in page and "9999" in page
    assert Case.objects.get(pk=case.pk).state == "reported"


def test_stale_version_and_wrong_role_are_clear_messages(loop, client_as):
    case = loop.report()
    operator = client_as("operator")
    stale = operator.post(
        f"/cases/{case.pk}/act/accept/",
        {"accept-category": "0102", "accept-kind": "event", "accept-version": case.version - 1},
    )
    assert stale.status_code == 400 and 'class="error banner"' in html(stale)
    dispatcher = client_as("dispatcher")
    refused = dispatcher.post(
        f"/cases/{case.pk}/act/accept/", {"accept-category": "0102", "accept-kind": "event"}
    )
    assert refused.status_code == 400 and 'class="error banner"' in html(refused)
    assert Case.objects.get(pk=case.pk).state == "reported"
    assert dispatcher.post(f"/cases/{case.pk}/act/fly/", {}).status_code == 404


def test_a_case_outside_the_area_is_404_for_actions_too(loop, client_as, cases_ab):
    response = client_as("street_b_manager").post(
        f"/cases/{cases_ab['a'].pk}/act/comment/", {"comment-note": "x"}
    )
    assert response.status_code == 404


def test_department_disposes_with_photos(loop, client_as, cases_ab):
    case = cases_ab["a"]
    handler = client_as("sanitation_handler")
    page = html(handler.get(f"/cases/{case.pk}/"))
    for name in ("dispose", "request_return", "request_extension", "request_hold"):
        assert f"/act/{name}/" in page, name
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    no_photo = handler.post(f"/cases/{case.pk}/act/dispose/", {"dispose-feedback": "已清理"})
    assert no_photo.status_code == 400 and 'id="id_dispose-photos-err"' in html(no_photo)
    not_an_image = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    before = Attachment.objects.count()
    bad = handler.post(
        f"/cases/{case.pk}/act/dispose/", {"dispose-feedback": "已清理", "dispose-photos": [not_an_image]}
    )
    assert bad.status_code == 400 and 'id="id_dispose-photos-err"' in html(bad)
    assert Attachment.objects.count() == before
    done = handler.post(
        f"/cases/{case.pk}/act/dispose/",
        {"dispose-feedback": "已清理", "dispose-photos": [photo("a.png"), photo("b.png")]},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == "disposed"
    assert list(case.attachments.values_list("purpose", flat=True)) == ["disposal", "disposal"]


def test_unit_requests_extension_hold_and_return_with_a_reason(loop, client_as):
    handler = client_as("sanitation_handler")
    for name, data, state in [
        (
            "request_extension",
            {"reason": "需要采购", "amount": "2", "time_unit": "working_hour"},
            "extension_requested",
        ),
        ("request_hold", {"reason": "等待天气好转"}, "hold_requested"),
        (
            "request_return",
            {"reason": "非我单位职责", "suggested_unit": str(loop.org.street_a.pk)},
            "return_requested",
        ),
    ]:
        case = loop.drive(loop.report(), "accept", "register", "dispatch")
        no_reason = handler.post(f"/cases/{case.pk}/act/{name}/", {f"{name}-reason": ""})
        assert no_reason.status_code == 400 and f'id="id_{name}-reason-err"' in html(no_reason)
        ok = handler.post(f"/cases/{case.pk}/act/{name}/", {f"{name}-{k}": v for k, v in data.items()})
        assert ok.status_code == 302, html(ok)
        assert Case.objects.get(pk=case.pk).state == state


def test_dispatch_form_suggests_a_unit(loop, client_as):
    case = loop.drive(loop.report(), "accept", "register")
    dispatcher = client_as("dispatcher")
    page = html(dispatcher.get(f"/cases/{case.pk}/"))
    assert 'name="dispatch-unit"' in page and "<optgroup" in page
    ok = dispatcher.post(f"/cases/{case.pk}/act/dispatch/", {"dispatch-unit": str(loop.org.sanitation.pk)})
    assert ok.status_code == 302, html(ok)
    case.refresh_from_db()
    assert case.state == "dispatched" and case.responsible_unit == loop.org.sanitation


def test_supervisor_checks_on_the_phone_page(loop, client_as):
    case = loop.drive(loop.report(), "accept", "register", "dispatch", "dispose", "send_for_check")
    supervisor = client_as("supervisor_a")
    page = html(supervisor.get(f"/m/cases/{case.pk}/"))
    assert 'data-map="directions"' in page and "geo:" in page and "/act/check_pass/" in page
    ok = supervisor.post(
        f"/cases/{case.pk}/act/check_pass/",
        {"next": f"/m/cases/{case.pk}/", "check_pass-photos": [photo()]},
    )
    assert ok.status_code == 302 and ok["Location"] == f"/m/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.state == "checked" and case.attachments.filter(purpose="check").count() == 1


def test_a_handler_disposes_on_the_phone_page(loop, client_as):
    case = loop.drive(loop.report(description="路边暴露垃圾 phone-task"), "accept", "register", "dispatch")
    handler = client_as("sanitation_handler")
    home = html(handler.get("/"))  # a handler's home is the phone task list
    assert f"/m/cases/{case.pk}/" in home and "处置" in home and "我要上报" not in home
    page = html(handler.get(f"/m/cases/{case.pk}/"))
    assert 'data-map="directions"' in page
    # The step itself is offered first and unfolded; the requests that step aside come after it.
    assert page.index("/act/dispose/") < page.index("/act/request_return/")
    assert page.index("/act/dispose/") < page.index("/act/request_extension/")
    ok = handler.post(
        f"/cases/{case.pk}/act/dispose/",
        {"next": f"/m/cases/{case.pk}/", "dispose-feedback": "已清运", "dispose-photos": [photo()]},
    )
    assert ok.status_code == 302 and ok["Location"] == f"/m/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.state == "disposed"
    assert f"/m/cases/{case.pk}/" not in html(handler.get("/m/"))


def test_foreign_next_is_ignored(loop, client_as):
    case = loop.report()
    response = client_as("operator").post(
        f"/cases/{case.pk}/act/comment/", {"comment-note": "看一下", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"


def test_attachment_of_an_unknown_photo_is_404(client_as):
    assert client_as("operator").get("/attachments/999999/").status_code == 404


def test_png_helper_is_a_real_image():
    from PIL import Image

    assert Image.open(io.BytesIO(png_bytes())).format == "PNG"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/"])
def test_next_to_another_host_is_ignored(loop, client_as, target):
    """Addresses starting with a slash that a browser still takes to another site (protocol-relative
    ``//host``, and ``/\\host``) must not be followed, plainly or through htmx."""
    case = loop.report()
    operator = client_as("operator")
    plain = operator.post(f"/cases/{case.pk}/act/comment/", {"comment-note": "看一下", "next": target})
    assert plain.status_code == 302 and plain["Location"] == f"/cases/{case.pk}/"
    htmx = operator.post(
        f"/cases/{case.pk}/act/comment/",
        {"comment-note": "再看一下", "next": target},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == f"/cases/{case.pk}/"


def test_photos_are_served_only_to_users_who_may_see_their_case(loop, client_as, api_as):
    """No open /media/ address, even with DEBUG on (``make run``): only the permission-checked
    views serve a photo."""
    import importlib

    from django.test import override_settings
    from django.urls import Resolver404, resolve

    supervisor = loop.users["supervisor_a"]
    photo = loop.photo(supervisor)
    case = loop.report(attachments=[photo])
    stored = case.attachments.get().file.name
    with override_settings(DEBUG=True):
        import cityloop.urls

        importlib.reload(cityloop.urls)
        try:
            with pytest.raises(Resolver404):
                resolve(f"/media/{stored}")
        finally:
            importlib.reload(cityloop.urls)
    assert client_as("supervisor_a").get(f"/attachments/{photo}/").status_code == 200
    assert client_as("supervisor_b").get(f"/attachments/{photo}/").status_code == 404  # another area
    assert Client().get(f"/attachments/{photo}/").status_code == 302  # to the login page
    assert api_as(loop.users["supervisor_b"]).get(f"/api/v1/attachments/{photo}").status_code == 404
    assert api_as(loop.users["operator"]).get(f"/api/v1/attachments/{photo}").status_code == 200


def test_the_breadcrumb_leads_to_a_list_the_user_may_open(loop, client_as):
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    for username, list_url in (
        ("operator", "/cases/"),
        ("sanitation_handler", "/tasks/"),
        ("supervisor_a", "/m/"),
    ):
        client = client_as(username)
        page = html(client.get(f"/cases/{case.pk}/"))
        crumb = page.split('<p class="crumbs">', 1)[1].split("</p>", 1)[0]
        assert f'href="{list_url}"' in crumb, (username, crumb)
        assert client.get(list_url).status_code == 200, username


def test_case_page_offers_likely_duplicates(loop, client_as):
    first = loop.report(description="小区门口垃圾堆了好几天", category="0102", kind="event")
    second = loop.report(description="路边暴露垃圾很臭", category="0102", kind="event")
    page = html(client_as("dispatcher").get(f"/cases/{second.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "疑似重复" in page
    assert f'href="/cases/{first.pk}/">{first.number}</a>' in page
    assert "相距 0 米" in page

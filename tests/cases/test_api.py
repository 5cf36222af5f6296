"""The case API as a client drives it: reports, queue, detail, actions, uploads, tracking."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from cityloop.cases.models import Case

from .conftest import POINT_A, POINT_B, png_bytes


def _report(client, **kw):
    body = {"channel": "supervisor", "description": "井盖破损", "lon": POINT_A[0], "lat": POINT_A[1], **kw}
    return client.post("/api/v1/reports", body)


def test_report_list_detail_and_act(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    created = _report(supervisor)
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    case_id = created.json()["id"]

    operator = api_as(loop.users["operator"])
    queue = operator.get("/api/v1/cases", state="reported").json()
    assert queue["count"] == 1 and queue["items"][0]["number"] == number

    actions = operator.get(f"/api/v1/cases/{case_id}/actions").json()
    assert {a["name"] for a in actions} >= {"accept", "not_accept", "send_for_verification", "comment"}

    accepted = operator.post(f"/api/v1/cases/{case_id}/actions/accept", {"category": "0102", "kind": "event"})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == "accepted"
    detail = operator.get(f"/api/v1/cases/{number}").json()
    assert [e["transition"] for e in detail["timeline"]] == ["report", "accept"]
    assert detail["steps"][0]["step"] == "accept" and detail["steps"][0]["on_time"] is True


def test_api_answers_are_kept_by_no_cache_unless_they_say_otherwise(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    created = _report(supervisor)
    assert created["Cache-Control"] == "private, no-store"
    detail = supervisor.get(f"/api/v1/cases/{created.json()['number']}")
    assert detail.status_code == 200 and detail["Cache-Control"] == "private, no-store"
    missing = supervisor.get("/api/v1/cases/999999999")
    assert missing.status_code == 404 and missing["Cache-Control"] == "private, no-store"
    assert Client().get("/api/v1/cases")["Cache-Control"] == "private, no-store"  # 401 too


def test_wrong_role_403_wrong_state_409_unknown_404(loop, api_as):
    case_id = _report(api_as(loop.users["supervisor_a"])).json()["id"]
    dispatcher = api_as(loop.users["dispatcher"])
    forbidden = dispatcher.post(f"/api/v1/cases/{case_id}/actions/accept", {"category": "0102"})
    assert forbidden.status_code == 403
    shift = api_as(loop.users["shift_leader"])
    conflict = shift.post(f"/api/v1/cases/{case_id}/actions/register", {"condition": 1})
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["state"] == "reported" and "void" in body["allowed"]
    assert shift.post(f"/api/v1/cases/{case_id}/actions/fly", {}).status_code == 404
    bad = api_as(loop.users["operator"]).post(f"/api/v1/cases/{case_id}/actions/accept", {})
    assert bad.status_code == 400 and "category" in bad.json()["detail"]


def test_stale_version_is_409_with_current_state(loop, api_as):
    operator = api_as(loop.users["operator"])
    case_id = _report(api_as(loop.users["supervisor_a"])).json()["id"]
    stale = operator.post(f"/api/v1/cases/{case_id}/actions/comment", {"note": "a", "version": 0})
    assert stale.status_code == 409 and stale.json()["state"] == "reported"
    fresh = operator.post(f"/api/v1/cases/{case_id}/actions/comment", {"note": "a", "version": 1})
    assert fresh.status_code == 200


def test_street_never_sees_another_streets_cases(loop, api_as):
    _report(api_as(loop.users["supervisor_a"]))
    street_b = api_as(loop.users["street_b_manager"])
    assert street_b.get("/api/v1/cases").json()["count"] == 0
    case = Case.objects.get()
    assert street_b.get(f"/api/v1/cases/{case.pk}").status_code == 404
    street_a = api_as(loop.users["street_a_manager"])
    assert street_a.get("/api/v1/cases").json()["count"] == 1


def test_idempotency_key_returns_the_same_case(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    first = supervisor.post(
        "/api/v1/reports",
        {"channel": "supervisor", "description": "x", "lon": POINT_A[0], "lat": POINT_A[1]},
        **{"Idempotency-Key": "abc"},
    )
    again = supervisor.post(
        "/api/v1/reports",
        {"channel": "supervisor", "description": "x", "lon": POINT_A[0], "lat": POINT_A[1]},
        **{"Idempotency-Key": "abc"},
    )
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and Case.objects.count() == 1


def test_citizen_reports_without_an_account_and_tracks(loop):
    client = Client(enforce_csrf_checks=True)  # as a citizen's app or browser: no exemption
    missing_phone = client.post(
        "/api/v1/reports",
        {"channel": "citizen_web", "description": "路灯不亮", "lon": POINT_B[0], "lat": POINT_B[1]},
        content_type="application/json",
    )
    assert missing_phone.status_code == 400 and "phone" in missing_phone.json()["detail"]
    hotline = client.post(
        "/api/v1/reports",
        {
            "channel": "hotline_12345",
            "description": "x",
            "lon": POINT_B[0],
            "lat": POINT_B[1],
            "reporter_phone": "13900000000",
        },
        content_type="application/json",
    )
    assert hotline.status_code == 400 and "citizen" in hotline.json()["detail"]
    ok = client.post(
        "/api/v1/reports",
        {
            "channel": "citizen_web",
            "description": "路灯不亮",
            "lon": POINT_B[0],
            "lat": POINT_B[1],
            "reporter_phone": "13900000000",
            "reporter_name": "李女士",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["id"] is None
    code = ok.json()["tracking_code"]
    tracked = client.get(f"/api/v1/track/{code}").json()
    assert tracked["state"] == "reported" and "13900000000" not in str(tracked) and "李" not in str(tracked)
    assert client.get("/api/v1/track/NOPE2345").status_code == 404
    # Anonymous callers cannot read the queue.
    assert client.get("/api/v1/cases").status_code == 401


def test_upload_is_checked_by_content(loop, api_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    handler = api_as(loop.users["sanitation_handler"])
    fake = io.BytesIO(b"MZ\x90\x00 this is not an image")
    fake.name = "photo.jpg"
    refused = handler.client.post("/api/v1/attachments", {"file": fake}, headers=handler.headers)
    assert refused.status_code == 400 and "not a readable image" in refused.json()["detail"]
    good = io.BytesIO(png_bytes())
    good.name = "after.png"
    accepted = handler.client.post("/api/v1/attachments", {"file": good}, headers=handler.headers)
    assert accepted.status_code == 201 and accepted.json()["content_type"] == "image/png"


def test_workflow_doc_matches_the_table():
    out = io.StringIO()
    call_command("workflow", "--format", "mermaid", stdout=out)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "workflow.md").read_text()
    assert out.getvalue() in doc, "docs/workflow.md is stale: regenerate it (see the page's first lines)"


def test_refusals_speak_chinese_by_default(loop, api_as):
    case_id = _report(api_as(loop.users["supervisor_a"])).json()["id"]
    client = api_as(loop.users["dispatcher"])
    client.headers["Accept-Language"] = "zh-hans"
    forbidden = client.post(f"/api/v1/cases/{case_id}/actions/accept", {"category": "0102"})
    assert forbidden.status_code == 403 and "受理" in forbidden.json()["detail"]
    client.headers["Accept-Language"] = "en"
    english = client.post(f"/api/v1/cases/{case_id}/actions/accept", {"category": "0102"})
    assert "accept needs one of these roles" in english.json()["detail"]


def test_csrf_guards_signed_in_sessions_only(loop, api_as):
    """A request without credentials is never refused for CSRF: it is anonymous where the public may
    call and a 401 elsewhere. A signed-in console session must send its CSRF token."""
    anonymous = Client(enforce_csrf_checks=True)
    citizen = {"channel": "citizen_app", "description": "路灯不亮", "lon": POINT_B[0], "lat": POINT_B[1]}
    created = anonymous.post(
        "/api/v1/reports", {**citizen, "reporter_phone": "13900000001"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert anonymous.post("/api/v1/attachments", {}).status_code == 401
    bad_token = {"Authorization": "Bearer not-a-token"}
    assert (
        anonymous.post(
            "/api/v1/reports", citizen, content_type="application/json", headers=bad_token
        ).status_code
        == 401
    )
    # A stale session cookie carries no user: treated as no credentials at all.
    anonymous.cookies["sessionid"] = "expired"
    assert anonymous.post("/api/v1/attachments", {}).status_code == 401

    console = Client(enforce_csrf_checks=True)
    console.force_login(loop.users["supervisor_a"])
    forged = _report(console)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    assert Case.objects.filter(description="井盖破损").count() == 0
    assert console.get("/api/v1/cases").status_code == 200  # reads need no token
    secret = "a" * 32
    console.cookies["csrftoken"] = secret
    sent = console.post(
        "/api/v1/reports",
        {"channel": "supervisor", "description": "井盖破损", "lon": POINT_A[0], "lat": POINT_A[1]},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert (
        sent.status_code == 201
        and Case.objects.get(pk=sent.json()["id"]).reporter == loop.users["supervisor_a"]
    )


def test_filters_and_refs_that_name_nothing_are_refused_or_empty_never_500(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    case = loop.report()
    huge = "9" * 25
    assert supervisor.get("/api/v1/cases", unit=huge).json()["count"] == 0
    assert supervisor.get("/api/v1/cases", unit="²").json()["count"] == 0
    assert supervisor.get("/api/v1/cases", unit=str(case.responsible_unit_id or 0)).status_code == 200
    purple = supervisor.get("/api/v1/cases", light="purple")
    assert purple.status_code == 400 and "green" in purple.json()["detail"]
    assert supervisor.get("/api/v1/cases", light="green").json()["count"] == 1
    for ref in (huge, "²", "0"):
        assert supervisor.get(f"/api/v1/cases/{ref}").status_code == 404
        assert supervisor.get(f"/api/v1/routing/cases/{ref}").status_code == 404
    assert supervisor.get(f"/api/v1/cases/{case.pk}").json()["number"] == case.number
    assert supervisor.get(f"/api/v1/cases/{case.number}").json()["id"] == case.pk


def test_an_unknown_category_is_reported_under_category(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    refused = _report(supervisor, category="9999", kind="event")
    assert refused.status_code == 400
    assert "9999" in refused.json()["errors"]["category"][0] and "code" not in refused.json()["errors"]
    malformed = _report(supervisor, category="12x", kind="event")
    assert malformed.status_code == 400 and "category" in malformed.json()["errors"]
    assert Case.objects.count() == 0


def test_a_key_used_again_for_a_different_report_is_refused(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    body = {"channel": "supervisor", "description": "井盖破损", "lon": POINT_A[0], "lat": POINT_A[1]}
    first = supervisor.post("/api/v1/reports", body, **{"Idempotency-Key": "k-9"})
    other = supervisor.post(
        "/api/v1/reports", {**body, "description": "路灯不亮"}, **{"Idempotency-Key": "k-9"}
    )
    assert other.status_code == 422
    assert "k-9" in other.json()["detail"] and first.json()["number"] in other.json()["detail"]
    again = supervisor.post("/api/v1/reports", body, **{"Idempotency-Key": "k-9"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    # The key is the sender's own: another user's report with the same key is a new case.
    head = api_as(loop.users["operator"]).post(
        "/api/v1/reports", {**body, "channel": "hotline_12345"}, **{"Idempotency-Key": "k-9"}
    )
    assert head.status_code == 201 and Case.objects.count() == 2


def test_the_public_reusing_a_key_learn_nothing_of_another_report(loop):
    citizen = Client(enforce_csrf_checks=True)
    body = {"channel": "citizen_app", "description": "路灯不亮", "lon": POINT_B[0], "lat": POINT_B[1]}
    first = citizen.post(
        "/api/v1/reports",
        {**body, "reporter_phone": "13900000001"},
        content_type="application/json",
        headers={"Idempotency-Key": "1"},
    )
    stranger = citizen.post(
        "/api/v1/reports",
        {**body, "reporter_phone": "13900000002"},
        content_type="application/json",
        headers={"Idempotency-Key": "1"},
    )
    assert first.status_code == 201 and stranger.status_code == 422
    assert first.json()["number"] not in stranger.content.decode()
    assert first.json()["tracking_code"] not in stranger.content.decode()

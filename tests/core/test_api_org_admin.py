"""The administrators' org API: each write inside the caller's area, a 403 or a 400 naming the field
outside it, a 404 for what the caller cannot see."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.core.actions import create_user
from cityloop.core.models import ApiToken, Membership, Role, Unit, User


@pytest.fixture
def east(org, actor, api_as):
    admin = create_user(
        actor=actor, username="east_admin", password="demo-pass-2026", roles=[(org.street_a, Role.ADMIN)]
    )
    return api_as(admin)


def patch(client, path, body):
    import json

    return client.client.patch(
        path, json.dumps(body), content_type="application/json", headers=client.headers
    )


def test_units_are_created_renamed_moved_and_ended_inside_the_area(org, east):
    made = east.post(
        "/api/v1/org/units",
        {"code": "C9", "name": "东九社区", "kind": "community", "parent": org.street_a.code},
    )
    assert made.status_code == 201, made.content
    assert made.json()["parent_code"] == org.street_a.code
    renamed = patch(east, "/api/v1/org/units/C9", {"name": "东九"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "东九"
    ended = east.post("/api/v1/org/units/C9/deactivate", {})
    assert ended.status_code == 200 and ended.json()["active"] is False


def test_outside_the_area_the_api_refuses_and_names_the_field(org, east):
    bad_parent = east.post(
        "/api/v1/org/units", {"code": "C8", "name": "西八", "kind": "community", "parent": org.street_b.code}
    )
    assert bad_parent.status_code == 400 and "parent" in bad_parent.json()["errors"]
    assert east.post(f"/api/v1/org/units/{org.community_a.code}/move", {"parent": org.street_b.code}).json()[
        "errors"
    ].keys() == {"parent"}
    assert patch(east, f"/api/v1/org/units/{org.street_b.code}", {"name": "x"}).status_code == 404
    assert east.post(f"/api/v1/org/units/{org.community_b.pk}/deactivate", {}).status_code == 404
    spy = east.post(
        "/api/v1/org/users",
        {"username": "spy", "display_name": "间谍", "unit": org.street_b.code, "role": "handler"},
    )
    assert spy.status_code == 400 and "unit" in spy.json()["errors"]
    granted = east.post("/api/v1/org/users/supervisor_a/roles", {"unit": org.street_b.code, "role": "admin"})
    assert granted.status_code == 400 and "unit" in granted.json()["errors"]
    assert east.post("/api/v1/org/users/street_b_manager/reset-password").status_code == 404
    # Seen (a district dispatcher's membership covers street A) but not theirs to manage: 403.
    assert east.post("/api/v1/org/users/dispatcher/deactivate").status_code in (403, 404)
    other = Membership.objects.get(user=org.users["street_b_manager"])
    assert east.post(f"/api/v1/org/memberships/{other.pk}/end", {}).status_code == 404
    assert not User.objects.filter(username="spy").exists()
    assert Unit.objects.get(pk=org.community_a.pk).parent_id == org.street_a.pk
    assert User.objects.get(username="street_b_manager").is_active


def test_non_administrators_are_refused(org, api_as):
    manager = api_as(org.users["street_a_manager"])
    answer = manager.post(
        "/api/v1/org/units", {"code": "C7", "name": "x", "kind": "community", "parent": org.street_a.code}
    )
    assert answer.status_code == 403


def test_users_roles_passwords_and_deactivation(org, east):
    made = east.post(
        "/api/v1/org/users",
        {
            "username": "zhao",
            "display_name": "赵六",
            "phone": "13812345678",
            "unit": org.community_a.code,
            "role": "supervisor",
        },
    )
    assert made.status_code == 201, made.content
    password = made.json()["password"]
    zhao = User.objects.get(username="zhao")
    assert zhao.check_password(password) and zhao.must_change_password
    bad_phone = patch(east, "/api/v1/org/users/zhao", {"phone": "123"})
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["errors"]
    assert (
        patch(east, "/api/v1/org/users/zhao", {"display_name": "赵六六"}).json()["display_name"] == "赵六六"
    )
    role = east.post("/api/v1/org/users/zhao/roles", {"unit": org.street_a.code, "role": "handler"})
    assert role.status_code == 201
    ended = east.post(f"/api/v1/org/memberships/{role.json()['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["valid_to"]
    reset = east.post("/api/v1/org/users/zhao/reset-password")
    assert reset.status_code == 200 and reset.json()["password"] != password
    off = east.post(f"/api/v1/org/users/{zhao.pk}/deactivate")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert not ApiToken.objects.filter(user=zhao, revoked_at__isnull=True).exists()


def test_roster_upload_and_export(org, east):
    sheet = f"单位编码,姓名,手机,角色,登录名\n{org.community_a.code},钱七,13812345678,监督员,qian\n"
    upload = SimpleUploadedFile("r.csv", sheet.encode("gb18030"), content_type="text/csv")
    client: Client = east.client
    answer = client.post("/api/v1/org/roster", {"file": upload}, headers=east.headers)
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"][0]["login"] == "qian" and answer.json()["created"][0]["password"]
    bad = SimpleUploadedFile("r.csv", sheet.replace("qian", "qian2").replace("监督员", "皇帝").encode())
    report = client.post("/api/v1/org/roster", {"file": bad}, headers=east.headers)
    assert report.status_code == 200 and report.json()["ok"] is False
    assert report.json()["errors"][0]["column"] == "role"
    assert not User.objects.filter(username="qian2").exists()
    exported = east.get("/api/v1/org/roster/export", format="csv")
    assert exported.status_code == 200 and "qian" in exported.content.decode("utf-8-sig")
    xlsx = east.get("/api/v1/org/roster/export")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert any(row[4] == "qian" for row in book.worksheets[0].iter_rows(values_only=True))

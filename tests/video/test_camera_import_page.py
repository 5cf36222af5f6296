"""Importing cameras in the console (导入摄像头): an administrator uploads a CSV; a file with one bad
row writes nothing and names the row in Chinese; a file placing cameras outside the administrator's
district writes nothing; an operator may not import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry, Role
from cityloop.video.models import Camera
from tests.cases.conftest import POINT_A

pytestmark = pytest.mark.django_db
PAGE = "/video/cameras/import/"


@pytest.fixture
def district_admin(loop, actor):
    return create_user(
        actor=actor, username="cam_admin", password="demo-pass-2026", roles=[(loop.org.district, Role.ADMIN)]
    )


def _upload(user, sheet: str, name: str = "cams.csv"):
    client = Client()
    client.force_login(user)
    return client.post(PAGE, {"file": SimpleUploadedFile(name, sheet.encode("gb18030"))})


def test_an_administrator_imports_a_camera_file_in_the_console(loop, district_admin):
    client = Client()
    client.force_login(district_admin)
    assert f'href="{PAGE}"' in client.get("/video/cameras/").content.decode()
    lon, lat, owner = *POINT_A, loop.org.district.code
    bad = f"编号,名称,经度,纬度,权属单位\nK1,一号,{lon},{lat},{owner}\nK2,二号,abc,{lat},{owner}\n"
    refused = _upload(district_admin, bad)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "第3行" in page and "未导入任何内容" in page
    assert not Camera.objects.filter(code__in=["K1", "K2"]).exists()
    good = f"编号,名称,经度,纬度,权属单位,朝向\nK1,一号,{lon},{lat},{loop.org.district.code},90\n"
    done = _upload(district_admin, good)
    assert done.status_code == 200
    assert "新增1个摄像头" in done.content.decode()
    camera = Camera.objects.get(code="K1")
    assert camera.district == loop.org.district and camera.fov
    assert AuditEntry.objects.filter(action="video.camera.import", actor=district_admin).count() == 1


def test_cameras_outside_the_administrators_district_are_refused(loop, actor, district_admin):
    # The west street's administrator may not place cameras in the east street.
    other = create_user(
        actor=actor, username="b_admin", password="demo-pass-2026", roles=[(loop.org.street_b, Role.ADMIN)]
    )
    lon, lat = POINT_A
    sheet = f"code,name,lon,lat,owner\nK9,九号,{lon},{lat},{loop.org.district.code}\n"
    answer = _upload(other, sheet)
    assert answer.status_code == 403 and "不在你的管辖范围内" in answer.content.decode()
    assert not Camera.objects.filter(code="K9").exists()
    assert _upload(district_admin, sheet, name="cams.txt").status_code == 400
    assert not Camera.objects.filter(code="K9").exists()


def test_an_operator_may_not_import(loop):
    client = Client()
    client.force_login(loop.users["operator"])
    assert client.get(PAGE).status_code == 403
    assert 'href="/video/cameras/import/"' not in client.get("/video/cameras/").content.decode()

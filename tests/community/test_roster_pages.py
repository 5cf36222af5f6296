"""The community set-up import on the console (``/community/import/``) and in the API
(``/api/v1/community/roster``): the report or every bad row, 400 and 403 answers, the template."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.community.models import Post, Professional, Station
from cityloop.core.actions import create_api_token
from cityloop.core.audit import system_actor
from cityloop.core.sheets import read_sheet

from .test_roster import HEADER, csv_bytes, good_sheet, people, row, xlsx

__all__ = ["people"]  # the fixture

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _signed_in(org, name: str) -> Client:
    client = Client()
    client.force_login(org.users[name])
    return client


def _api(org, name: str) -> tuple[Client, dict[str, str]]:
    _, raw = create_api_token(actor=system_actor(), user=org.users[name], name="test")
    return Client(enforce_csrf_checks=True), {"Authorization": f"Bearer {raw}"}


def _upload(content: bytes, name: str = "社区.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _chinese(html: str) -> str:
    """The page's main text without tags, codes and form controls (what a reader sees)."""
    main = html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<code>.*?</code>|<script.*?</script>|<input[^>]*>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


def test_the_page_imports_a_sheet_and_shows_the_counts(org, people):
    client = _signed_in(org, "street_a_manager")
    page = client.get("/community/import/")
    assert page.status_code == 200
    text = _chinese(page.content.decode())
    assert "类别" in text and not re.findall(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)
    answer = client.post("/community/import/", {"file": _upload(xlsx(good_sheet(org)))})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "已导入" in html and "社区工作站" in html and "楼栋长" in html
    assert Station.objects.count() == 1 and Post.objects.count() == 3 and Professional.objects.count() == 2
    assert not re.findall(r"[A-Za-z]{3,}", _chinese(html))


def test_the_page_names_every_bad_row_and_writes_nothing(org, people):
    client = _signed_in(org, "street_a_manager")
    rows = [*good_sheet(org), row("工作站", org.community_b.code, name="西一社区工作站")]
    answer = client.post("/community/import/", {"file": _upload(csv_bytes(rows, "gb18030"), "a.csv")})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "什么也没有导入" in html or "未导入" in html or "没有导入" in html
    assert "西一社区" in html and ">8<" in html and "社区编码" in html
    assert not Station.objects.exists()
    dry = client.post("/community/import/", {"file": _upload(xlsx(good_sheet(org))), "dry_run": "on"})
    assert dry.status_code == 200 and not Station.objects.exists()


def test_the_page_and_template_are_for_managers_of_communities(org):
    assert _signed_in(org, "supervisor_a").get("/community/import/").status_code == 403
    assert _signed_in(org, "supervisor_a").get("/community/import/template.xlsx").status_code == 403
    answer = _signed_in(org, "street_a_manager").get("/community/import/template.xlsx")
    assert answer.status_code == 200 and answer["Content-Type"] == XLSX
    assert read_sheet(answer.content, "t.xlsx")[0] == HEADER
    overview = _signed_in(org, "street_a_manager").get("/community/street/")
    assert "/community/import/" in overview.content.decode()


def test_the_api_imports_and_a_dry_run_writes_nothing(org, people):
    client, headers = _api(org, "street_a_manager")
    url = "/api/v1/community/roster"
    dry = client.post(url, {"file": _upload(xlsx(good_sheet(org))), "dry_run": "true"}, headers=headers)
    assert dry.status_code == 200, dry.content
    assert dry.json()["dry_run"] and dry.json()["counts"]["station"]["created"] == 1
    assert not Station.objects.exists()
    done = client.post(url, {"file": _upload(xlsx(good_sheet(org)))}, headers=headers)
    assert done.status_code == 200 and done.json()["ok"]
    assert done.json()["counts"]["professional"] == {"created": 2, "updated": 0, "unchanged": 0}
    again = client.post(url, {"file": _upload(xlsx(good_sheet(org)))}, headers=headers).json()
    assert again["counts"]["professional"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_the_api_answers_400_naming_rows_and_columns_and_403_to_others(org, people):
    client, headers = _api(org, "street_a_manager")
    url = "/api/v1/community/roster"
    rows = [*good_sheet(org), row("站长", org.community_a.code, login="nobody")]
    bad = client.post(url, {"file": _upload(xlsx(rows))}, headers=headers)
    assert bad.status_code == 400
    body = bad.json()
    assert body["rows"] == [
        {"row": 8, "column": "login", "label": "登录名", "reason": body["rows"][0]["reason"]}
    ]
    assert "nobody" in body["detail"] and body["errors"][0]["field"] == "login"
    assert not Station.objects.exists()
    unreadable = client.post(url, {"file": _upload(b"PK\x03\x04broken", "x.xlsx")}, headers=headers)
    assert unreadable.status_code == 400 and "file" in unreadable.json()["errors"]
    empty = client.post(url, {"file": _upload("类别,社区编码\n".encode(), "x.csv")}, headers=headers)
    assert empty.status_code == 400
    other, other_headers = _api(org, "supervisor_a")
    refused = other.post(url, {"file": _upload(xlsx(good_sheet(org)))}, headers=other_headers)
    assert refused.status_code == 403 and not Station.objects.exists()
    assert other.get(f"{url}/template.xlsx", headers=other_headers).status_code == 403
    template = client.get(f"{url}/template.xlsx", headers=headers)
    assert template.status_code == 200 and read_sheet(template.content, "t.xlsx")[0] == HEADER

"""The console pages of letters, rounds, inspections and notices, and the party's phone pages."""

from __future__ import annotations

import base64
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.cases.models import Case
from cityloop.frontage.letters import issue_letters
from cityloop.frontage.models import Inspection, Letter, Notice, NoticeStatus

from .conftest import code
from .docs_fixtures import signature_png


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_officer_pages_render_and_issue_letters(org, shops):
    officer = login(org.users["street_a_manager"])
    for url in ("/frontage/letters/", "/frontage/rounds/", "/frontage/notices/", "/frontage/import/"):
        assert officer.get(url).status_code == 200, url
    response = officer.post("/frontage/letters/", {"street": org.street_a.code, "year": "2026"})
    assert response.status_code == 302 and Letter.objects.filter(year=2026).count() == 2
    page = officer.get("/frontage/letters/", {"year": 2026}).content.decode()
    assert "东街面馆" in page
    csv = officer.get("/frontage/letters/unsigned.csv", {"year": 2026}).content.decode("utf-8-sig")
    assert "东街药店" in csv
    other = login(org.users["street_b_manager"])
    assert "东街面馆" not in other.get("/frontage/letters/", {"year": 2026}).content.decode()
    refused = other.post("/frontage/letters/", {"street": org.street_a.code, "year": "2026"})
    assert refused.status_code == 403 and Letter.objects.filter(year=2026).count() == 2


def test_plan_inspect_fail_notice_recheck_escalate(org, shops):
    officer = login(org.users["street_a_manager"])
    page = officer.get("/frontage/rounds/", {"street": org.street_a.code}).content.decode()
    choices = page.split('id="p-inspector"')[1].split("</select>")[0]
    # The street's own supervisor is the first choice (the default), before the city's administrator.
    assert choices.index('value="supervisor_a"') < choices.index('value="admin"')
    assert choices.split("<option")[1].startswith(' value="supervisor_a"')
    response = officer.post(
        "/frontage/rounds/",
        {
            "street": org.street_a.code,
            "title": "三月巡查",
            "planned_on": "2026-03-02",
            "inspector": "supervisor_a",
            "parties": [code(1)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    round_url = response["Location"]
    supervisor = login(org.users["supervisor_a"])
    assert supervisor.get(round_url).status_code == 200
    form = supervisor.get(f"/frontage/inspect/{code(1)}/").content.decode()
    assert "无出店经营" in form
    photo = SimpleUploadedFile("p.png", signature_png(), content_type="image/png")
    round_id = round_url.rstrip("/").rsplit("/", 1)[1]
    saved = supervisor.post(
        f"/frontage/inspect/{code(1)}/",
        {
            "round": round_id,
            "item-ord_outside": "fail",
            "note-ord_outside": "桌椅摆到人行道",
            "photos": [photo],
        },
    )
    assert saved.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.score == 85 and len(inspection.photos) == 1
    assert supervisor.get(saved["Location"]).status_code == 200
    assert (
        supervisor.get(f"/frontage/inspections/{inspection.pk}/photos/{inspection.photos[0]}").status_code
        == 200
    )
    notice = Notice.objects.get()
    assert officer.get(f"/frontage/notices/{notice.number}/").status_code == 200
    assert officer.get(f"/frontage/notices/{notice.number}/pdf").status_code == 200
    assert login(org.users["street_b_manager"]).get(f"/frontage/notices/{notice.number}/").status_code == 404
    Notice.objects.filter(pk=notice.pk).update(deadline=notice.deadline - dt.timedelta(days=30))
    assert notice.number in officer.get("/frontage/notices/", {"tab": "overdue"}).content.decode()
    recheck = supervisor.post(
        f"/frontage/inspect/{code(1)}/", {"notice": notice.number, "item-ord_outside": "fail"}
    )
    assert recheck.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ESCALATED and Case.objects.get().number == notice.case_number
    escalated = officer.get(f"/frontage/notices/{notice.number}/").content.decode()
    assert f'<a href="/cases/{notice.case_id}/">{notice.case_number}</a>' in escalated  # opens the case
    assert officer.get(f"/cases/{notice.case_id}/").status_code == 200
    party_page = officer.get(f"/frontage/parties/{code(1)}/").content.decode()
    assert notice.number in party_page and ">85<" in party_page


def test_party_pages_sign_and_answer(org, shops):
    issue_letters(actor=org.users["street_a_manager"], street=org.street_a, year=2026)
    owner = login(shops["owner"])
    assert owner.get("/").status_code == 302
    home = owner.get("/frontage/my/").content.decode()
    assert "东街面馆" in home
    letter = Letter.objects.get(party=shops["noodle"])
    assert owner.get(f"/frontage/my/letters/{letter.pk}/").status_code == 200
    png = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    empty = owner.post(
        f"/frontage/my/letters/{letter.pk}/",
        {"signer_name": "王老板", "signature": "", "content_sha256": letter.content_sha256},
    )
    assert empty.status_code == 200
    signed = owner.post(
        f"/frontage/my/letters/{letter.pk}/",
        {"signer_name": "王老板", "signature": png, "content_sha256": letter.content_sha256},
    )
    assert signed.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "signed"
    assert owner.get(f"/frontage/my/letters/{letter.pk}/pdf").status_code == 200
    # Staff and other parties may not open the party's pages; the party may not open staff pages.
    assert login(org.users["street_a_manager"]).get("/frontage/my/").status_code == 403
    assert login(shops["other_owner"]).get(f"/frontage/my/letters/{letter.pk}/").status_code == 404
    assert owner.get("/frontage/letters/").status_code == 403
    from cityloop.frontage.inspections import record_inspection

    from .docs_fixtures import ticks

    record_inspection(actor=org.users["street_a_manager"], party=shops["noodle"], ticks=ticks(grn_sign=False))
    notice = Notice.objects.get()
    assert owner.get(f"/frontage/my/notices/{notice.number}/").status_code == 200
    answer = owner.post(
        f"/frontage/my/notices/{notice.number}/",
        {
            "note": "招牌已加固",
            "photos": [SimpleUploadedFile("a.png", signature_png(), content_type="image/png")],
        },
    )
    assert answer.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ANSWERED and len(notice.answer_photos) == 1
    assert (
        owner.get(f"/frontage/my/notices/{notice.number}/photos/{notice.answer_photos[0]}").status_code == 200
    )


def test_import_page_shows_row_errors(org, shops):
    officer = login(org.users["street_a_manager"])
    body = "uscc,name\n123,坏代码\n".encode()
    response = officer.post("/frontage/import/", {"file": SimpleUploadedFile("x.csv", body)})
    text = response.content.decode()
    assert response.status_code == 200 and "第2行" in text and "未导入" in text

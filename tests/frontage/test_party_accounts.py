"""The street's officer gives a party its phone account through the API and on the party's page;
the party then signs in with it and lands on its own phone pages. Anyone else is refused and
nothing is written."""

from __future__ import annotations

from django.test import Client

from cityloop.core.models import AuditEntry, User
from cityloop.frontage.models import Party

from .test_docs_console import login

PASSWORD = "Yaodian-2026-pass"


def _api(uscc: str) -> str:
    return f"/api/v1/frontage/parties/{uscc}/account"


def test_officer_gives_an_account_through_the_api(org, shops, api_as):
    pharmacy = shops["pharmacy"]
    officer = api_as(org.users["street_a_manager"])
    assert officer.get(f"/api/v1/frontage/parties/{pharmacy.uscc}").json()["account"] is None

    refused = officer.post(_api(pharmacy.uscc), {"username": "a b", "password": PASSWORD})
    assert refused.status_code == 400 and "username" in refused.json()["errors"]
    weak = officer.post(_api(pharmacy.uscc), {"username": "yaodian", "password": "123"})
    assert weak.status_code == 400 and "password" in weak.json()["errors"]
    assert not User.objects.filter(username="yaodian").exists()

    made = officer.post(_api(pharmacy.uscc), {"username": "yaodian", "password": PASSWORD})
    assert made.status_code == 201, made.content
    assert made.json()["account"] == "yaodian"
    pharmacy.refresh_from_db()
    assert pharmacy.account is not None and pharmacy.account.check_password(PASSWORD)
    assert not pharmacy.account.memberships.exists()  # no role: only its own party's pages
    assert AuditEntry.objects.filter(action="frontage.party.account").count() == 1

    again = officer.post(_api(pharmacy.uscc), {"username": "yaodian2", "password": PASSWORD})
    assert again.status_code == 400 and "party" in again.json()["errors"]


def test_only_the_streets_officer_gives_an_account(org, shops, api_as):
    pharmacy = shops["pharmacy"]
    body = {"username": "yaodian", "password": PASSWORD}
    # Another street's officer does not see the party; the community's supervisor may not manage it.
    assert api_as(org.users["street_b_manager"]).post(_api(pharmacy.uscc), body).status_code == 404
    assert api_as(org.users["supervisor_a"]).post(_api(pharmacy.uscc), body).status_code in (403, 404)
    assert api_as(org.users["street_a_manager"]).post(_api("91XXXX"), body).status_code == 404
    assert (
        login(org.users["street_b_manager"])
        .post(f"/frontage/parties/{pharmacy.uscc}/account", body)
        .status_code
        == 404
    )
    supervisor = login(org.users["supervisor_a"])
    assert supervisor.post(f"/frontage/parties/{pharmacy.uscc}/account", body).status_code == 403
    assert "account-username" not in supervisor.get(f"/frontage/parties/{pharmacy.uscc}/").content.decode()
    assert not User.objects.filter(username="yaodian").exists()
    assert Party.objects.get(pk=pharmacy.pk).account_id is None


def test_officer_gives_an_account_on_the_party_page_and_the_party_signs_in(org, shops):
    pharmacy = shops["pharmacy"]
    page = f"/frontage/parties/{pharmacy.uscc}/"
    officer = login(org.users["street_a_manager"])
    html = officer.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "开通账号" in html and 'name="password"' in html

    wrong = officer.post(f"{page}account", {"username": "yaodian", "password": "123"})
    assert wrong.status_code == 400 and "yaodian" in wrong.content.decode()  # the form keeps the name
    assert Party.objects.get(pk=pharmacy.pk).account_id is None

    done = officer.post(f"{page}account", {"username": "yaodian", "password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == page
    html = officer.get(page).content.decode()
    assert "<code>yaodian</code>" in html and 'name="password"' not in html

    phone = Client()
    assert phone.login(username="yaodian", password=PASSWORD)
    assert phone.get("/frontage/my/").status_code == 200
    assert phone.get(page).status_code == 403  # the party's account is no member of staff

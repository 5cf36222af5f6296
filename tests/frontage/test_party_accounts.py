"""The street's officer gives a party its phone account through the API and on the party's page,
with a temporary password shown once; the party chooses its own at the first sign-in and then
lands on its own phone pages; a forgotten password is replaced the same way. Anyone else is
refused and nothing is written."""

from __future__ import annotations

from django.test import Client

from cityloop.core.models import AuditEntry, User
from cityloop.frontage.models import Party

from .test_console import english_words
from .test_docs_console import login

NEW = "Mianguan-2026-mine"


def _api(uscc: str) -> str:
    return f"/api/v1/frontage/parties/{uscc}/account"


def test_officer_gives_an_account_through_the_api_and_replaces_a_forgotten_password(org, shops, api_as):
    pharmacy = shops["pharmacy"]
    officer = api_as(org.users["street_a_manager"])
    assert officer.get(f"/api/v1/frontage/parties/{pharmacy.uscc}").json()["account"] is None
    none_yet = officer.post(f"{_api(pharmacy.uscc)}/password", {})
    assert none_yet.status_code == 400 and "party" in none_yet.json()["errors"]

    refused = officer.post(_api(pharmacy.uscc), {"username": "a b"})
    assert refused.status_code == 400 and "username" in refused.json()["errors"]
    assert officer.post(_api(pharmacy.uscc), {"username": "shop1"}).status_code == 400  # taken
    assert Party.objects.get(pk=pharmacy.pk).account_id is None

    made = officer.post(_api(pharmacy.uscc), {"username": "yaodian"})
    assert made.status_code == 201, made.content
    assert made["Cache-Control"] == "private, no-store"  # the temporary password is kept by no cache
    body = made.json()
    assert body["username"] == "yaodian" and body["party"]["account"] == "yaodian"
    user = User.objects.get(username="yaodian")
    assert user.check_password(body["temporary_password"]) and user.must_change_password
    assert not user.memberships.exists()  # no role: only its own party's pages
    assert Party.objects.get(pk=pharmacy.pk).account == user
    assert AuditEntry.objects.filter(action="frontage.party.account").count() == 1

    again = officer.post(_api(pharmacy.uscc), {"username": "yaodian2"})
    assert again.status_code == 400 and "party" in again.json()["errors"]

    reset = officer.post(f"{_api(pharmacy.uscc)}/password", {})
    assert reset.status_code == 200, reset.content
    fresh = reset.json()["temporary_password"]
    user.refresh_from_db()
    assert fresh != body["temporary_password"] and user.check_password(fresh) and user.must_change_password
    assert AuditEntry.objects.filter(action="user.reset_password").count() == 1


def test_only_the_streets_officer_gives_an_account(org, shops, api_as):
    pharmacy, noodle = shops["pharmacy"], shops["noodle"]
    body = {"username": "yaodian"}
    # Another street's officer does not see the party; the community's supervisor may not manage it.
    assert api_as(org.users["street_b_manager"]).post(_api(pharmacy.uscc), body).status_code == 404
    assert api_as(org.users["supervisor_a"]).post(_api(pharmacy.uscc), body).status_code in (403, 404)
    assert api_as(org.users["street_b_manager"]).post(f"{_api(noodle.uscc)}/password").status_code == 404
    assert api_as(org.users["street_a_manager"]).post(_api("91XXXX"), body).status_code == 404
    page = f"/frontage/parties/{pharmacy.uscc}/"
    assert login(org.users["street_b_manager"]).post(f"{page}account", body).status_code == 404
    supervisor = login(org.users["supervisor_a"])
    assert supervisor.post(f"{page}account", body).status_code == 403
    assert supervisor.post(f"/frontage/parties/{noodle.uscc}/account/password").status_code == 403
    assert "account-username" not in supervisor.get(page).content.decode()
    assert not User.objects.filter(username="yaodian").exists()
    assert Party.objects.get(pk=pharmacy.pk).account_id is None
    assert shops["owner"].check_password("demo-pass-2026")  # the noodle shop's password stands


def test_officer_gives_an_account_on_the_party_page_and_the_party_signs_in(org, shops):
    pharmacy = shops["pharmacy"]
    page = f"/frontage/parties/{pharmacy.uscc}/"
    officer = login(org.users["street_a_manager"])
    html = officer.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "开通账号" in html and 'name="username"' in html

    wrong = officer.post(f"{page}account", {"username": "a b"})
    assert wrong.status_code == 400 and "a b" in wrong.content.decode()  # the form keeps what was typed
    assert Party.objects.get(pk=pharmacy.pk).account_id is None

    shown = officer.post(f"{page}account", {"username": "yaodian"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    html = shown.content.decode()
    temporary = html.split('data-testid="temporary-password">')[1].split("<")[0]
    assert "临时密码" in html and english_words(html) == {"yaodian"}  # the username, in <code>
    html = officer.get(page).content.decode()
    assert "<code>yaodian</code>" in html and 'name="username"' not in html

    # The party signs in with the temporary password, must choose its own, then has its pages.
    phone = Client()
    assert phone.login(username="yaodian", password=temporary)
    assert phone.get("/frontage/my/").status_code == 302
    changed = phone.post(
        "/account/password/",
        {"old_password": temporary, "new_password": NEW, "new_password2": NEW},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert phone.get("/frontage/my/").status_code == 200
    assert phone.get(page).status_code == 403  # the party's account is no member of staff

    # It forgets its password: the officer gives a new temporary one and its sessions end.
    again = officer.post(f"{page}account/password", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 200
    fresh = again.content.decode().split('data-testid="temporary-password">')[1].split("<")[0]
    assert User.objects.get(username="yaodian").check_password(fresh)
    assert phone.get("/frontage/my/").status_code == 302  # signed out

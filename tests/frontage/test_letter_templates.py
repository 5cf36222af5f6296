"""The text of a street's letters: read, set, previewed and dropped by the street's frontage officer
through the API and the console; the city's default for city administrators; the next letters
issued carry the new text, the ones already issued keep theirs."""

from __future__ import annotations

from cityloop.core.models import AuditEntry
from cityloop.frontage.letters import issue_letters
from cityloop.frontage.models import Letter, LetterTemplate

from .test_docs_console import login

API = "/api/v1/frontage/letter-templates"
PAGE = "/frontage/letters/template/"


def test_officer_sets_previews_and_drops_the_streets_template_through_the_api(org, shops, api_as):
    officer = api_as(org.users["street_a_manager"])
    first = officer.get(f"{API}/{org.street_a.code}").json()
    assert first["source"] == "built_in" and "{party}" in first["body"] and "party" in first["placeholders"]
    assert "东街" in first["preview"] and "{party}" not in first["preview"]  # filled in for a party

    refused = officer.put(f"{API}/{org.street_a.code}", {"title": "东街责任书", "body": "{shop}签订"})
    assert refused.status_code == 400 and "body" in refused.json()["errors"]
    assert not LetterTemplate.objects.exists()

    saved = officer.put(
        f"{API}/{org.street_a.code}", {"title": "东街责任书", "body": "{party}：{duties}（{year}）"}
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["source"] == "street" and body["changed_by"] and body["title"] == "东街责任书"
    assert body["preview"].startswith("东街") and "{" not in body["preview"]
    assert AuditEntry.objects.filter(action="frontage.letter_template.save").count() == 1

    # The street's letters now carry the new text; street B keeps the built-in one.
    issue_letters(actor=org.users["street_a_manager"], street=org.street_a, year=2026)
    letter = Letter.objects.filter(street=org.street_a).first()
    assert letter is not None and letter.title == "东街责任书" and letter.content.endswith("（2026）")

    other = api_as(org.users["street_b_manager"])
    assert other.get(f"{API}/{org.street_a.code}").status_code == 403
    assert other.put(f"{API}/{org.street_a.code}", {"title": "x", "body": "x"}).status_code == 403
    assert other.delete(f"{API}/{org.street_a.code}").status_code == 403
    assert other.get(f"{API}/{org.street_b.code}").json()["source"] == "built_in"
    assert officer.get(f"{API}/NOSUCH").status_code == 400

    dropped = officer.delete(f"{API}/{org.street_a.code}")
    assert dropped.status_code == 200 and dropped.json()["source"] == "built_in"
    assert AuditEntry.objects.filter(action="frontage.letter_template.reset").count() == 1
    letter.refresh_from_db()
    assert letter.title == "东街责任书"  # issued letters keep the text they were issued with


def test_the_citys_default_is_for_city_administrators(org, shops, api_as):
    officer = api_as(org.users["street_a_manager"])
    assert officer.get(f"{API}/city").json()["source"] == "built_in"  # staff may read it
    assert officer.put(f"{API}/city", {"title": "全市", "body": "{party}"}).status_code == 403
    assert officer.delete(f"{API}/city").status_code == 403
    admin = api_as(org.users["admin"])
    saved = admin.put(f"{API}/city", {"title": "全市责任书", "body": "{party}：遵守门前三包"})
    assert saved.status_code == 200 and saved.json()["source"] == "city"
    # A street without its own text uses the city's default, and its preview fills it in.
    street = officer.get(f"{API}/{org.street_a.code}").json()
    assert street["source"] == "city" and street["title"] == "全市责任书"
    assert street["preview"].endswith("：遵守门前三包") and "{party}" not in street["preview"]


def test_officer_edits_the_template_in_the_console(org, shops):
    officer = login(org.users["street_a_manager"])
    page = officer.get(PAGE, {"street": org.street_a.code}).content.decode()
    assert "责任书模板" in page and "{party}" in page and 'data-testid="template-preview"' in page

    # A preview of the text as typed saves nothing; a bad placeholder is refused with its message.
    shown = officer.post(
        PAGE, {"street": org.street_a.code, "step": "preview", "title": "东街责任书", "body": "{party}请遵守"}
    )
    assert shown.status_code == 200 and "预览（尚未保存）" in shown.content.decode()
    assert not LetterTemplate.objects.exists()
    bad = officer.post(PAGE, {"street": org.street_a.code, "step": "save", "title": "东街", "body": "{shop}"})
    assert bad.status_code == 400 and "占位符" in bad.content.decode() and not LetterTemplate.objects.exists()

    saved = officer.post(
        PAGE, {"street": org.street_a.code, "step": "save", "title": "东街责任书", "body": "{party}请遵守"}
    )
    assert saved.status_code == 302
    assert LetterTemplate.objects.get(street=org.street_a).body == "{party}请遵守"
    assert "本街道自己的文本" in officer.get(saved["Location"]).content.decode()

    # Another street's officer cannot write street A's text, nor see its parties in the preview.
    other = login(org.users["street_b_manager"])
    refused = other.post(PAGE, {"street": org.street_a.code, "step": "reset"})
    assert refused.status_code == 403 and LetterTemplate.objects.filter(street=org.street_a).exists()

    reset = officer.post(PAGE, {"street": org.street_a.code, "step": "reset"})
    assert reset.status_code == 302 and not LetterTemplate.objects.exists()
    assert login(org.users["supervisor_a"]).get(PAGE).status_code == 403  # not a frontage officer

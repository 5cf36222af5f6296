"""Responsibility letters: templates, issuing a year's letters, signing on the phone, renewal."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cityloop.core.models import AuditEntry
from cityloop.frontage.letter_templates import save_template
from cityloop.frontage.letters import issue_letters, renew_letters, sign_letter, unsigned, void_letter
from cityloop.frontage.models import Letter, LetterStatus

from .docs_fixtures import signature_png


def test_issue_renders_the_street_template_once_per_party_and_year(org, shops):
    officer = org.users["street_a_manager"]
    save_template(
        actor=officer,
        street=org.street_a,
        title="东街道门前三包责任书",
        body="{party}（{uscc}）负责{duties}，{year}年。",
    )
    made = issue_letters(actor=officer, street=org.street_a, year=2026)
    assert sorted(letter.party.name for letter in made) == ["东街药店", "东街面馆"]
    noodle = Letter.objects.get(party=shops["noodle"])
    assert noodle.content.startswith("东街面馆（") and "市容卫生、秩序、绿化/设施" in noodle.content
    assert noodle.content_sha256 == hashlib.sha256(noodle.content.encode()).hexdigest()
    assert issue_letters(actor=officer, street=org.street_a, year=2026) == []
    assert AuditEntry.objects.filter(action="frontage.letter.issue").count() == 2
    renewed = renew_letters(actor=officer, street=org.street_a, year=2026)
    assert {letter.year for letter in renewed} == {2027} and len(renewed) == 2


def test_city_default_text_when_no_template(org, shops):
    issue_letters(actor=org.users["street_a_manager"], street=org.street_a, year=2026)
    assert "东街道" in Letter.objects.get(party=shops["noodle"]).content


def test_issue_refused_for_other_street_role_and_bad_year(org, shops):
    for user in ("street_b_manager", "supervisor_a", "leader"):
        with pytest.raises(PermissionDenied):
            issue_letters(actor=org.users[user], street=org.street_a, year=2026)
    with pytest.raises(ValidationError) as exc:
        issue_letters(actor=org.users["street_a_manager"], street=org.street_a, year=1900)
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError):
        issue_letters(
            actor=org.users["street_a_manager"], street=org.street_a, year=2026, parties=[shops["flower"]]
        )
    with pytest.raises(ValidationError) as exc:
        save_template(actor=org.users["street_a_manager"], street=org.street_a, title="x", body="{nope}")
    assert "body" in exc.value.message_dict
    assert not Letter.objects.exists()


def test_party_signs_its_letter(org, shops):
    issue_letters(actor=org.users["street_a_manager"], street=org.street_a, year=2026)
    letter = Letter.objects.get(party=shops["noodle"])
    assert sorted(unsigned(Letter.objects.all(), 2026).values_list("party__name", flat=True)) == [
        "东街药店",
        "东街面馆",
    ]
    with pytest.raises(PermissionDenied):
        sign_letter(
            actor=shops["other_owner"], letter=letter, signature_png=signature_png(), signer_name="王"
        )
    with pytest.raises(PermissionDenied):
        sign_letter(
            actor=org.users["street_a_manager"],
            letter=letter,
            signature_png=signature_png(),
            signer_name="王",
        )
    with pytest.raises(ValidationError) as exc:
        sign_letter(actor=shops["owner"], letter=letter, signature_png=b"not a png", signer_name="王")
    assert "signature" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sign_letter(
            actor=shops["owner"],
            letter=letter,
            signature_png=signature_png(),
            signer_name="王",
            content_sha256="0" * 64,
        )
    assert "content_sha256" in exc.value.message_dict
    signed = sign_letter(
        actor=shops["owner"],
        letter=letter,
        signature_png=signature_png(),
        signer_name="王老板",
        content_sha256=letter.content_sha256,
    )
    assert signed.status == LetterStatus.SIGNED and signed.signer_name == "王老板"
    pdf = signed.pdf.read()
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == signed.pdf_sha256
    assert signed.signature.read().startswith(b"\x89PNG")
    entry = AuditEntry.objects.get(action="frontage.letter.sign")
    assert entry.after["content_sha256"] == letter.content_sha256
    with pytest.raises(ValidationError):
        sign_letter(actor=shops["owner"], letter=letter, signature_png=signature_png(), signer_name="王")
    assert list(unsigned(Letter.objects.all(), 2026).values_list("party__name", flat=True)) == ["东街药店"]


def test_void_and_reissue(org, shops):
    officer = org.users["street_a_manager"]
    issue_letters(actor=officer, street=org.street_a, year=2026)
    letter = Letter.objects.get(party=shops["pharmacy"])
    with pytest.raises(PermissionDenied):
        void_letter(actor=org.users["street_b_manager"], letter=letter, reason="错发")
    with pytest.raises(ValidationError):
        void_letter(actor=officer, letter=letter, reason="")
    void_letter(actor=officer, letter=letter, reason="名称有误")
    again = issue_letters(actor=officer, street=org.street_a, year=2026)
    assert [x.party_id for x in again] == [shops["pharmacy"].pk]
    assert Letter.objects.filter(party=shops["pharmacy"], status=LetterStatus.VOID).count() == 1


def test_command_renews_and_lists_unsigned(org, shops, capsys):
    from django.core.management import call_command

    call_command("frontage_letters", "issue", "--year", "2026", "--street", org.street_a.code)
    call_command("frontage_letters", "renew", "--year", "2026", "--street", org.street_a.code)
    assert sorted(Letter.objects.values_list("year", flat=True)) == [2026, 2026, 2027, 2027]
    call_command("frontage_letters", "unsigned", "--year", "2027")
    out = capsys.readouterr().out
    assert "东街面馆" in out and "西街花店" not in out
    call_command("frontage_letters", "overdue")

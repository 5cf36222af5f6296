"""The street's officer forms self-discipline groups on the console (商户自治联盟): a group, parties
joining and leaving, its leader; another street's officer or a supervisor is refused and nothing
changes. The group actions themselves refuse anyone but the street's officer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cityloop.core.models import AuditEntry
from cityloop.frontage.groups import create_group, join_group, members
from cityloop.frontage.models import GroupMembership, SelfDisciplineGroup

from .test_console import english_words
from .test_docs_console import login

PAGE = "/frontage/groups/"


def test_officer_forms_a_group_lets_parties_join_and_names_the_leader(org, shops):
    noodle, pharmacy = shops["noodle"], shops["pharmacy"]
    officer = login(org.users["street_a_manager"])
    html = officer.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "组建联盟" in html and english_words(html) == set()

    empty = officer.post(f"{PAGE}new", {"street": org.street_a.code, "name": " "})
    assert empty.status_code == 400 and "联盟名称" in empty.content.decode()
    elsewhere = officer.post(f"{PAGE}new", {"street": org.street_b.code, "name": "西街联盟"})
    assert elsewhere.status_code == 403 and not SelfDisciplineGroup.objects.exists()
    assert officer.post(f"{PAGE}new", {"street": "nosuch", "name": "x"}).status_code == 400

    made = officer.post(
        f"{PAGE}new", {"street": org.street_a.code, "name": "东街商户自治联盟", "note": "每周互查"}
    )
    assert made.status_code == 302
    group = SelfDisciplineGroup.objects.get(name="东街商户自治联盟", street=org.street_a)
    html = officer.get(PAGE).content.decode()
    assert "东街面馆" in html and "东街药店" in html and "西街花店" not in html  # parties to offer

    member = f"{PAGE}{group.pk}/members"
    for party in (noodle, pharmacy):
        assert officer.post(member, {"step": "join", "party": party.uscc}).status_code == 302
    assert officer.post(member, {"step": "join", "party": noodle.uscc}).status_code == 400  # already in
    assert officer.post(member, {"step": "join", "party": shops["flower"].uscc}).status_code == 400
    assert officer.post(member, {"step": "leader", "party": noodle.uscc}).status_code == 302
    group.refresh_from_db()
    assert group.leader == noodle and {p.pk for p in members(group)} == {noodle.pk, pharmacy.pk}

    assert officer.post(member, {"step": "leave", "party": pharmacy.uscc}).status_code == 302
    assert [p.pk for p in members(group)] == [noodle.pk]
    html = officer.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "盟长" in html and english_words(html) == set()
    actions = set(
        AuditEntry.objects.filter(action__startswith="frontage.group.").values_list("action", flat=True)
    )
    assert actions == {
        "frontage.group.create",
        "frontage.group.join",
        "frontage.group.leader",
        "frontage.group.leave",
    }


def test_only_the_streets_officer_changes_its_groups(org, shops, actor):
    group = create_group(actor=actor, street=org.street_a, name="东街商户自治联盟")
    body = {"step": "join", "party": shops["pharmacy"].uscc}
    url = f"{PAGE}{group.pk}/members"
    assert login(org.users["street_b_manager"]).post(url, body).status_code == 404  # not in its streets
    supervisor = login(org.users["supervisor_a"])
    assert supervisor.post(url, body).status_code == 404  # a community supervisor sees no group
    assert supervisor.post(f"{PAGE}new", {"street": org.street_a.code, "name": "x"}).status_code == 403
    assert "组建联盟" not in supervisor.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert not GroupMembership.objects.exists() and SelfDisciplineGroup.objects.count() == 1

    with pytest.raises(PermissionDenied):
        create_group(actor=org.users["street_b_manager"], street=org.street_a, name="越界联盟")
    with pytest.raises(PermissionDenied):
        join_group(actor=org.users["supervisor_a"], group=group, party=shops["pharmacy"])

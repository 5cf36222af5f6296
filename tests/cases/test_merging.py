"""合并: a duplicate report joins the open case of the same problem; its reporter follows that case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cityloop.cases.engine import perform
from cityloop.cases.models import Case, CaseStep
from cityloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _merge(loop: Any, case: Case, into: str) -> Case:
    return perform(case, "merge", actor=loop.user_for("operator"), payload={"into": into})


def test_a_duplicate_joins_the_earlier_case(loop: Any) -> None:
    first = loop.report(description="小区门口垃圾堆了好几天")
    second = loop.report(description="路边暴露垃圾很臭")
    merged = _merge(loop, second, first.number)
    assert merged.state == "merged" and merged.duplicate_of_id == first.pk
    assert not CaseStep.objects.filter(case=merged, ended_at__isnull=True).exists()  # no clock runs
    entry = AuditEntry.objects.filter(action="case.merge").latest("id")
    assert entry.object_id == str(second.pk) and entry.after["duplicate_of_id"] == first.pk
    event = merged.events.order_by("-seq").first()
    assert event.data["into"] == {"id": first.pk, "number": first.number}
    # The joined case runs on alone.
    assert loop.drive(Case.objects.get(pk=first.pk), "accept").state == "accepted"


@pytest.mark.parametrize("target", ["self", "unknown", "closed", "merged", "other_district"])
def test_only_into_another_open_case_of_the_district(loop: Any, target: str) -> None:
    case = loop.report()
    if target == "self":
        ref = case.number
    elif target == "unknown":
        ref = "990100-20990101-9999"
    elif target == "closed":
        ref = loop.act(loop.report(), "not_accept").number
    elif target == "merged":
        earlier = loop.report()
        ref = _merge(loop, loop.report(), earlier.number).number
    else:
        ref = "0"  # no id 0: the same answer as a case in a district the operator may not see
    with pytest.raises(ValidationError) as refused:
        _merge(loop, case, ref)
    assert "into" in refused.value.message_dict
    case.refresh_from_db()
    assert case.state == "reported" and case.duplicate_of_id is None


def test_not_after_registration(loop: Any) -> None:
    from cityloop.cases.engine import TransitionError

    first = loop.report()
    registered = loop.drive(loop.report(), "accept", "register")
    with pytest.raises(TransitionError) as refused:
        _merge(loop, registered, first.number)
    assert refused.value.status == 409


def test_the_reporter_follows_the_joined_case(loop: Any, api_as: Any, client: Any) -> None:
    first = loop.report(description="小区门口垃圾堆了好几天")
    second = _merge(loop, loop.report(description="路边暴露垃圾很臭"), first.number)
    public = api_as(None)
    body = public.get(f"/api/v1/track/{second.tracking_code}").json()
    assert body["merged_into"] == first.number and body["state"] == "reported"
    loop.drive(Case.objects.get(pk=first.pk), *["accept", "register", "dispatch", "dispose"])
    closed = loop.drive(Case.objects.get(pk=first.pk), "send_for_check", "check_pass", "close")
    assert closed.state == "closed"
    body = public.get(f"/api/v1/track/{second.tracking_code}").json()
    assert body["state"] == "closed" and body["closed_at"] is not None
    assert [h["state"] for h in body["history"]][-1] == "closed"
    track = f"/public/track/{second.tracking_code}/"
    page = client.get(track, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"已合并至案件 {first.number}" in page
    assert "已清理完毕" in page  # the unit's result of the joined case
    assert 'id="public-state">已结案<' in page


def test_an_open311_request_merged_follows_the_joined_case(loop: Any, client: Any) -> None:
    first = loop.report(category="0102", kind="event")
    second = _merge(loop, loop.report(category="0102", kind="event"), first.number)

    def listed(status: str) -> list[str]:
        found = client.get("/open311/v2/requests.json", {"status": status}).json()
        return [r["service_request_id"] for r in found]

    got = client.get(f"/open311/v2/requests/{second.number}.json").json()[0]
    assert got["status"] == "open" and first.number in got["status_notes"]
    assert second.number in listed("open") and second.number not in listed("closed")
    loop.drive(Case.objects.get(pk=first.pk), *["accept", "register", "dispatch", "dispose"])
    loop.drive(Case.objects.get(pk=first.pk), "send_for_check", "check_pass", "close")
    got = client.get(f"/open311/v2/requests/{second.number}.json").json()[0]
    assert got["status"] == "closed" and "已清理完毕" in got["status_notes"]
    assert second.number in listed("closed") and second.number not in listed("open")

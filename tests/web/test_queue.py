"""The command centre's queue: filters, counts per state, sorting, paging and htmx partials."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityloop.cases.models import Case

from .conftest import html


def _numbers(response) -> set[str]:
    return {c.number for c in Case.objects.all() if c.number in html(response)}


def test_my_work_shows_the_states_this_role_acts_in(loop, client_as, cases_ab):
    accepted = loop.drive(loop.report(), "accept")
    dispatcher = html(client_as("dispatcher").get("/cases/"))
    # A dispatcher acts on registered and return/extension/hold requests, not on dispatched cases.
    assert cases_ab["a"].number not in dispatcher and accepted.number not in dispatcher
    shift = html(client_as("shift_leader").get("/cases/"))
    assert accepted.number in shift and cases_ab["b"].number not in shift
    everything = client_as("dispatcher").get("/cases/?view=all")
    assert {cases_ab["a"].number, cases_ab["b"].number, accepted.number} <= _numbers(everything)


def test_counts_per_state_and_state_filter(loop, client_as, cases_ab):
    operator = client_as("operator")
    page = html(operator.get("/cases/?view=open"))
    assert 'href="?view=open&amp;state=dispatched"' in page
    assert "<strong>1</strong>" in page
    only = operator.get("/cases/?view=open&state=reported")
    assert _numbers(only) == {cases_ab["b"].number}
    both = operator.get("/cases/?view=open&state=reported&state=dispatched")
    assert _numbers(both) == {cases_ab["a"].number, cases_ab["b"].number}


def test_filters(loop, client_as, cases_ab):
    operator = client_as("operator")
    a, b = cases_ab["a"], cases_ab["b"]
    org = loop.org
    checks = {
        f"street={org.street_a.pk}": {a.number},
        f"street={org.street_b.pk}": {b.number},
        f"unit={org.sanitation.pk}": {a.number},
        "source=supervisor": {a.number, b.number},
        "source=hotline_12345": set(),
        "category=0102": {a.number},
        "category=暴露": {a.number},
        "q=西街道": {b.number},
        # The keyword box also reads category names: case A was filed under 0102 暴露垃圾.
        "q=暴露垃圾": {a.number, b.number},
        "q=暴露垃圾&state=dispatched": {a.number},
        f"q={b.number}": {b.number},
        f"q={a.tracking_code}": {a.number},
        "light=green": {a.number, b.number},
        "overdue=on": set(),
    }
    for query, expected in checks.items():
        assert _numbers(operator.get(f"/cases/?view=all&{query}")) == expected, query
    today = timezone.localdate()
    assert _numbers(operator.get(f"/cases/?view=all&date_from={today}&date_to={today}")) == {
        a.number,
        b.number,
    }
    tomorrow = today + dt.timedelta(days=1)
    assert _numbers(operator.get(f"/cases/?view=all&date_from={tomorrow}")) == set()


def test_an_empty_result_says_so_once(client_as, cases_ab):
    page = html(client_as("operator").get("/cases/?view=all&q=不存在的东西"))
    assert page.count("没有符合筛选条件的案件") == 1
    assert "0 件" not in page


def test_a_bad_filter_value_shows_its_error_next_to_the_field(client_as, cases_ab):
    response = client_as("operator").get("/cases/?view=all&date_from=not-a-date")
    page = html(response)
    assert response.status_code == 200
    assert 'id="id_date_from-err"' in page and 'aria-invalid="true"' in page
    # The other filters still apply.
    assert cases_ab["a"].number in page


def test_sorting_and_paging(loop, client_as):
    for i in range(30):
        loop.report(description=f"第{i}处垃圾")
    operator = client_as("operator")
    first = html(operator.get("/cases/?view=all&sort=number&per=25"))
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers[0] in first and numbers[-1] not in first
    assert "page=2" in first
    second = html(operator.get("/cases/?view=all&sort=number&per=25&page=2"))
    assert numbers[-1] in second and numbers[0] not in second
    newest = html(operator.get("/cases/?view=all&sort=-number&per=25"))
    assert numbers[-1] in newest and newest.index(numbers[-1]) < newest.index(numbers[-2])
    assert operator.get("/cases/?view=all&sort=deadline_at").status_code == 200
    assert operator.get("/cases/?view=all&sort=urgency").status_code == 200


def test_htmx_gets_only_the_results(client_as, cases_ab):
    operator = client_as("operator")
    partial = operator.get("/cases/?view=all", headers={"HX-Request": "true", "HX-Target": "queue-results"})
    body = html(partial)
    assert body.lstrip().startswith("<section") and "<html" not in body
    assert cases_ab["a"].number in body
    full = html(operator.get("/cases/?view=all"))
    assert "<html" in full and 'hx-get="/cases/"' in full


def test_leaders_see_the_queue_read_only(client_as, cases_ab):
    leader = client_as("leader")
    assert cases_ab["b"].number in html(leader.get("/cases/?view=all"))
    page = html(leader.get(f"/cases/{cases_ab['b'].pk}/"))
    assert "/act/accept/" not in page and "/act/urge/" in page


def test_the_queue_flags_likely_duplicates(loop, client_as):
    first = loop.report(description="小区门口垃圾堆了好几天", category="0102", kind="event")
    second = loop.report(description="路边暴露垃圾很臭", category="0102", kind="event")
    ads = loop.report(description="电线杆上贴满了小广告", category="0201", kind="event")
    page = html(client_as("operator").get("/cases/?view=open", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    flagged = {n for n in (first.number, second.number, ads.number) if n in page}
    assert flagged == {first.number, second.number, ads.number}
    assert page.count('class="badge likely-duplicate"') == 2
    assert f'href="/cases/{ads.pk}/#likely-duplicates"' not in page
    assert f'href="/cases/{second.pk}/#likely-duplicates"' in page

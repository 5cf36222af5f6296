"""Open311 GeoReport v2: every call in JSON and XML, each answer validated against the official
definition; requests become ordinary cases; errors in the specification's format and codes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.core.models import AuditEntry
from cityloop.core.tokens import hash_token
from cityloop.open311.actions import create_client
from cityloop.open311.models import ClientApplication, ServiceRequest
from tests.cases.conftest import PATHS

from .conftest import POINT_A, POINT_B, City

FORMATS = ("json", "xml")


def lat_long(point: tuple[float, float]) -> dict[str, str]:
    return {"lat": str(point[1]), "long": str(point[0])}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_the_catalog_subclasses(city: City, fmt: str) -> None:
    response = city.get(f"services.{fmt}")
    assert response.status_code == 200
    services = city.conformance.validate("/services.{response_format}", "GET", response)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["event-0102"]["metadata"] is True  # the demo conditions give 0102 conditions
    assert "component-0101" in by_code
    assert all(s["type"] == "realtime" for s in services)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_offers_the_registration_conditions(city: City, fmt: str) -> None:
    response = city.get(f"services/event-0102.{fmt}")
    assert response.status_code == 200
    definition = city.conformance.validate("/services/{service_code}.{response_format}", "GET", response)
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "condition" and attribute["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attribute["values"]][:1] == ["1"]
    missing = city.get(f"services/event-9999.{fmt}")
    assert missing.status_code == 404
    errors = city.conformance.validate("/services/{service_code}.{response_format}", "GET", missing)
    assert errors[0]["code"] == 404 and errors[0]["description"].startswith("service_code:")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_posted_request_becomes_an_ordinary_case(city: City, fmt: str) -> None:
    response = city.post(
        fmt,
        **lat_long(POINT_A),
        description="路边有暴露垃圾",
        first_name="张",
        last_name="三",
        phone="13800138000",
        email="zs@example.com",
        media_url="https://example.com/p.jpg",
        **{"attribute[condition]": "1"},
    )
    assert response.status_code == 200, response.content
    (answer,) = city.conformance.validate("/requests.{response_format}", "POST", response)
    case = Case.objects.get(number=answer["service_request_id"])
    assert answer["token"] == case.external_id
    assert case.channel.code == "open311" and case.channel.needs_verification
    assert (case.category.kind, case.category.code) == ("event", "0102")
    assert case.reporter_phone == "13800138000" and case.reporter_name == "张 三"
    assert case.district == city.loop.org.district and case.grid_id is not None
    link = ServiceRequest.objects.get(case=case)
    assert link.client == city.client and link.media_url == "https://example.com/p.jpg"
    assert link.attributes == {"condition": "1"}
    actions = set(AuditEntry.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"case.report", "open311.request"} <= actions
    # Its status follows the case, and nothing private is shown.
    shown = city.get(f"requests/{case.number}.{fmt}")
    (request,) = city.conformance.validate("/requests/{service_request_id}.{response_format}", "GET", shown)
    assert request["status"] == "open" and request["description"] == "路边有暴露垃圾"
    assert request["media_url"] == "https://example.com/p.jpg"
    body = shown.content.decode()
    assert "13800138000" not in body and "张" not in body and "example.com/p" in body
    single = city.get(f"request/{case.number}.{fmt}")
    one = city.conformance.validate("/request/{service_request_id}.{response_format}", "GET", single)
    assert one["service_request_id"] == case.number
    token = city.get(f"tokens/{case.external_id}.{fmt}")
    resolved = city.conformance.validate("/tokens/{token_id}.{response_format}", "GET", token)
    assert resolved == [{"service_request_id": case.number, "token": case.external_id}]


def test_a_request_sent_again_with_its_idempotency_key_makes_one_case(city: City) -> None:
    """A client that lost the answer sends the request again with the same Idempotency-Key: the
    first case is the answer, with its token; the same key with another request is refused."""
    key = {"Idempotency-Key": "app-7f3a-0001"}
    first = city.post(headers=key, **lat_long(POINT_A), description="井盖缺失")
    again = city.post(headers=key, **lat_long(POINT_A), description="井盖缺失")
    assert first.status_code == again.status_code == 200, again.content
    assert again.json() == first.json()
    case = Case.objects.get(number=first.json()[0]["service_request_id"])
    assert Case.objects.filter(channel__code="open311").count() == 1
    assert ServiceRequest.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.filter(action="open311.request").count() == 1
    other = city.post(headers=key, **lat_long(POINT_A), description="另一处路灯不亮")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()[0]["description"]
    assert Case.objects.filter(channel__code="open311").count() == 1
    # Without a key, or with another key, the same text is a new request (a second problem).
    assert city.post(**lat_long(POINT_A), description="井盖缺失").status_code == 200
    assert (
        city.post(
            headers={"Idempotency-Key": "app-7f3a-0002"}, **lat_long(POINT_A), description="井盖缺失"
        ).json()[0]["token"]
        != first.json()[0]["token"]
    )
    assert Case.objects.filter(channel__code="open311").count() == 3
    # Keys are each client's own: another application choosing the same key makes its own case.
    _client, other_key = create_client(actor=city.loop.users["admin"], name="另一个应用")
    body = {
        "api_key": other_key,
        "service_code": "event-0102",
        **lat_long(POINT_A),
        "description": "井盖缺失",
    }
    theirs = city.http.post("/open311/v2/requests.json", body, headers=key)
    assert theirs.status_code == 200 and theirs.json()[0]["token"] != first.json()[0]["token"]
    too_long = city.post(headers={"Idempotency-Key": "k" * 101}, **lat_long(POINT_A))
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()[0]["description"]


def test_the_token_answer_is_a_list_in_json(city: City) -> None:
    answer = city.post(**lat_long(POINT_A)).json()[0]
    token = city.get(f"tokens/{answer['token']}.json")
    assert token.json() == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]


def test_an_address_string_is_placed_by_the_community_it_names(city: City) -> None:
    response = city.post(address_string="东一社区 3号楼前")
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.community == city.loop.org.community_a and case.address == "东一社区 3号楼前"


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "event-9999"}, 400, "service_code"),
        ({"service_code": "garbage"}, 400, "service_code"),
        ({"lat": "abc", "long": "1"}, 400, "lat"),
        ({"lat": "nan", "long": "1"}, 400, "lat"),
        ({"lat": "30.1"}, 400, "long"),
        ({"lat": "1", "long": "1"}, 400, "lat"),
        ({}, 400, "lat"),
        ({"address_id": "A-1"}, 400, "address_id"),
        ({"address_string": "火星路"}, 400, "address_string"),
        ({"media_url": "javascript:alert(1)", "lat": "x"}, 400, "lat"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"phone": "call me"}, 400, "phone"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"attribute[condition]": "99"}, 400, "attribute[condition]"),
        ({"jurisdiction_id": "000000"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_posts_are_refused_naming_the_parameter(
    city: City, params: dict[str, str], status: int, parameter: str
) -> None:
    for fmt in FORMATS:
        placed = {"lat", "long", "address_id", "address_string"} & set(params) or not params
        body = dict(params) if placed else {**lat_long(POINT_A), **params}
        before = Case.objects.count()
        response = city.post(fmt, **body)
        assert response.status_code == status, (fmt, response.content)
        errors = city.conformance.validate("/requests.{response_format}", "POST", response)
        assert errors[0]["code"] == status
        assert errors[0]["description"].startswith(f"{parameter}:"), errors
        assert Case.objects.count() == before


def test_parameters_may_come_in_the_query_string(city: City) -> None:
    query = f"api_key={city.key}&service_code=event-0102&lat={POINT_A[1]}&long={POINT_A[0]}"
    response = city.http.post(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 200, response.content
    assert Case.objects.filter(number=response.json()[0]["service_request_id"]).exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_are_searched_by_date_status_code_and_id(city: City, fmt: str) -> None:
    loop = city.loop
    closed = loop.drive(loop.report(category="0102", kind="event"), *PATHS["closed"])
    opened = Case.objects.get(number=city.post(**lat_long(POINT_B)).json()[0]["service_request_id"])
    uncategorised = loop.report()
    path = "/requests.{response_format}"

    def search(**params: str) -> list[dict[str, object]]:
        response = city.get(f"requests.{fmt}", **params)
        assert response.status_code == 200, response.content
        return city.conformance.validate(path, "GET", response)

    everything = {r["service_request_id"]: r for r in search()}
    assert set(everything) == {closed.number, opened.number}  # a case without a service is no request
    assert uncategorised.number not in everything
    assert everything[closed.number]["status"] == "closed"
    assert "已清理完毕" in everything[closed.number]["status_notes"]  # the unit's public result
    assert "description" not in everything[closed.number]  # another channel's text stays inside
    assert everything[opened.number]["status"] == "open"
    assert [r["service_request_id"] for r in search(status="closed")] == [closed.number]
    assert [r["service_request_id"] for r in search(status="open")] == [opened.number]
    assert len(search(status="open,closed")) == 2
    assert len(search(service_code="event-0102")) == 2
    assert search(service_code="event-0104") == []
    both = search(service_request_id=f"{closed.number},{opened.number}")
    assert {r["service_request_id"] for r in both} == {closed.number, opened.number}
    now = timezone.now()
    assert search(start_date=(now - dt.timedelta(days=3)).isoformat(), end_date=now.isoformat())
    assert search(end_date=(now - dt.timedelta(days=1)).isoformat()) == []
    assert len(search(page_size="1")) == 1 and len(search(page_size="1", page="2")) == 1
    assert search(page_size="1", page="3") == []
    assert isinstance(everything[opened.number]["service_request_id"], str)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page_size": "1001"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"status": "pending"}, "status"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"end_date": "99999-01-01"}, "end_date"),
        ({"service_code": "nope"}, "service_code"),
    ],
)
def test_bad_searches_are_refused_naming_the_parameter(
    city: City, params: dict[str, str], parameter: str
) -> None:
    for fmt in FORMATS:
        response = city.get(f"requests.{fmt}", **params)
        assert response.status_code in (400, 404), response.content
        errors = city.conformance.validate("/requests.{response_format}", "GET", response)
        assert errors[0]["description"].startswith(f"{parameter}:"), errors


def test_unknown_requests_and_tokens_are_404(city: City) -> None:
    for fmt in FORMATS:
        for path in (f"requests/NOSUCH.{fmt}", f"request/NOSUCH.{fmt}", f"tokens/nosuch.{fmt}"):
            response = city.get(path)
            assert response.status_code == 404
            assert city.conformance.validate("/requests.{response_format}", "GET", response)[0]["code"] == 404


def test_updates_extension_lists_the_public_changes(city: City) -> None:
    loop = city.loop
    case = loop.drive(loop.report(category="0102", kind="event"), *PATHS["closed"])
    for fmt in FORMATS:
        response = city.get(f"servicerequestupdates.{fmt}")
        assert response.status_code == 200
        updates = city.conformance.validate("/servicerequestupdates.{response_format}", "GET", response)
        mine = [u for u in updates if u["service_request_id"] == case.number]
        assert mine[-1]["status"] == "closed"
        assert any("已清理完毕" in u.get("description", "") for u in mine)


def test_discovery(city: City) -> None:
    for fmt in FORMATS:
        response = city.get(f"discovery.{fmt}")
        assert response.status_code == 200
        found = city.conformance.validate("/discovery.{response_format}", "GET", response)
        assert found["endpoints"][0]["url"].endswith("/open311/v2")


def test_jurisdiction_is_required_once_there_are_two_districts(city: City) -> None:
    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor

    assert city.get("services.json").status_code == 200
    create_unit(actor=system_actor(), code="990200", name="新区", kind="district", parent=city.loop.org.city)
    for path in ("services.json", "requests.json", "services/event-0102.json"):
        response = city.get(path)
        assert response.status_code == 400
        assert response.json()[0]["description"].startswith("jurisdiction_id:")
    assert city.get("services.json", jurisdiction_id="990100").status_code == 200
    assert city.get("services.json", jurisdiction_id="123").status_code == 404
    assert city.get("requests.json", jurisdiction_id="123").status_code == 401  # as the definition says
    wrong = city.post(jurisdiction_id="990200", **lat_long(POINT_A))
    assert wrong.status_code == 400 and wrong.json()[0]["description"].startswith("jurisdiction_id:")
    right = city.post(jurisdiction_id="990100", **lat_long(POINT_A))
    assert right.status_code == 200
    listed = city.get("requests.json", jurisdiction_id="990100").json()
    assert [r["service_request_id"] for r in listed] == [right.json()[0]["service_request_id"]]
    assert city.get("requests.json", jurisdiction_id="990200").json() == []


def test_hostile_input_never_gets_a_5xx(city: City) -> None:
    checks = [
        ("get", "services.json?jurisdiction_id=%00", 400),
        ("get", "requests.xml?service_request_id=" + ",".join(["x"] * 150), 400),
        ("get", "requests.json?page=99999999999999999999", 400),
        ("get", "requests.json?start_date=2026-13-45", 400),
        ("get", "services.yaml", 404),
        ("get", "services", 404),
        ("get", "nothing/here.xml", 404),
        ("get", "", 404),
        ("get", "requests/" + "9" * 300 + ".json", 404),
        ("get", "tokens/" + "a" * 300 + ".json", 404),
        ("put", "requests.json", 405),
        ("post", "services.json", 405),
        ("get", "requests.json?api_key=o311_nope", 403),
    ]
    for method, path, status in checks:
        response = getattr(city.http, method)(f"/open311/v2/{path}")
        assert response.status_code == status, (path, response.status_code, response.content[:200])
        fmt = "xml" if ".xml" in path else "json"
        assert response["Content-Type"].startswith("text/xml" if fmt == "xml" else "application/json")
    nul = city.http.post("/open311/v2/requests.xml", {"api_key": city.key, "description": "a\x00b"})
    assert nul.status_code == 400 and b"<description>description: contains a NUL" in nul.content
    control = city.post("xml", **lat_long(POINT_A), description="bell\x07 and \x1b escape")
    assert control.status_code == 200
    number = city.conformance.validate("/requests.{response_format}", "POST", control)[0][
        "service_request_id"
    ]
    shown = city.get(f"requests/{number}.xml")
    city.conformance.validate("/requests/{service_request_id}.{response_format}", "GET", shown)


def test_rate_limits_per_key_and_per_address(city: City, settings) -> None:
    settings.CITYLOOP_RATELIMIT_OPEN311_ADDRESS = "2/m"
    assert city.get("services.json").status_code == 200
    assert city.get("services.json").status_code == 200
    limited = city.get("services.xml")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    city.conformance.validate("/services.{response_format}", "GET", limited)
    # A client with its key counts against the key's own limit, not the address's.
    assert city.get("services.json", api_key=city.key).status_code == 200
    settings.CITYLOOP_RATELIMIT_OPEN311_KEY = "1/m"
    assert city.post(**lat_long(POINT_A)).status_code == 429


def test_clients_from_the_command_line_keep_only_a_digest(city: City, capsys) -> None:
    call_command("open311", "clients", "create", "Seattle 311")
    key = capsys.readouterr().out.strip()
    client = ClientApplication.objects.get(name="Seattle 311")
    assert (
        key.startswith("o311_")
        and client.key_hash == hash_token(key)
        and key not in str(ClientApplication.objects.filter(pk=client.pk).values().get())
    )
    assert (
        city.http.post(
            "/open311/v2/requests.json", {"api_key": key, "service_code": "event-0102", **lat_long(POINT_A)}
        ).status_code
        == 200
    )
    call_command("open311", "clients", "revoke", "Seattle 311")
    refused = city.http.post(
        "/open311/v2/requests.json", {"api_key": key, "service_code": "event-0102", **lat_long(POINT_A)}
    )
    assert refused.status_code == 403
    entries = AuditEntry.objects.filter(object_type="open311.clientapplication", object_id=str(client.pk))
    actions = list(entries.order_by("pk").values_list("action", flat=True))
    assert actions == ["open311_client.create", "open311_client.revoke"]

"""What a careless or hostile client sends gets a JSON 4xx that names the field, never a 500, and
nothing half-written stays behind (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from cityloop.cases.models import Attachment, Case, IdempotencyKey
from cityloop.core.models import AuditEntry
from cityloop.routing.actions import create_rule

from .conftest import POINT_A, png_bytes

BIG = 2**63
HUGE = 2**70


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (its data is never valid)."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # IHDR's data starts at byte 16 with width and height as big-endian 32-bit integers; its CRC
    # (over the chunk's type and data) follows at byte 29.
    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def rows() -> tuple[int, ...]:
    return (Case.objects.count(), Attachment.objects.count(), IdempotencyKey.objects.count())


def report_body(**kw: Any) -> dict[str, Any]:
    return {"channel": "supervisor", "description": "井盖破损", "lon": POINT_A[0], "lat": POINT_A[1], **kw}


def assert_names(response: Any, status: int | tuple[int, ...], field: str) -> dict[str, Any]:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    named = [e["field"] for e in body.get("errors") or [] if isinstance(e, dict)]
    assert field in named or body.get("field") == field or body["detail"].startswith(f"{field}:"), body
    return body


@pytest.fixture
def supervisor(loop: Any, api_as: Any) -> Any:
    return api_as(loop.users["supervisor_a"])


@pytest.fixture
def admin(loop: Any, api_as: Any) -> Any:
    return api_as(loop.users["admin"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (report_body(description="井盖\x00破损"), "description"),
        (report_body(address="示范路\x0012号"), "address"),
        (report_body(external_id="T-\x00"), "external_id"),
        (report_body(external_id="T" * 65), "external_id"),
        (report_body(reporter_name="王" * 51), "reporter_name"),
        (report_body(attachments=[HUGE]), "attachments.0"),
        (report_body(appeal_nature=BIG), "appeal_nature"),
        (report_body(lon=1e300), "lon"),
        (report_body(lat=None), "lat"),
    ],
    ids=["nul-description", "nul-address", "nul-external-id", "long-external-id", "long-name", "id-2^70",
         "int-2^63", "lon-1e300", "lat-null"],
)  # fmt: skip
def test_report_body_is_refused_field_by_field(supervisor: Any, body: dict[str, Any], field: str) -> None:
    before = rows()
    assert_names(supervisor.post("/api/v1/reports", body), 422, field)
    assert rows() == before


def test_idempotency_key_over_128_characters(supervisor: Any) -> None:
    before = rows()
    response = supervisor.post("/api/v1/reports", report_body(), **{"Idempotency-Key": "k" * 129})
    assert_names(response, 422, "Idempotency-Key")
    assert rows() == before
    ok = supervisor.post("/api/v1/reports", report_body(), **{"Idempotency-Key": "k" * 128})
    assert ok.status_code == 201


def test_nan_is_not_a_number(supervisor: Any) -> None:
    raw = json.dumps(report_body()).replace(str(POINT_A[0]), "NaN")
    response = supervisor.client.post(
        "/api/v1/reports", raw, content_type="application/json", headers=supervisor.headers
    )
    assert_names(response, 400, "body")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/cases", {"limit": BIG}, "limit"),
        ("/api/v1/cases", {"offset": BIG}, "offset"),
        ("/api/v1/cases", {"limit": 501}, "limit"),
        ("/api/v1/cases", {"limit": 0}, "limit"),
        ("/api/v1/cases", {"q": "井\x00盖"}, "q"),
        ("/api/v1/cases", {"street": "x" * 201}, "street"),
        ("/api/v1/org/units", {"limit": 1000}, "limit"),
        ("/api/v1/routing/rules", {"offset": HUGE}, "offset"),
        (f"/api/v1/attachments/{HUGE}", {}, "attachment_id"),
        (f"/api/v1/routing/rules/{BIG}", {}, "rule_id"),
        (f"/api/v1/evaluations/scores/{HUGE}", {}, "score_id"),
        ("/api/v1/evaluations", {"period": "0000-01"}, "period"),
        ("/api/v1/evaluations", {"period": "9999-12"}, "period"),
        ("/api/v1/evaluations", {"period": "2026-13"}, "period"),
        ("/api/v1/evaluations/report.pdf", {"period": "0000-01"}, "period"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_query_and_path_are_bounded(admin: Any, path: str, params: dict[str, Any], field: str) -> None:
    assert_names(admin.get(path, **params), 422, field)


def test_nul_in_the_path(admin: Any) -> None:
    assert_names(admin.get("/api/v1/cases/12\x00"), 422, "path")


def test_a_bad_period_names_the_field_in_the_domain_too() -> None:
    from django.core.exceptions import ValidationError

    from cityloop.evaluation.periods import parse_period

    for text in ("0000-01", "0001", "9999-Q4"):
        with pytest.raises(ValidationError) as caught:
            parse_period(text)
        assert "period" in caught.value.message_dict
    assert parse_period("1900-01").key == "1900-01" and parse_period("2999-12").key == "2999-12"


def test_rule_patch_with_null_names_each_field(loop: Any, admin: Any) -> None:
    rule = create_rule(actor=loop.users["admin"], name="测试规则", kind="event", target="grid")
    before = (rule.revision, AuditEntry.objects.count())
    for field in ("name", "purpose", "level", "target", "priority", "auto_dispatch", "valid_from"):
        response = admin.client.patch(
            f"/api/v1/routing/rules/{rule.pk}",
            json.dumps({field: None}),
            content_type="application/json",
            headers=admin.headers,
        )
        assert_names(response, 422, field)
    rule.refresh_from_db()
    assert (rule.revision, AuditEntry.objects.count()) == before
    # The fields that may be empty still clear with null.
    cleared = admin.client.patch(
        f"/api/v1/routing/rules/{rule.pk}",
        json.dumps({"kind": None, "note": None}),
        content_type="application/json",
        headers=admin.headers,
    )
    assert cleared.status_code == 200 and cleared.json()["kind"] == ""


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_json_endpoint_refuses_other_bodies(supervisor: Any, content_type: str) -> None:
    before = rows()
    response = supervisor.client.post(
        "/api/v1/reports", json.dumps(report_body()), content_type=content_type, headers=supervisor.headers
    )
    body = assert_names(response, 415, "Content-Type")
    assert content_type in body["detail"]
    assert rows() == before


def test_a_body_over_the_limit_is_a_json_413(supervisor: Any, settings: Any) -> None:
    before = rows()
    huge = report_body(description="井" * 10, address="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10))
    response = supervisor.post("/api/v1/reports", huge)
    assert_names(response, 413, "body")
    assert rows() == before


def test_a_bomb_is_refused_on_the_api(supervisor: Any) -> None:
    before = rows()
    upload = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")
    response = supervisor.client.post("/api/v1/attachments", {"file": upload}, headers=supervisor.headers)
    body = assert_names(response, 400, "file")
    assert "million pixels" in json.dumps(body, ensure_ascii=False)
    assert rows() == before
    # Over the limit but under Pillow's own: still refused.
    upload = SimpleUploadedFile("big.png", bomb_png(10000, 10000), content_type="image/png")
    big = supervisor.client.post("/api/v1/attachments", {"file": upload}, headers=supervisor.headers)
    assert_names(big, 400, "file")
    upload = SimpleUploadedFile("fine.png", png_bytes(), content_type="image/png")
    assert (
        supervisor.client.post(
            "/api/v1/attachments", {"file": upload}, headers=supervisor.headers
        ).status_code
        == 201
    )


def test_a_bomb_is_refused_on_the_public_form(loop: Any) -> None:
    before = rows()
    photo = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")
    data = {
        "description": "人行道上有个井盖不见了",
        "lon": str(POINT_A[0]),
        "lat": str(POINT_A[1]),
        "reporter_phone": "13900000000",
        "key": "bomb-1",
        "photos": [photo],
    }
    response = Client().post("/public/report/", data)
    assert response.status_code == 400 and "id_photos-err" in response.content.decode()
    assert rows() == before


def test_nul_in_a_console_form_is_a_400(loop: Any) -> None:
    before = rows()
    data = {
        "description": "井盖\x00不见了",
        "lon": str(POINT_A[0]),
        "lat": str(POINT_A[1]),
        "reporter_phone": "13900000000",
        "key": "nul-1",
    }
    response = Client().post("/public/report/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "description" in page and "空字符" in page
    assert rows() == before
    # A page that reads the posted values without a form is guarded the same way.
    client = Client()
    client.force_login(loop.users["admin"])
    adjust = client.post(
        "/evaluation/2026-10/deductions/adjust/", {"unit": "D-SANI", "points": "1", "reason": "表\x00扬"}
    )
    assert adjust.status_code == 400 and "reason" in adjust.content.decode()
    assert rows() == before
    # A NUL in a console address or query is refused before any view runs.
    assert Client().get("/public/track/AB\x00CD/").status_code == 400
    assert Client().get("/public/report/", {"x": "\x00"}).status_code == 400


def test_a_broken_multipart_body_is_a_json_400(supervisor: Any) -> None:
    response = supervisor.client.post(
        "/api/v1/attachments", b"--x\r\n", content_type="multipart/form-data", headers=supervisor.headers
    )
    assert_names(response, 400, "body")


def _inputs(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every schema a client sends: (where, schema), through references, unions, lists and objects."""
    components = doc["components"]["schemas"]
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(schema: dict[str, Any], where: str) -> None:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub, where)
        found.append((where, schema))
        if schema.get("type") == "array":
            walk(schema.get("items", {}), where + "[]")
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}")

    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                walk(parameter["schema"], f"{method.upper()} {path} {parameter['name']}")
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                walk(content["schema"], f"{method.upper()} {path} {content_type}")
    return found


def test_openapi_bounds_every_input_and_documents_errors(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    unbounded = []
    for where, schema in _inputs(doc):
        kind = schema.get("type")
        plain = schema.get("format") not in ("date", "date-time", "binary")
        if kind == "string" and plain and not {"maxLength", "enum", "pattern"} & set(schema):
            unbounded.append(where)
        if kind == "integer" and ("maximum" not in schema or "minimum" not in schema):
            unbounded.append(where)
        if kind == "array" and "maxItems" not in schema:
            unbounded.append(where)
    assert unbounded == []
    assert doc["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            codes = set(operation["responses"])
            assert {"400", "404", "422", "429"} <= {str(c) for c in codes}, (method, path)
            if operation.get("requestBody", {}).get("content", {}).get("application/json"):
                assert {"413", "415"} <= {str(c) for c in codes}, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= {str(c) for c in codes}, (method, path)
    limit = next(p for p in doc["paths"]["/api/v1/cases"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500


@pytest.mark.parametrize(
    "path", ["/cases/{n}/", "/attachments/{n}/", "/m/cases/{n}/", "/evaluation/score/{n}/"]
)
def test_a_console_id_beyond_64_bits_is_a_404(loop: Any, path: str) -> None:
    client = Client()
    client.force_login(loop.users["admin"])
    assert client.get(path.format(n=HUGE)).status_code == 404
    assert client.get(path.format(n=BIG)).status_code == 404

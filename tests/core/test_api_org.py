"""The org API, token authentication and the health check, as a client sees them."""

from __future__ import annotations

import io

from django.core.management import call_command

from cityloop.core.models import ApiToken


def test_health_reports_engine_and_migrations(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["engine"] in {"sqlite", "postgresql"}
    assert body["database"]["migrations"] == "up to date"
    assert response["X-Request-ID"]


def test_openapi_and_docs_are_served(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/org/units" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_api_needs_authentication(api_as, org):
    response = api_as(None).get("/api/v1/org/units")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_bad_token_is_refused(api_as, org):
    client = api_as(None)
    client.headers["Authorization"] = "Bearer cl_not-a-real-token"
    assert client.get("/api/v1/org/units").status_code == 401


def test_street_token_lists_only_its_own_units_and_users(api_as, org):
    client = api_as(org.users["street_a_manager"])
    units = client.get("/api/v1/org/units").json()
    assert {u["code"] for u in units["items"]} == {org.street_a.code, org.community_a.code}
    users = client.get("/api/v1/org/users").json()
    names = {u["username"] for u in users["items"]}
    assert "supervisor_a" in names
    assert "street_b_manager" not in names
    # Asking for another street's users by unit code returns nothing, not an error that leaks them.
    other = client.get("/api/v1/org/users", unit=org.street_b.code).json()
    assert other["count"] == 0


def test_users_by_role(api_as, org):
    client = api_as(org.users["admin"])
    body = client.get("/api/v1/org/users", role="supervisor").json()
    assert [u["username"] for u in body["items"]] == ["supervisor_a"]
    assert body["items"][0]["memberships"][0]["role"] == "supervisor"
    bad = client.get("/api/v1/org/users", role="emperor")
    assert bad.status_code == 400 and "unknown role" in bad.json()["detail"]


def test_session_login_works_for_the_api(client, org):
    assert client.login(username="admin", password="demo-pass-2026")
    assert client.get("/api/v1/org/me").json()["username"] == "admin"


def test_token_command_prints_a_working_token(org, client):
    out = io.StringIO()
    call_command("token", "create", "leader", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("cl_")
    response = client.get("/api/v1/org/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.json()["username"] == "leader"
    token = ApiToken.objects.get(user__username="leader")
    assert token.key_hash != raw  # only the hash is stored
    call_command("token", "revoke", token.prefix, stdout=io.StringIO())
    assert client.get("/api/v1/org/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_console_login_and_home(client, org):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post("/login/", {"username": "street_a_manager", "password": "demo-pass-2026"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "东街道" in page


def test_users_by_unit_code_or_id(api_as, org):
    client = api_as(org.users["admin"])
    by_code = client.get("/api/v1/org/users", unit=org.street_a.code).json()
    by_id = client.get("/api/v1/org/users", unit=str(org.street_a.pk)).json()
    assert by_code["count"] > 0 and by_code == by_id
    assert "street_a_manager" in {u["username"] for u in by_id["items"]}
    assert client.get("/api/v1/org/users", unit="999999999").json()["count"] == 0

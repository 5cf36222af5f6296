"""Whatever a client sends, Open311 answers in its own format and never with a 5xx."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import City

NAMES = [
    "api_key",
    "jurisdiction_id",
    "service_code",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "media_url",
    "phone",
    "first_name",
    "attribute[condition]",
    "attribute[",
]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
PARAMS = st.dictionaries(st.sampled_from(NAMES), st.one_of(TEXT, st.integers().map(str)), max_size=6)
PATHS = st.sampled_from(
    ["requests", "services", "services/event-0102", "requests/X1", "request/X1", "tokens/abc", "discovery"]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=PATHS, fmt=st.sampled_from(["json", "xml"]), params=PARAMS, post=st.booleans(), keyed=st.booleans()
)
def test_no_input_gets_a_5xx(
    city: City, path: str, fmt: str, params: dict[str, Any], post: bool, keyed: bool
) -> None:
    url = f"/open311/v2/{path}.{fmt}"
    if keyed:  # with the client's key, so that posts reach the checks past it
        params = {**params, "api_key": city.key}
    response = city.http.post(url, params) if post else city.http.get(url, params)
    assert response.status_code < 500, (url, params, response.content[:300])
    expected = "text/xml" if fmt == "xml" else "application/json"
    assert response["Content-Type"].startswith(expected)
    if response.status_code >= 400:
        method = "POST" if post and path == "requests" else "GET"
        city.conformance.validate("/requests.{response_format}", method, response)

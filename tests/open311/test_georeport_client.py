"""The PyPI GeoReport client (``georeport``) reads services, definitions and requests from a live
server, in JSON and in XML."""

from __future__ import annotations

from typing import Any

from georeport import GeoReport

from .conftest import POINT_A, City


def _listed(value: Any) -> list[dict[str, Any]]:
    # xmltodict gives one element as a dict, several as a list.
    return value if isinstance(value, list) else [value]


def test_the_georeport_client_reads_a_live_server(
    transactional_db: Any, live_server: Any, city: City
) -> None:
    posted = city.post(lat=str(POINT_A[1]), long=str(POINT_A[0]), description="井盖破损")
    number = posted.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
        services = _listed(client.get_service_list())
        assert "event-0102" in {s["service_code"] for s in services}
        definition = client.get_service_definition("event-0102")
        assert definition["service_code"] == "event-0102"
        requests = _listed(client.get_service_requests())
        assert [r["service_request_id"] for r in requests] == [number]
        assert _listed(client.get_service_requests(service_request_id=number))[0]["status"] == "open"
        assert client.get_service_requests(status="open", service_code="event-0102")
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["description"] == "井盖破损"

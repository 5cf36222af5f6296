"""``/api/v1/intake``: what the intake suggests for a report being written (nothing is stored)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import field_validator

from cityloop.cases import duplicates
from cityloop.cases.models import Case
from cityloop.catalog import lookup
from cityloop.core.models import User
from cityloop.core.permissions import visible_to_request
from cityloop.core.ratelimits import limit_anonymous_suggestions
from cityloop.geo import crs as crslib
from cityloop.triage.suggest import MAX_K, suggest

from .auth import PUBLIC_OR_AUTH
from .errors import ApiError

router = Router(tags=["intake"])


class SuggestIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000, description="what the reporter says, as typed")
    lon: float | None = Field(None, ge=-1e8, le=1e8, description="with lat: where (then the unit is chosen)")
    lat: float | None = Field(None, ge=-1e8, le=1e8)
    crs: str = Field("wgs84", max_length=16, description="the system lon/lat are in, as for /reports")
    address: str = Field("", max_length=200, description="the address as said (kept for the reply)")
    k: int = Field(3, ge=1, le=MAX_K, description="how many categories to answer")

    @field_validator("crs")
    @classmethod
    def known_crs(cls, value: str) -> str:
        try:
            return crslib.normalize(value)
        except crslib.CoordinateError as exc:
            raise ValueError(str(exc)) from None


class SuggestedCategoryOut(Schema):
    code: str
    name: str
    kind: str
    score: float = Field(..., description="calibrated: about how often a suggestion this sure is right")


class SuggestOut(Schema):
    model: dict[str, Any] = Field(..., description="the classifier that answered: name, version, id")
    categories: list[SuggestedCategoryOut]
    unit: dict[str, Any] | None = Field(None, description="the unit routing would choose for the best one")
    routing: dict[str, Any] | None = None
    routing_note: str | None = Field(None, description="why there is no unit (e.g. outside every grid)")
    location: dict[str, Any] | None = None
    address: str = ""
    likely_duplicates: list[dict[str, Any]] = Field(
        default_factory=list,
        description="with a point: open cases near it that probably tell of the same problem, among those "
        "the caller may see ({id, number, score, distance_m}, best first)",
    )


@router.post(
    "/suggest",
    response=SuggestOut,
    auth=PUBLIC_OR_AUTH,
    summary="Likely categories for a report's text, and the unit routing would choose there (stores nothing)",
)
def suggest_categories(request: HttpRequest, body: SuggestIn) -> dict[str, Any]:
    if (body.lon is None) != (body.lat is None):
        missing = "lat" if body.lat is None else "lon"
        raise ApiError(400, f"{missing}: give both lon and lat, or neither", field=missing)
    if not body.text.strip():
        raise ApiError(400, "text: say what the problem is", field="text")
    if not (isinstance(request.user, User) and request.user.is_authenticated):
        limit_anonymous_suggestions(request)
    answer = suggest(body.text, k=body.k, lon=body.lon, lat=body.lat, crs=body.crs)
    answer["address"] = body.address
    answer["likely_duplicates"] = _likely_duplicates(request, body.text, answer)
    return answer


def _likely_duplicates(request: HttpRequest, text: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """With a point, the open cases near it that probably tell of the same problem (of the best
    category), among the cases the caller may see: none for a caller without an account."""
    location, categories = answer.get("location"), answer["categories"]
    if not location or not categories:
        return []
    best = categories[0]
    near = duplicates.find(
        within=visible_to_request(request, Case),
        lon=location["lon"],
        lat=location["lat"],
        at=timezone.now(),
        category=lookup.category(best["code"], best["kind"]),
        text=text,
    )
    return [d.as_json() for d in near]

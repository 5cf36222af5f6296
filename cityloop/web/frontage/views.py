"""The street frontage officer's pages: the parties of the jurisdiction with a map of their zones,
and one party with its zones and duties. Contacts are shown to street staff and above only."""

from __future__ import annotations

import json

import shapely
import shapely.geometry
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cityloop.core.models import Unit, UnitKind, User
from cityloop.core.permissions import restrict
from cityloop.frontage.access import OFFICER_ROLES, holds
from cityloop.frontage.accounts import give_party_account, reset_party_password
from cityloop.frontage.models import Party, Zone
from cityloop.frontage.privacy import ContactPolicy

from ..access import FIELD, OVERSIGHT, UNIT_STAFF, current_user, roles_required
from ..org.common import page_of, query_without_page
from .common import errors_of

ROLES = tuple(FIELD | OVERSIGHT | UNIT_STAFF)
MAP_LIMIT = 5000


def _parties(request: HttpRequest) -> QuerySet[Party]:
    parties = restrict(Party.objects.all(), request.user, "view")
    return parties.select_related("street", "community", "account")


@require_GET
@roles_required(*ROLES)
def index(request: HttpRequest) -> HttpResponse:
    """Parties filtered by street, community and words, and the map of their zones."""
    qs = _parties(request)
    streets = Unit.objects.filter(kind=UnitKind.STREET, pk__in=qs.values("street_id")).order_by("code")
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY, pk__in=qs.values("community_id")).order_by(
        "code"
    )
    street = request.GET.get("street", "")[:32]
    community = request.GET.get("community", "")[:32]
    q = request.GET.get("q", "").strip()[:50]
    if street:
        qs = qs.filter(street__code=street)
        communities = communities.filter(parent__code=street)
    if community:
        qs = qs.filter(community__code=community)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q) | Q(uscc=q.upper()))
    page = page_of(request, qs.order_by("street_id", "name", "id"))
    context = {
        "page": page,
        "query": query_without_page(request),
        "streets": streets,
        "communities": communities,
        "street": street,
        "community": community,
        "q": q,
    }
    return render(request, "web/frontage/index.html", context)


def _feature(zone: Zone) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(zone.geometry),
        "properties": {
            "code": zone.code,
            "party": zone.party.uscc,
            "name": zone.party.name,
            "duties": "、".join(d.name for d in zone.duties.all()),
        },
    }


@require_GET
@roles_required(*ROLES)
def zones_geojson(request: HttpRequest) -> HttpResponse:
    """The zones of the jurisdiction (of one street or party when asked) for the map, capped."""
    qs = restrict(Zone.objects.all(), request.user, "view").select_related("party").prefetch_related("duties")
    if street := request.GET.get("street", "")[:32]:
        qs = qs.filter(street__code=street)
    if party := request.GET.get("party", "")[:18]:
        qs = qs.filter(party__uscc=party)
    body = {"type": "FeatureCollection", "features": [_feature(z) for z in qs.order_by("code")[:MAP_LIMIT]]}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_GET
@roles_required(*ROLES)
def party(request: HttpRequest, uscc: str) -> HttpResponse:
    """One party: who it is, how to reach it (street staff and above), its phone account (the
    street's officer gives it one), its zones and their duties."""
    return _party_page(request, _party_or_404(request, uscc))


@never_cache
@require_POST
@roles_required(*ROLES)
def party_account(request: HttpRequest, uscc: str) -> HttpResponse:
    """The street's officer gives the party its phone account: the temporary password is shown once."""
    found = _party_or_404(request, uscc)
    username = request.POST.get("username", "")[:200]
    try:
        user, raw = give_party_account(actor=current_user(request), party=found, username=username)
    except ValidationError as exc:
        return _party_page(request, found, errors=errors_of(exc), username=username, status=400)
    return _password_shown(request, found, user.username, raw)


@never_cache
@require_POST
@roles_required(*ROLES)
def party_password(request: HttpRequest, uscc: str) -> HttpResponse:
    """The party forgot its password: a new temporary one, shown once."""
    found = _party_or_404(request, uscc)
    try:
        raw = reset_party_password(actor=current_user(request), party=found)
    except ValidationError as exc:
        return _party_page(request, found, errors=errors_of(exc), status=400)
    return _password_shown(request, found, found.account.username if found.account else "", raw)


def _password_shown(request: HttpRequest, found: Party, username: str, raw: str) -> HttpResponse:
    context = {"party": found, "username": username, "password": raw}
    return render(request, "web/frontage/account_shown.html", context)


def _party_or_404(request: HttpRequest, uscc: str) -> Party:
    found = _parties(request).filter(uscc=uscc[:18]).first()
    if found is None:
        raise Http404("no such party in your jurisdiction")
    return found


def _party_page(
    request: HttpRequest,
    found: Party,
    *,
    errors: list[str] | None = None,
    username: str = "",
    status: int = 200,
) -> HttpResponse:
    zones = list(found.zones.prefetch_related("duties").order_by("code"))
    areas = {z.pk: round(_area(z)) for z in zones}
    user = request.user
    context = {
        "party": found,
        "zones": [(z, areas[z.pk]) for z in zones],
        "contact_shown": ContactPolicy(user).shows(found),
        "may_give_account": isinstance(user, User) and holds(user, found.street, OFFICER_ROLES),
        "account_errors": errors or [],
        "account_username": username,
        **history(request, found),
    }
    return render(request, "web/frontage/party.html", context, status=status)


def history(request: HttpRequest, found: Party) -> dict[str, object]:
    """The party over time: its letters, inspections (with scores) and notices."""
    from cityloop.frontage.access import may_inspect
    from cityloop.frontage.models import Inspection, Letter, Notice

    user = request.user
    return {
        "letters": restrict(Letter.objects.filter(party=found), user, "view").order_by("-year")[:10],
        "inspections": restrict(Inspection.objects.filter(party=found), user, "view")
        .select_related("inspector")
        .order_by("-inspected_at")[:30],
        "notices": restrict(Notice.objects.filter(party=found), user, "view")
        .select_related("duty")
        .order_by("-issued_at")[:30],
        "may_inspect": isinstance(user, User) and may_inspect(user, found),
    }


def _area(zone: Zone) -> float:
    from cityloop.frontage.geometry import area_m2

    geom = zone.geometry
    return area_m2(geom) if isinstance(geom, shapely.Geometry) else 0.0

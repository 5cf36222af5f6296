"""Demo step: community service stations with their heads, on-call professionals and a few problems
(三长一站), and back alleys with their fixed posts, check-ins and the district's findings (背街小巷).

Only the first district gets them, and only a handful of each, so ``make run`` stays fast. Every
station's head (``stationNN_head``) also handles the cases the district sends to the station; the
first stations get a street-lane, an area and a building head (``stationNN_lane`` …); the first two
streets get an alley head (``streetNN_alley``) answering for three alley segments each."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import shapely
from django.utils import timezone
from PIL import Image
from shapely.ops import substring

from cityloop.community.actions import appoint_head, mark_community_level, open_station, save_professional
from cityloop.community.alleys import check_in, inspect_segment, register_segment
from cityloop.community.meetings import hold_meeting
from cityloop.community.models import Station
from cityloop.community.tasks import assign_task, raise_task, solve_task
from cityloop.core.actions import grant_role
from cityloop.core.models import Role, Unit, User
from cityloop.geo.models import Grid

from .city import DemoCity
from .components import MAIN_ROADS
from .people import UserSpec, create_users

# Small matters the city lets communities settle first (events).
COMMUNITY_LEVEL = (
    ("0108", "废弃家具设备：楼院内由社区协调清运"),
    ("0201", "非法小广告：楼道、楼院内由三长清理"),
    ("0506", "非机动车乱停放：楼院内由社区劝导"),
    ("0511", "沿街晾挂：由街巷长劝导"),
)
PROFESSIONALS = (
    ("water", "自来水公司", "水电维修"),
    ("power", "供电公司", "电工"),
    ("property", "物业公司", "物业管家"),
)
HEADED_STATIONS = 3
ALLEY_STREETS = 2
SEGMENTS_PER_STREET = 3
PROBLEMS = (
    ("3号楼下水管漏水，楼道有积水", "resident", "water"),
    ("单元门口堆放旧沙发", "head", "property"),
    ("楼道灯不亮", "resident", "power"),
)


def _photo() -> list[tuple[str, bytes]]:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 90)).save(buffer, "PNG")
    return [("after.png", buffer.getvalue())]


def _grid(community: Unit) -> Grid | None:
    return Grid.objects.filter(community=community).order_by("code").first()


def _stations(city: DemoCity, admin: User) -> list[Station]:
    made = []
    for n, unit in enumerate(city.first.stations, start=1):
        community = unit.parent
        assert community is not None
        grid = _grid(community)
        station = open_station(
            actor=admin,
            community=community,
            name=f"{community.name}工作站",
            unit=unit,
            address=f"{community.name}居委会一楼",
            phone=f"0532-8{n:03d}{n:04d}"[:13],
            lon=grid.centroid_lon if grid else None,
            lat=grid.centroid_lat if grid else None,
        )
        head = city.users.get(f"station{n:02d}_head")
        if head is not None:
            # The station head raises problems in the community and handles the cases sent to it.
            grant_role(actor=admin, user=head, unit=community, role=Role.COMMUNITY_HEAD)
            grant_role(actor=admin, user=head, unit=unit, role=Role.HANDLER)
            appoint_head(actor=admin, station=station, user=head, kind="station_head")
        for trade, company, title in PROFESSIONALS:
            save_professional(
                actor=admin,
                station=station,
                name=f"{company[:2]}{title}{n}号",
                trade=trade,
                company=company,
                phone=f"139{n:04d}{len(trade):04d}",
            )
        made.append(station)
    return made


def _heads(city: DemoCity, admin: User, stations: list[Station]) -> None:
    specs = []
    for n, station in enumerate(stations[:HEADED_STATIONS], start=1):
        for kind in ("lane", "area", "building"):
            specs.append(UserSpec(f"station{n:02d}_{kind}", Role.COMMUNITY_HEAD, (station.community,)))
    users, logins = create_users(
        specs,
        actor=admin,
        rng=city.rng_for("community heads"),
        seed=city.seed,
        taken=[u.display_name for u in city.users.values()],
    )
    city.users.update(users)
    city.logins.extend(logins)
    for n, station in enumerate(stations[:HEADED_STATIONS], start=1):
        grid = _grid(station.community)
        if grid is None:
            continue
        polygon = grid.geometry
        c = polygon.centroid
        minx, _miny, maxx, _maxy = polygon.bounds
        places = {
            "lane": ("楼院东侧小巷", f"LINESTRING ({minx:.6f} {c.y:.6f}, {maxx:.6f} {c.y:.6f})"),
            "area": (f"{station.community.name}一片区", polygon.wkt),
            "building": ("3号楼", f"POINT ({c.x:.6f} {c.y:.6f})"),
        }
        for kind, (place, wkt) in places.items():
            appoint_head(
                actor=admin,
                station=station,
                user=users[f"station{n:02d}_{kind}"],
                kind=kind,
                place_name=place,
                geometry=wkt,
            )


def _problems(stations: list[Station], city: DemoCity) -> int:
    made = 0
    for n, station in enumerate(stations[:HEADED_STATIONS], start=1):
        head = city.users.get(f"station{n:02d}_head")
        building = city.users.get(f"station{n:02d}_building")
        grid = _grid(station.community)
        if head is None or building is None or grid is None:
            continue
        for k, (text, source, trade) in enumerate(PROBLEMS):
            task = raise_task(
                actor=building,
                station=station,
                source=source,
                description=text,
                lon=grid.centroid_lon,
                lat=grid.centroid_lat,
                address="3号楼",
                reporter_name="张阿姨" if source == "resident" else "",
                reporter_phone="13800001111" if source == "resident" else "",
            )
            pro = station.professionals.get(trade=trade)
            task = assign_task(actor=head, task=task, professional=pro)
            if k == 0:
                solve_task(actor=head, task=task, solution="更换了漏水的阀门，已清理积水", photos=_photo())
            made += 1
        today = timezone.localdate()
        hold_meeting(
            actor=head,
            unit=station.community,
            kind="community_weekly",
            held_on=today - dt.timedelta(days=2),
            decisions="旧沙发由物业本周清运；楼道灯由供电专业人员更换线路",
            items=[
                {"what": "清运单元门口旧沙发", "who": "物业管家", "due": today - dt.timedelta(days=1)},
                {"what": "更换楼道灯线路", "who": "供电电工", "due": today + dt.timedelta(days=3)},
            ],
        )
    return made


def _alleys(city: DemoCity, admin: User) -> int:
    district = city.first
    streets = district.streets[:ALLEY_STREETS]
    specs = [
        UserSpec(
            f"street{n:02d}_alley",
            Role.COMMUNITY_HEAD,
            tuple(c for c in district.communities if c.parent_id == s.pk)[:1],
        )
        for n, s in enumerate(streets, start=1)
    ]
    users, logins = create_users(
        specs,
        actor=admin,
        rng=city.rng_for("alley heads"),
        seed=city.seed,
        taken=[u.display_name for u in city.users.values()],
    )
    city.users.update(users)
    city.logins.extend(logins)
    minor = [line for _name, kind, line in district.roads if kind not in MAIN_ROADS]
    made = 0
    leader = city.users.get("leader1", admin)
    for n, street in enumerate(streets, start=1):
        grids = Grid.objects.filter(community__parent=street)
        area = shapely.union_all([g.geometry for g in grids[:200]])
        inside = [line.intersection(area) for line in minor if line.intersects(area)]
        lines = [g for g in inside if isinstance(g, shapely.LineString) and g.length > 0.002]
        for k, line in enumerate(lines[:SEGMENTS_PER_STREET], start=1):
            piece = substring(line, 0, min(line.length, 0.004))
            segment = register_segment(
                actor=admin,
                code=f"{street.code}-XX{k:02d}",
                name=f"{street.name}背街{k}巷",
                street=street,
                geometry=piece.wkt,
                responsible=users[f"street{n:02d}_alley"],
                post="巷长",
                duties="每日巡查保洁、劝导乱堆乱放和沿街晾挂、发现问题及时上报",
                fixed_point="巷口",
            )
            made += 1
            if k == 1:
                mid = piece.interpolate(0.5, normalized=True)
                check_in(
                    actor=users[f"street{n:02d}_alley"],
                    segment=segment,
                    lon=mid.x,
                    lat=mid.y,
                    findings="巷内整洁",
                )
            if k == 2:
                inspect_segment(
                    actor=leader, segment=segment, finding="巷内堆放建筑垃圾", points=Decimal("2")
                )
    return made


def community_step(city: DemoCity, *, actor: User) -> None:
    """Community stations, heads and back alleys."""
    admin = city.users["admin"]
    for code, note in COMMUNITY_LEVEL:
        mark_community_level(actor=admin, code=code, note=note)
    stations = _stations(city, admin)
    _heads(city, admin, stations)
    city.summary["community problems"] = _problems(stations, city)
    city.summary["community stations"] = len(stations)
    city.summary["alley segments"] = _alleys(city, admin)

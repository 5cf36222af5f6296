"""背街小巷: registering alley segments with their fixed post and person, the daily patrol check-in,
the district's inspection findings (区查) and the street's fix (街改), and the monthly figures:
findings scored per street, weighted by its workload (per km of alley or per segment, as data)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Membership, Unit, UnitKind, User
from cityloop.core.permissions import can

from .models import AlleyCheckIn, AlleyInspection, AlleySegment, AlleyWeighting, WorkloadBasis
from .photos import check_photo
from .tasks import check_point

CHECKIN_RADIUS_M = 200
EARTH_M_PER_DEG = 111_320.0
INSPECTING_KINDS = {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.DEPARTMENT}


def metres(lon: float, lat: float, line: shapely.Geometry) -> float:
    """Distance in metres from a point to a WGS84 line (local equirectangular scale: alleys are short)."""
    nearest = shapely.ops.nearest_points(shapely.Point(lon, lat), line)[1]
    dx = (nearest.x - lon) * EARTH_M_PER_DEG * math.cos(math.radians(lat))
    dy = (nearest.y - lat) * EARTH_M_PER_DEG
    return math.hypot(dx, dy)


def line_length_m(line: shapely.Geometry) -> float:
    coords = list(line.coords)
    total = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(coords):
        mid = math.radians((y1 + y2) / 2)
        total += math.hypot((x2 - x1) * EARTH_M_PER_DEG * math.cos(mid), (y2 - y1) * EARTH_M_PER_DEG)
    return total


def parse_line(wkt: str) -> shapely.LineString:
    """A WGS84 line from WKT, or a 400 on ``geometry``."""
    import shapely.errors
    import shapely.ops

    try:
        geom = shapely.from_wkt(wkt)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        raise ValidationError({"geometry": "应为WKT格式的线（LINESTRING）"}) from None
    if not isinstance(geom, shapely.LineString) or geom.is_empty or len(geom.coords) < 2:
        raise ValidationError({"geometry": "应为至少两个点的线（LINESTRING）"})
    if not all(abs(x) <= 180 and abs(y) <= 90 for x, y in geom.coords):
        raise ValidationError({"geometry": "坐标应为WGS84经纬度"})
    length = line_length_m(geom)
    if not 5 <= length <= 20_000:
        raise ValidationError({"geometry": "一段小巷的长度应在5米到20公里之间"})
    return geom


def _street_manager(actor: User, street: Unit) -> bool:
    return bool(actor.is_superuser or (can(actor, "view", street) and _manages(actor, street)))


def _manages(actor: User, unit: Unit) -> bool:
    from .scopes import MANAGE

    paths = (
        Membership.objects.active().filter(user=actor, role__in=MANAGE).values_list("unit__path", flat=True)
    )
    return any(unit.path.startswith(p) for p in paths)


@domain_action
def register_segment(
    *,
    actor: User,
    code: str,
    name: str,
    street: Unit,
    geometry: str,
    responsible: User,
    post: str,
    duties: str,
    fixed_point: str = "",
    community: Unit | None = None,
) -> AlleySegment:
    """Register (or re-register, by code) an alley segment with its fixed point, post, person and
    duties (定点定岗定人定责). The street's managers do it."""
    if street.kind != UnitKind.STREET:
        raise ValidationError({"street": "请选择街道"})
    if community is not None and community.parent_id != street.pk:
        raise ValidationError({"community": "社区不属于这个街道"})
    if not _manages(actor, street) and not actor.is_superuser:
        raise PermissionDenied("只有街道或区的管理人员可以登记小巷")
    values = {
        "code": code.strip(),
        "name": name.strip(),
        "post": post.strip(),
        "duties": duties.strip(),
        "fixed_point": fixed_point.strip(),
    }
    for field, limit in (("code", 32), ("name", 100), ("post", 50), ("duties", 300), ("fixed_point", 100)):
        if len(values[field]) > limit or (field != "fixed_point" and not values[field]):
            raise ValidationError({field: f"请填写此项（最多{limit}个字）"})
    line = parse_line(geometry)
    point = line.interpolate(0.5, normalized=True)
    segment = AlleySegment.objects.filter(code=values["code"]).first()
    if segment is not None and not can(actor, "manage", segment):
        raise ValidationError({"code": "这个编码已被其他街道的小巷使用"})
    before = snapshot(segment) if segment else None
    segment = segment or AlleySegment(code=values["code"])
    for field, value in values.items():
        setattr(segment, field, value)
    segment.street, segment.community, segment.responsible = street, community, responsible
    segment.geom_wkb, segment.length_m = shapely.to_wkb(line), round(line_length_m(line), 1)
    segment.lon, segment.lat, segment.active = point.x, point.y, True
    segment.save()
    record(
        actor,
        "alley.segment.save",
        segment,
        before=before,
        after=snapshot(segment, [*values, "length_m"]),
    )
    return segment


@domain_action
def check_in(
    *,
    actor: User,
    segment: AlleySegment,
    lon: float,
    lat: float,
    findings: str = "",
    photo: tuple[str, bytes] | None = None,
    at: dt.datetime | None = None,
) -> AlleyCheckIn:
    """The segment's responsible person checks in on the day's patrol, standing at the alley."""
    if segment.responsible_id != actor.pk:
        raise PermissionDenied("只有这段小巷的责任人可以巡查打卡")
    if not segment.active:
        raise ValidationError({"segment": "这段小巷已停用"})
    lon, lat = check_point(lon, lat)
    findings = findings.strip()
    if len(findings) > 300:
        raise ValidationError({"findings": "最多300个字"})
    distance = metres(lon, lat, segment.geometry)
    if distance > CHECKIN_RADIUS_M:
        raise ValidationError(
            {"lon": f"你离这段小巷约{distance:.0f}米，请到现场（{CHECKIN_RADIUS_M}米内）打卡"}
        )
    checked = check_photo(*photo) if photo else None
    at = at or timezone.now()
    row = AlleyCheckIn(
        segment=segment,
        user=actor,
        at=at,
        day=timezone.localdate(at),
        lon=lon,
        lat=lat,
        distance_m=round(distance, 1),
        findings=findings,
    )
    if checked is not None:
        row.photo.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError({"segment": "今天已经打过卡了"}) from None
    record(actor, "alley.checkin", row, after={"segment": segment.code, "distance_m": row.distance_m})
    return row


def inspectable(actor: User) -> QuerySet[AlleySegment]:
    """The active segments ``actor`` may inspect: under a district or city they belong to."""
    if actor.is_superuser:
        return AlleySegment.objects.filter(active=True)
    paths = list(
        Membership.objects.active()
        .filter(user=actor, unit__kind__in=INSPECTING_KINDS)
        .values_list("unit__path", flat=True)
    )
    if not paths:
        return AlleySegment.objects.none()
    under = Q()
    for path in paths:
        under |= Q(street__path__startswith=path)
    return AlleySegment.objects.filter(under, active=True)


@domain_action
def inspect_segment(
    *,
    actor: User,
    segment: AlleySegment,
    finding: str,
    points: Decimal,
    fix_days: int = 3,
    inspected_on: dt.date | None = None,
) -> AlleyInspection:
    """The district records what its inspection found on a segment (区查); the street must fix it."""
    memberships = Membership.objects.active().filter(user=actor).select_related("unit")
    inspecting = any(
        m.unit.kind in INSPECTING_KINDS and segment.street.path.startswith(m.unit.path) for m in memberships
    )
    if not (actor.is_superuser or inspecting):
        raise PermissionDenied("只有区级（或市级）人员可以检查小巷")
    finding = finding.strip()
    if not finding or len(finding) > 300:
        raise ValidationError({"finding": "请写明发现的问题（最多300字）"})
    if not isinstance(points, Decimal) or not Decimal("0") <= points <= Decimal("100"):
        raise ValidationError({"points": "扣分应在0到100之间"})
    if not 1 <= fix_days <= 30:
        raise ValidationError({"fix_days": "整改期限应为1到30天"})
    day = inspected_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"inspected_on": "检查日期不能晚于今天"})
    row = AlleyInspection.objects.create(
        segment=segment,
        street_id=segment.street_id,
        inspected_on=day,
        inspector=actor,
        finding=finding,
        points=points.quantize(Decimal("0.1")),
        fix_by=day + dt.timedelta(days=fix_days),
    )
    record(actor, "alley.inspection.record", row, after=snapshot(row, ["finding", "points", "fix_by"]))
    return row


@domain_action
def fix_finding(
    *, actor: User, inspection: AlleyInspection, note: str, at: dt.datetime | None = None
) -> AlleyInspection:
    """The street records its fix of a finding (街改)."""
    inspection = (
        AlleyInspection.objects.select_for_update().select_related("street", "segment").get(pk=inspection.pk)
    )
    if not (
        actor.is_superuser
        or _manages(actor, inspection.street)
        or inspection.segment.responsible_id == actor.pk
    ):
        raise PermissionDenied("只有街道管理人员或小巷责任人可以记录整改")
    if inspection.fixed_at is not None:
        raise ValidationError({"inspection": "这条问题已经整改"})
    note = note.strip()
    if not note or len(note) > 300:
        raise ValidationError({"note": "请写明整改情况（最多300字）"})
    inspection.fixed_at, inspection.fix_note, inspection.fixed_by = at or timezone.now(), note, actor
    inspection.save(update_fields=["fixed_at", "fix_note", "fixed_by"])
    record(actor, "alley.inspection.fix", inspection, after={"note": note})
    return inspection


@dataclass(frozen=True)
class StreetScore:
    """A street's alley figures for a period: findings, their points and the workload-weighted score."""

    street_id: int
    street_name: str
    segments: int
    km: float
    findings: int
    fixed_in_time: int
    unfixed: int
    points: float
    workload: float
    per_workload: float


def street_scores(streets: QuerySet[Unit], start: dt.date, end: dt.date) -> list[StreetScore]:
    """Findings of ``[start, end)`` per street: each finding's points (kept in part when fixed by its
    day, as the weighting says), divided by the street's workload (km of alley or segments), lowest
    (best) first."""
    weighting = AlleyWeighting.on(start)
    factor = float(weighting.fixed_in_time_factor)
    segs = {
        r["street_id"]: r
        for r in AlleySegment.objects.filter(street__in=streets, active=True)
        .values("street_id")
        .annotate(n=Count("id"))
    }
    km: dict[int, float] = {}
    for street_id, length in AlleySegment.objects.filter(street__in=streets, active=True).values_list(
        "street_id", "length_m"
    ):
        km[street_id] = km.get(street_id, 0.0) + length / 1000
    found: dict[int, list[AlleyInspection]] = {}
    for row in AlleyInspection.objects.filter(
        street__in=streets, inspected_on__gte=start, inspected_on__lt=end
    ):
        found.setdefault(row.street_id, []).append(row)
    scores = []
    for street in streets.order_by("code"):
        rows = found.get(street.pk, [])
        in_time = [r for r in rows if r.fixed_at and timezone.localdate(r.fixed_at) <= r.fix_by]
        points = sum(float(r.points) * (factor if r in in_time else 1.0) for r in rows)
        n = segs.get(street.pk, {}).get("n", 0)
        workload = km.get(street.pk, 0.0) if weighting.basis == WorkloadBasis.KM else float(n)
        scores.append(
            StreetScore(
                street_id=street.pk,
                street_name=street.name,
                segments=n,
                km=round(km.get(street.pk, 0.0), 2),
                findings=len(rows),
                fixed_in_time=len(in_time),
                unfixed=sum(1 for r in rows if r.fixed_at is None),
                points=round(points, 1),
                workload=round(workload, 2),
                per_workload=round(points / workload, 2) if workload else 0.0,
            )
        )
    return sorted(scores, key=lambda s: (s.per_workload, s.street_name))


def missed_checkins(segments: QuerySet[AlleySegment], day: dt.date) -> QuerySet[AlleySegment]:
    """Active segments nobody checked in on ``day``."""
    return segments.filter(active=True).exclude(Q(checkins__day=day))

"""The community micro-loop (三长一站): a station, its heads and on-call professionals, and the
problems (community tasks) it settles itself or escalates to the district's case loop."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import shapely
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class PostKind(models.TextChoices):
    STATION_HEAD = "station_head", _("station head")
    LANE = "lane", _("street-lane head")
    AREA = "area", _("area head")
    BUILDING = "building", _("building head")


class Trade(models.TextChoices):
    WATER = "water", _("water supply")
    POWER = "power", _("electricity")
    GAS = "gas", _("gas")
    HEATING = "heating", _("heating")
    PROPERTY = "property", _("property management")
    MUNICIPAL = "municipal", _("municipal facilities")
    OTHER = "other", _("other trade")


class TaskSource(models.TextChoices):
    HEAD = "head", _("found by a head")
    RESIDENT = "resident", _("reported by a resident")
    CASE = "case", _("sent by the district")


class TaskState(models.TextChoices):
    OPEN = "open", _("waiting for assignment")
    ASSIGNED = "assigned", _("being handled")
    SOLVED = "solved", _("solved in the community")
    ESCALATED = "escalated", _("escalated to the district")


OPEN_TASK_STATES = (TaskState.OPEN, TaskState.ASSIGNED)


class CommunityLevelCategory(models.Model):
    """A category (catalog code, or a class prefix such as ``0101``) the city lets communities
    handle first: a case of it inside a community with a station is claimed by the station."""

    code = models.CharField(_("category code or prefix"), max_length=16, unique=True)
    # event or component (the two catalogs share codes); blank: the code in either.
    kind = models.CharField(_("kind"), max_length=16, blank=True, default="event")
    note = models.CharField(_("note"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("community-level category")
        verbose_name_plural = _("community-level categories")

    def __str__(self) -> str:
        return self.code


class Station(models.Model):
    """A community service station (城市治理服务站 / 社区工作站): one per community. ``unit`` is the
    station's node in the organisation tree, the unit cases are dispatched to."""

    community = models.OneToOneField(
        Unit, on_delete=models.PROTECT, related_name="community_station", verbose_name=_("community")
    )
    unit = models.OneToOneField(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="station_record",
        verbose_name=_("station unit"),
    )
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    # The station's own short limit for a task, in working hours (the district's limits are longer).
    task_hours = models.PositiveSmallIntegerField(_("task limit (working hours)"), default=24)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["street_id", "name"]
        verbose_name = _("community station")
        verbose_name_plural = _("community stations")

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A head's post (三长 and the station head): a user, a kind and the place they answer for —
    a lane (line), an area (polygon) or a building (point or polygon) — valid for a period."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="posts")
    community = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="community_posts"
    )
    kind = models.CharField(_("post"), max_length=16, choices=PostKind.choices)
    place_name = models.CharField(_("place"), max_length=100, blank=True)
    geom_wkb = models.BinaryField(_("place geometry (WKB)"), null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    valid_from = models.DateField(_("valid from"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["station_id", "kind", "id"]
        verbose_name = _("community post")
        verbose_name_plural = _("community posts")
        indexes: ClassVar = [models.Index(fields=["user", "kind"], name="community_post_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.place_name}"

    @property
    def geometry(self) -> shapely.Geometry | None:
        return shapely.from_wkb(bytes(self.geom_wkb)) if self.geom_wkb else None

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Professional(models.Model):
    """An on-call professional (专业力量) from a utility or property company, serving a community."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="professionals")
    community = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    trade = models.CharField(_("trade"), max_length=16, choices=Trade.choices)
    company = models.CharField(_("company"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("on call"), default=True)

    class Meta:
        ordering: ClassVar = ["station_id", "trade", "name"]
        verbose_name = _("on-call professional")
        verbose_name_plural = _("on-call professionals")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_trade_display()}）"


class Task(models.Model):
    """A problem raised in a community and handled there first (社区微循环)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="tasks")
    community = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # Every case-like row carries its district (partitioning, the evaluation's window).
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=TaskSource.choices)
    state = models.CharField(_("state"), max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    description = models.CharField(_("description"), max_length=500)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    category_code = models.CharField(_("category"), max_length=16, blank=True)
    # Private: shown to the station and the street, never to other communities.
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=32, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_post = models.ForeignKey(Post, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    solution = models.CharField(_("solution"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.CharField(_("why it cannot be solved here"), max_length=500, blank=True)
    # The district case this task came from or was escalated into (the cases app sits above us).
    case_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    case_number = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(_("raised"), db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-created", "-id"]
        verbose_name = _("community task")
        verbose_name_plural = _("community tasks")
        indexes: ClassVar = [
            models.Index(fields=["community", "state"], name="community_task_state_idx"),
            models.Index(fields=["street", "solved_at"], name="community_task_solved_idx"),
        ]

    def __str__(self) -> str:
        return f"社区任务{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES

    def assignee_label(self) -> str:
        if self.assigned_professional_id and self.assigned_professional:
            return str(self.assigned_professional)
        if self.assigned_post_id and self.assigned_post:
            return f"{self.assigned_post.get_kind_display()} {self.assigned_post.user}"
        return ""


class TaskEvent(models.Model):
    """One step of a task's story: raised, assigned, tried, solved, escalated (who tried what)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.text[:30]}"


class TaskPhoto(models.Model):
    """A photo of a task: the problem as reported, or the place after it was fixed."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=16, default="report")  # report | solution | progress
    file = models.FileField(upload_to="community/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return f"{self.stage} {self.pk}"

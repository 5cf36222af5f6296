"""The case (案卷) itself, its channels, its number sequence, the public's idempotency keys and its
search terms."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit
from cityloop.routing.models import Level

from ..workflow import STATES


class Channel(models.Model):
    """A source channel (supervisor, 12345, 12319, 110, citizen app …): data, not an enum."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    needs_verification = models.BooleanField(
        _("needs on-site verification"),
        default=True,
        help_text=_("Public and hotline reports are verified first."),
    )
    needs_return_visit = models.BooleanField(
        _("needs a return visit"),
        default=False,
        help_text=_("Hotline cases need a return visit before closing."),
    )
    is_public = models.BooleanField(
        _("reported by the public"),
        default=False,
        help_text=_("The reporter is a citizen (name and phone kept private)."),
    )
    accepts_anonymous = models.BooleanField(
        _("open to anonymous reports"),
        default=False,
        help_text=_("Citizens may report here without an account."),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name


class AppealNature(models.IntegerChoices):
    REQUEST = 1, _("Request for solution")
    COMPLAINT = 2, _("Complaint")
    ENQUIRY = 3, _("Enquiry")
    SUGGESTION = 4, _("Suggestion")
    THANKS = 5, _("Thanks")


class Case(models.Model):
    """A problem running the closed loop. Every case carries its district (partitioning, scale)."""

    # Unique and looked up by constraints and indexes in Meta, not unique=True / db_index=True: on
    # PostgreSQL those add a second, pattern-ops index per column for LIKE 'prefix%', which no query
    # here asks, and which every report would have to write.
    number = models.CharField(_("case number"), max_length=32)
    tracking_code = models.CharField(_("tracking code"), max_length=12)
    # Indexes: only those the reads need (Meta.indexes); every index is rewritten by each transition,
    # so columns those indexes lead with have none of their own.
    state = models.CharField(_("state"), max_length=24, choices=[(k, v.label) for k, v in STATES.items()])
    version = models.PositiveIntegerField(default=0, help_text="moves with every transition")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"), db_index=False)
    appeal_nature = models.PositiveSmallIntegerField(
        _("appeal nature"), choices=AppealNature.choices, default=AppealNature.REQUEST
    )
    external_id = models.CharField(_("external ticket id"), max_length=64, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=32, blank=True)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)

    lon = models.FloatField()
    lat = models.FloatField()
    # The point as reported, when it came in another coordinate system than the stored WGS84
    # (GCJ-02 from a map app, a Gauss–Krüger zone from a survey): blank for WGS84 reports.
    original_crs = models.CharField(_("original coordinate system"), max_length=16, blank=True, default="")
    original_x = models.FloatField(_("original x"), null=True, blank=True)
    original_y = models.FloatField(_("original y"), null=True, blank=True)
    h3 = models.CharField(max_length=16)
    grid = models.ForeignKey(
        "geo.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    community = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    street = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("street"),
    )
    district = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("district")
    )

    category = models.ForeignKey(
        "catalog.Category", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    component = models.ForeignKey(
        "assets.Component", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("component")
    )
    condition = models.ForeignKey(
        "catalog.Condition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("registration condition"),
    )
    urgency = models.CharField(_("urgency"), max_length=16, default="normal")
    responsible_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
        verbose_name=_("responsible unit"),
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    # The routing decision as last made (the dispatcher's suggestion, with its rule and explanation).
    routing = models.JSONField(_("routing decision"), default=dict, blank=True)
    # Which centre commands the case (两级指挥): its district's, or the city's when routing sends it to
    # a city-level unit or a centre refers it up. The command steps are taken at this level only.
    command_level = models.CharField(
        _("command level"), max_length=10, choices=Level.choices, default=Level.DISTRICT
    )

    # The running step, its deadline and light: derived state, copied from the step clocks for the
    # queue and the map (``clocks.refresh_running``). Every transition sets them from the running
    # step's timer; between transitions the worker's sweep moves ``light`` when the timer turns
    # yellow or red (``receivers.on_light_changed``), without a transition or an audit entry of its
    # own: the timer's change is the audited fact, and all three can be recomputed from the timers
    # at any time (the running ``CaseStep`` and its ``StepTimer``).
    current_step = models.CharField(max_length=16, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("deadline at"))
    light = models.CharField(max_length=8, blank=True, verbose_name=_("light"))

    # How many times each timed step has opened for this case ({"dispose": 2} after one rework): a
    # new occurrence is numbered from it (``CaseStep.occurrence``) without counting the steps again.
    step_runs = models.JSONField(default=dict, blank=True)
    returns_count = models.PositiveIntegerField(default=0)
    reworks_count = models.PositiveIntegerField(default=0)
    extensions_count = models.PositiveIntegerField(default=0)
    holds_count = models.PositiveIntegerField(default=0)
    urges_count = models.PositiveIntegerField(default=0)

    # Return visit (回访) for hotline cases.
    needs_return_visit = models.BooleanField(default=False)
    return_visit_waiver = models.CharField(max_length=12, blank=True, help_text="'' / requested / approved")
    satisfaction = models.CharField(max_length=24, blank=True)
    citizen_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    # What the reporter wrote with their rating: for the staff and the API, never the public page.
    citizen_comment = models.TextField(blank=True)
    # The reporter agreed that the report's photos appear on the public map (默认不公开). Staff
    # reports' photos follow the city's setting instead (participation.CitySetting).
    photos_public = models.BooleanField(_("photos may be public"), default=False)

    reported_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("reported at"))
    registered_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering: ClassVar = ["-reported_at"]
        # The console's reads (docs/console.md, Performance). Each queue index starts with what the
        # permission scope filters on (district, street, community or responsible unit), then the
        # state and the urgency sort (light, deadline); the trailing columns let a filtered list, its
        # counts per state, the map's box and a unit's recently closed cases be answered from the
        # index without reading the rows.
        indexes: ClassVar = [
            models.Index(fields=["district", "state", "reported_at"], name="case_district_state_idx"),
            models.Index(
                fields=["district", "state", "light", "deadline_at", "lon", "lat"], name="case_queue_idx"
            ),
            models.Index(
                fields=["street", "state", "light", "deadline_at", "district"], name="case_street_queue_idx"
            ),
            models.Index(
                fields=["community", "state", "light", "deadline_at"], name="case_community_queue_idx"
            ),
            models.Index(
                fields=["responsible_unit", "state", "light", "deadline_at", "district", "closed_at"],
                name="case_unit_queue_idx",
            ),
            # Whether a district's units hold cases of another district (the scope's probe).
            models.Index(fields=["responsible_unit", "district"], name="case_unit_district_idx"),
            models.Index(fields=["state", "light", "deadline_at"], name="case_light_idx"),
            # A ticket id alone finds its few cases on both engines (see reporting._existing_by_ticket).
            models.Index(fields=["external_id"], name="case_external_id_idx"),
            models.Index(fields=["h3"], name="case_h3_idx"),  # "near this point": cells by equality
            # Evaluation counts the cases reported in a period by place, reporter and channel: a range
            # scan of this index, never a look-up of each row (9x faster on SQLite when measured).
            models.Index(
                fields=[
                    "district",
                    "reported_at",
                    "grid",
                    "community",
                    "street",
                    "reporter",
                    "channel",
                    "registered_at",
                    "closed_at",
                ],
                name="case_report_idx",
            ),
            # Open311's searches: a district's requests in a date range, newest first, narrowed by
            # status and service. Walked in date order with the state and category read from the
            # index, only the page's rows are fetched (status and service searches over a million
            # cases, SQLite, p99: 204 and 304 ms before, see bench_open311).
            models.Index(fields=["district", "reported_at", "state", "category"], name="case_open311_idx"),
            # The public map (docs/participation.md): a box's cases by longitude range, with the rest of
            # the box, the date, state and category read from the index; only a page's rows are read.
            models.Index(
                fields=["lon", "lat", "reported_at", "state", "category"], name="case_public_map_idx"
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
            models.UniqueConstraint(fields=["tracking_code"], name="case_tracking_code_unique"),
            # A ticket from another system (12345 …) becomes one case, even when sent twice at once.
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def state_label(self) -> str:
        return STATES[self.state].label


class CaseSequence(models.Model):
    """Per district and day, the last case number handed out (numbers people can say on the phone)."""

    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["district", "day"], name="casesequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.last}"


class IdempotencyKey(models.Model):
    """A submitted report's key: a retried submission returns the same case. The fingerprint of
    what was reported tells a retry from a different report sent with a key already used."""

    key = models.CharField(max_length=128, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64, blank=True, default="")  # "": kept before there was one
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class CaseText(models.Model):
    """A case's search terms (Chinese character pairs and words, see :mod:`cityloop.cases.search`),
    written when the case is reported. SQLite indexes them in an FTS5 table, PostgreSQL in a GIN index."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    terms = models.TextField()

    def __str__(self) -> str:
        return f"{self.case_id}: {self.terms[:60]}"

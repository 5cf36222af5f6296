"""Admin for unit grids and roads: browse and search, import a GeoJSON file, export a selection.

Grid rows are read-only here: every change goes through the actions (``import_grids``, ``end_grid``)
so it is checked as a whole and audited. What an administrator sees passes through ``restrict``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import User
from cityloop.core.permissions import restrict

from .actions import GridImportError, import_grids, plan_import
from .geojson import grids_to_geojson
from .models import AddressPoint, Grid, PointOfInterest, Road, RoadAlias
from .readers import read_geodata


class InServiceFilter(admin.SimpleListFilter):
    title = _("in service")
    parameter_name = "in_service"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("in service today")), ("no", _("retired or not yet started"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        current = Grid.objects.valid_at(timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=current)
        if self.value() == "no":
            return queryset.exclude(pk__in=current)
        return queryset


CRS_CHOICES = [
    ("", _("as the file says")),
    ("wgs84", _("WGS84 (GPS)")),
    ("cgcs2000", _("CGCS2000 longitude/latitude")),
    ("gcj02", _("GCJ-02 (AMap, Tencent, WeChat)")),
    ("bd09", _("BD-09 (Baidu)")),
    *[
        (f"EPSG:{4513 + z}", format_lazy("{} {} (EPSG:{})", _("CGCS2000 3-degree zone"), 25 + z, 4513 + z))
        for z in range(21)
    ],
    *[
        (
            f"EPSG:{4534 + z}",
            format_lazy("{} {}°E (EPSG:{})", _("CGCS2000 3-degree CM"), 75 + 3 * z, 4534 + z),
        )
        for z in range(21)
    ],
]


class GridImportForm(forms.Form):
    file = forms.FileField(
        label=_("grid file"),
        help_text=_("GeoJSON, a zipped Shapefile (.zip) or a GeoPackage (.gpkg) of polygons"),
    )
    crs = forms.ChoiceField(
        label=_("coordinate system"),
        required=False,
        choices=CRS_CHOICES,
        help_text=_("Leave as detected unless the file is in GCJ-02 or BD-09, which a file cannot name"),
    )
    valid_from = forms.DateField(
        label=_("valid from"), initial=timezone.localdate, help_text=_("First day the grids are in service")
    )
    dry_run = forms.BooleanField(label=_("check only"), required=False)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "area", "valid_from", "valid_to")
    list_filter = (InServiceFilter, "valid_from")
    search_fields = ("code", "name", "community__code", "community__name")
    list_select_related = ("community",)
    ordering = ("code", "valid_from")
    fields = (
        "code",
        "name",
        "community",
        "responsible_unit",
        "valid_from",
        "valid_to",
        "area_m2",
        "geometry_summary",
        "updated_at",
    )
    readonly_fields = fields
    actions = ("export_geojson",)
    change_list_template = "admin/geo/grid/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Grid]:
        return restrict(super().get_queryset(request), request.user, "view")

    # Rows change only through the import and the other actions, never by editing a form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm("geo.add_grid")

    @admin.display(description=_("area (m²)"), ordering="area_m2")
    def area(self, grid: Grid) -> str:
        return f"{grid.area_m2:,.0f}"

    @admin.display(description=_("geometry"))
    def geometry_summary(self, grid: Grid) -> str:
        geom = grid.geometry
        rings = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
        vertices = sum(len(p.exterior.coords) - 1 for p in rings)
        return (
            f"{geom.geom_type} · {vertices} vertices · centroid {grid.centroid_lon:.6f}, "
            f"{grid.centroid_lat:.6f} · bbox {grid.min_lon:.6f}, {grid.min_lat:.6f} – "
            f"{grid.max_lon:.6f}, {grid.max_lat:.6f}"
        )

    @admin.action(description=_("Export selected grids as GeoJSON"))
    def export_geojson(self, request: HttpRequest, queryset: QuerySet[Grid]) -> HttpResponse:
        body = json.dumps(grids_to_geojson(queryset), ensure_ascii=False)
        response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="grids-{timezone.localdate()}.geojson"'
        return response

    def get_urls(self) -> list[URLPattern]:
        custom = [path("import/", self.admin_site.admin_view(self.import_view), name="geo_grid_import")]
        return custom + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a GeoJSON file; show every problem, or import it through ``import_grids``."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        problems: list[str] = []
        warnings: list[str] = []
        form = GridImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            valid_from: dt.date = form.cleaned_data["valid_from"]
            try:
                crs = form.cleaned_data["crs"] or None
                features = read_geodata(upload, crs=crs, name=upload.name).features
                if form.cleaned_data["dry_run"]:
                    plan = plan_import(features, valid_from=valid_from)
                    warnings = [str(w) for w in plan.warnings]
                    messages.info(
                        request,
                        _("%(n)d grids would be imported (%(r)d redrawn); nothing was written.")
                        % {"n": len(plan.grids), "r": len(plan.replaced_ids)},
                    )
                else:
                    assert isinstance(request.user, User)
                    report = import_grids(
                        features, actor=request.user, valid_from=valid_from, source=upload.name
                    )
                    for warning in report.warnings[:50]:
                        messages.warning(request, str(warning))
                    # In the administrator's language (``summary()`` is the command line's English).
                    messages.success(
                        request,
                        _("%(n)d grids imported, valid from %(day)s (%(r)d redrawn, %(w)d warnings).")
                        % {
                            "n": report.created,
                            "day": valid_from.isoformat(),
                            "r": report.redrawn,
                            "w": len(report.warnings),
                        },
                    )
                    return HttpResponseRedirect(reverse("admin:geo_grid_changelist"))
            except GridImportError as exc:
                problems = [str(p) for p in exc.problems]
            except ValidationError as exc:
                problems = list(exc.messages)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import unit grids"),
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "warnings": warnings,
        }
        return TemplateResponse(request, "admin/geo/grid/import.html", context)


@admin.register(Road)
class RoadAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "district", "length")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("district",)
    fields = ("name", "kind", "district", "length")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Road]:
        return restrict(super().get_queryset(request), request.user, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("length (m)"))
    def length(self, road: Road) -> str:
        from .projection import EqualArea

        geom = road.geometry
        centre = geom.centroid
        return f"{EqualArea(centre.x, centre.y).project(geom).length:,.0f}"


class _ImportedOnly(admin.ModelAdmin):
    """The gazetteer's tables are written by their import commands (audited actions); the admin
    shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoadAlias)
class RoadAliasAdmin(_ImportedOnly):
    list_display = ("alias", "road_name")
    search_fields = ("alias", "road_name")


@admin.register(AddressPoint)
class AddressPointAdmin(_ImportedOnly):
    list_display = ("road_name", "number", "suffix", "lon", "lat", "source")
    search_fields = ("road_name",)


@admin.register(PointOfInterest)
class PointOfInterestAdmin(_ImportedOnly):
    list_display = ("name", "kind", "lon", "lat", "source")
    list_filter = ("kind",)
    search_fields = ("name",)

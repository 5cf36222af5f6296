"""GeoJSON in and out: reading an import file, and exporting grids so that export → import round-trips."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import shapely
import shapely.geometry
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .models import Grid


def features_of(data: Any) -> list[dict[str, Any]]:
    """The features of a parsed GeoJSON document: a FeatureCollection, one Feature, or a list."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise ValidationError("the FeatureCollection has no 'features' list")
        return features
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    if isinstance(data, list):
        return data
    raise ValidationError("expected a GeoJSON FeatureCollection of unit grids")


def read_features(source: str | Path | IO[str] | IO[bytes]) -> list[dict[str, Any]]:
    """Load the features of a GeoJSON file (a path or an open file); bad JSON is a ValidationError."""
    try:
        if isinstance(source, str | Path):
            with open(source, "rb") as fh:
                data = json.load(fh)
        else:
            data = json.load(source)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"the file is not valid JSON (UTF-8): {exc}") from None
    return features_of(data)


def grid_feature(grid: Grid, community_code: str, responsible_code: str | None) -> dict[str, Any]:
    """One grid as a GeoJSON Feature with the properties the import reads, plus informative extras."""
    properties: dict[str, Any] = {"code": grid.code, "name": grid.name, "community": community_code}
    if responsible_code:
        properties["responsible_unit"] = responsible_code
    # Informative only: the import ignores these (validity comes from --valid-from, area is measured).
    properties["area_m2"] = round(grid.area_m2, 1)
    properties["valid_from"] = grid.valid_from.isoformat()
    properties["valid_to"] = grid.valid_to.isoformat() if grid.valid_to else None
    return {
        "type": "Feature",
        "id": grid.code,
        "geometry": shapely.geometry.mapping(grid.geometry),
        "properties": properties,
    }


def grids_to_geojson(queryset: QuerySet[Grid] | Iterable[Grid]) -> dict[str, Any]:
    """A FeatureCollection of the grids, ordered by code; feed it back to ``import_grids`` unchanged."""
    if isinstance(queryset, QuerySet):
        queryset = queryset.select_related("community", "responsible_unit").order_by("code", "valid_from")
    features = []
    for grid in queryset:
        responsible = grid.responsible_unit
        features.append(grid_feature(grid, grid.community.code, responsible.code if responsible else None))
    return {"type": "FeatureCollection", "features": features}

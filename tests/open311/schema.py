"""Validating Open311 answers against the official GeoReport v2 definition (Swagger 2.0, in
``data/georeport_v2-1.yaml``) with jsonschema.

JSON answers are validated as they are. An XML answer is read into the same shape first: its root
holds a list of items (``<services><service>…``) or is one object (``<service_definition>``); leaf
texts take the type the definition gives the field (number, boolean, integer), so the XML's content
is held to the same schema as the JSON's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import yaml

DEFINITION = Path(__file__).parent / "data" / "georeport_v2-1.yaml"

# Calls outside the official definition, validated with the schema of the call they extend.
ERROR = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}
UPDATE = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime"],
        "properties": {
            "update_id": {"type": "string"},
            "service_request_id": {"type": "string"},
            "status": {"enum": ["open", "closed"]},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": "string"},
            "media_url": {"type": "string"},
        },
    },
}
DISCOVERY = {
    "type": "object",
    "required": ["changeset", "endpoints"],
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["specification", "url", "type", "formats"],
                "properties": {"formats": {"type": "array", "items": {"type": "string"}}},
            },
        },
    },
}


@dataclass
class Conformance:
    document: dict[str, Any]

    @classmethod
    def load(cls) -> Conformance:
        return cls(yaml.safe_load(DEFINITION.read_text(encoding="utf-8")))

    def schema_for(self, path: str, method: str, status: int) -> dict[str, Any]:
        """The response schema the definition gives ``path`` (``/services.{response_format}``)."""
        if status >= 400:
            return ERROR
        if path == "/servicerequestupdates.{response_format}":
            return UPDATE
        if path == "/discovery.{response_format}":
            return DISCOVERY
        if path == "/requests/{service_request_id}.{response_format}":
            # The specification's text: a list of one request (the definition has only /request/…).
            one = self.document["paths"]["/request/{service_request_id}.{response_format}"]
            return {
                "type": "array",
                "minItems": 1,
                "maxItems": 1,
                "items": one["get"]["responses"]["200"]["schema"],
            }
        if path == "/tokens/{token_id}.{response_format}":
            # The specification's text and the definition's own XML example (service_requests/request)
            # give a list; the definition's schema says one TokenResponse: its items are that.
            return {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/TokenResponse"}}
        operation = self.document["paths"][path][method.lower()]
        return operation["responses"][str(status)]["schema"]

    def validate(self, path: str, method: str, response: Any) -> Any:
        """The answer's content, after checking it against the definition; raises on any mismatch."""
        fmt = "xml" if response["Content-Type"].startswith("text/xml") else "json"
        schema = self.schema_for(path, method, response.status_code)
        if fmt == "json":
            assert response["Content-Type"].startswith("application/json")
            data = response.json()
        else:
            data = self.from_xml(response.content, schema)
        full = {**schema, "definitions": self.document["definitions"]}
        jsonschema.Draft4Validator(full, format_checker=jsonschema.FormatChecker()).validate(data)
        return data

    # --- XML into the schema's shape ------------------------------------------------------------

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if ref:
            return self.document["definitions"][ref.rsplit("/", 1)[-1]]
        return schema

    def from_xml(self, content: bytes, schema: dict[str, Any]) -> Any:
        assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), content[:60]
        root = ET.fromstring(content)
        return self._value(root, self._resolve(schema))

    def _value(self, node: ET.Element, schema: dict[str, Any]) -> Any:
        schema = self._resolve(schema)
        kind = schema.get("type") or ("object" if "properties" in schema else "string")
        if kind == "array":
            return [self._value(child, schema.get("items", {})) for child in node]
        if kind == "object":
            props = schema.get("properties", {})
            return {child.tag: self._value(child, props.get(child.tag, {})) for child in node}
        text = node.text or ""
        if kind == "number":
            return float(text)
        if kind == "integer":
            return int(text)
        if kind == "boolean":
            assert text in ("true", "false"), text
            return text == "true"
        return text

"""Checks that a response matches the service's OpenAPI document: path, status, type, body."""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:kontakt:openapi"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class OpenApi:
    """One service's document, ready to check responses against."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(BASE, resource)
        self.paths: list[tuple[re.Pattern[str], str]] = []
        for template in document["paths"]:
            regex = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
            self.paths.append((re.compile(regex), template))
        # Literal paths win over templates.
        self.paths.sort(key=lambda p: p[1].count("{"))

    def template(self, path: str) -> str | None:
        """The documented path template `path` falls under, if any."""
        return next((t for regex, t in self.paths if regex.match(path)), None)

    def _response(
        self, template: str, method: str, status: int
    ) -> tuple[dict[str, Any], str] | None:
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            return None
        responses = operation["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            raise AssertionError(f"{method} {template} answered {status}, which is not documented")
        response = responses[key]
        pointer = _pointer("paths", template, method.lower(), "responses", key)
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#/")
            response = self.document
            for part in pointer.split("/"):
                response = response[part.replace("~1", "/").replace("~0", "~")]
        return response, pointer

    def check(self, method: str, path: str, status: int, content_type: str, body: bytes) -> None:
        """Raise AssertionError when the response does not match the document."""
        template = self.template(path)
        if template is None:
            return  # undocumented path: only a 404 problem is expected, checked by the caller
        found = self._response(template, method, status)
        if found is None:
            return  # undocumented method: 405, checked by the caller
        response, pointer = found
        content = response.get("content")
        if not content:
            assert not body, f"{method} {path} {status} should have no body"
            return
        assert content_type in content, (
            f"{method} {path} {status}: {content_type} is not among {sorted(content)}"
        )
        schema = content[content_type].get("schema")
        if schema is None:
            return
        # A JSON media type is checked as JSON; any other (a script, CSV) as the text it is.
        is_json = content_type == "application/json" or content_type.endswith("+json")
        data = json.loads(body) if is_json else body.decode("utf-8")
        ref = {"$ref": f"{BASE}#/{pointer}/content/{_pointer(content_type)}/schema"}
        validator = Draft202012Validator(ref, registry=self.registry)
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        assert not errors, f"{method} {path} {status} does not match its schema: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5]
        )

"""Every payload in shared/payloads.py matches the producing service's OpenAPI schema.

Property names, required versus optional keys, JSON types and enums are compared both ways,
nested objects and arrays included: a field renamed on one side only fails here.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
import yaml

from shared import payloads
from shared.payloads import JSON

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[2]
Schema = dict[str, Any]


@cache
def _document(service: str) -> Schema:
    document: Schema = yaml.safe_load(
        (ROOT / "services" / service / "openapi.yaml").read_text(encoding="utf-8")
    )
    return document


def _at(document: Schema, pointer: str) -> Schema:
    found: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        found = found[part.replace("~1", "/").replace("~0", "~")]
    assert isinstance(found, dict)
    return found


def _merge(a: Schema, b: Schema) -> Schema:
    merged = dict(a)
    for key, value in b.items():
        if key == "required":
            merged[key] = sorted({*merged.get(key, ()), *value})
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(document: Schema, schema: Schema) -> Schema:
    """`$ref` followed and `allOf` merged, recursively at the top level."""
    if "$ref" in schema:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return _resolve(document, _merge(_at(document, schema["$ref"]), rest))
    if "allOf" in schema:
        merged: Schema = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged = _merge(merged, _resolve(document, part))
        return merged
    return schema


def _alternatives(document: Schema, schema: Schema) -> list[Schema]:
    """A schema as its alternatives, one JSON type each."""
    schema = _resolve(document, schema)
    choices: list[Schema] = schema.get("oneOf") or schema.get("anyOf") or []
    if choices:
        return [a for s in choices for a in _alternatives(document, s)]
    kinds = schema.get("type")
    if kinds is None:
        raise AssertionError(f"schema without a type: {schema}")
    if isinstance(kinds, str):
        kinds = [kinds]
    return [{**schema, "type": kind} for kind in kinds]


def _annotation_kinds(annotation: Any) -> list[Any]:
    """An annotation as its alternatives (None for JSON null)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for arg in get_args(annotation) for a in _annotation_kinds(arg)]
    return [annotation]


def _json_type(annotation: Any) -> str:
    if annotation is type(None) or annotation is None:
        return "null"
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if annotation is str or get_origin(annotation) is Literal:
        return "string"
    if get_origin(annotation) is list:
        return "array"
    if get_origin(annotation) is dict or is_typeddict(annotation):
        return "object"
    raise AssertionError(f"no JSON type for {annotation!r}")


def _compare(document: Schema, annotation: Any, schema: Schema, where: str) -> None:
    if annotation == JSON or annotation == typing.ForwardRef("JSON"):
        return  # free-form on purpose
    alternatives = {a["type"]: a for a in _alternatives(document, schema)}
    kinds = {_json_type(k): k for k in _annotation_kinds(annotation)}
    assert set(kinds) == set(alternatives), (
        f"{where}: the payload allows {sorted(kinds)}, the schema {sorted(alternatives)}"
    )
    for json_type, python in kinds.items():
        sub = alternatives[json_type]
        if get_origin(python) is Literal:
            assert sorted(get_args(python)) == sorted(sub.get("enum", ())), f"{where}: enum"
        elif json_type == "string":
            assert "enum" not in sub, f"{where}: the schema has an enum, the payload a str"
        elif json_type == "array" and "items" in sub:
            _compare(document, get_args(python)[0], sub["items"], f"{where}[]")
        elif is_typeddict(python):
            _compare_object(document, python, sub, where)
        elif json_type == "object" and get_origin(python) is dict:
            extra = sub.get("additionalProperties")
            if isinstance(extra, dict):
                _compare(document, get_args(python)[1], extra, f"{where}.*")


def _compare_object(document: Schema, typed: Any, schema: Schema, where: str) -> None:
    if where.count(".") > 8:
        return  # a recursive payload (a network's members) is compared once per level shown
    schema = _resolve(document, schema)
    properties: Schema = schema.get("properties", {})
    required = set(schema.get("required", ()))
    assert typed.__required_keys__ == required, (
        f"{where}: required keys differ: payload only {sorted(typed.__required_keys__ - required)}"
        f", schema only {sorted(required - typed.__required_keys__)}"
    )
    keys = typed.__required_keys__ | typed.__optional_keys__
    assert keys == set(properties), (
        f"{where}: keys differ: payload only {sorted(keys - set(properties))}, "
        f"schema only {sorted(set(properties) - keys)}"
    )
    hints = get_type_hints(typed, vars(payloads))
    for key in sorted(keys):
        _compare(document, hints[key], properties[key], f"{where}.{key}")


def _response(path: str, method: str = "get", status: str = "200") -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"


DECLARED: list[tuple[Any, str, str]] = [
    (payloads.Network, "directory", "#/components/schemas/Network"),
    (payloads.NetworkPage, "directory", _response("/v1/networks")),
    (payloads.Organisation, "directory", "#/components/schemas/Organisation"),
    (payloads.OrganisationPage, "directory", _response("/v1/organisations")),
    (payloads.Phone, "directory", "#/components/schemas/Phone"),
    (payloads.Contact, "directory", "#/components/schemas/Contact"),
    (payloads.ContactPage, "directory", _response("/v1/networks/{slug}/contacts")),
    (payloads.Grant, "directory", "#/components/schemas/Permission"),
    (payloads.Account, "directory", "#/components/schemas/Account"),
    (payloads.Token, "directory", "#/components/schemas/Token"),
    (payloads.Introspection, "directory", "#/components/schemas/Introspection"),
    (payloads.SyncPoint, "directory", _response("/v1/sync")),
    (payloads.Redemption, "directory", _response("/v1/reveal/redeem", "post")),
    (payloads.ContactOrder, "directory", "#/components/schemas/ContactOrder"),
    (payloads.DeletedContacts, "directory", "#/components/schemas/DeletedContacts"),
    (payloads.Widget, "directory", _response("/v1/widget/{network}")),
    (payloads.Campaign, "mailing", "#/components/schemas/Campaign"),
    (payloads.MailingList, "mailing", "#/components/schemas/List"),
]


@pytest.mark.parametrize(
    ("typed", "service", "pointer"), DECLARED, ids=[t.__name__ for t, _, _ in DECLARED]
)
def test_payload_matches_its_schema(typed: Any, service: str, pointer: str) -> None:
    document = _document(service)
    _compare_object(document, typed, _at(document, pointer), f"{typed.__name__}")


def test_every_payload_is_checked() -> None:
    """A payload declared later cannot skip the comparison (nested ones are checked inside)."""
    nested = {
        payloads.Workplace, payloads.Link, payloads.Membership, payloads.TokenInUse,
        payloads.IntrospectionDetails, payloads.WidgetPhone, payloads.WidgetLink,
        payloads.WidgetCard, payloads.CampaignProgress, payloads.DeletedContact,
    }  # fmt: skip
    declared = {v for v in vars(payloads).values() if is_typeddict(v)}
    assert declared == {t for t, _, _ in DECLARED} | nested


def test_a_renamed_field_fails() -> None:
    """The comparison itself notices a renamed key (it is not vacuous)."""
    document = _document("directory")
    schema = _at(document, "#/components/schemas/Phone")
    renamed = {**schema, "properties": dict(schema["properties"])}
    renamed["properties"]["number"] = renamed["properties"].pop("written")
    renamed["required"] = ["e164", "number", "kind", "extension"]
    with pytest.raises(AssertionError, match="written"):
        _compare_object(document, payloads.Phone, renamed, "Phone")

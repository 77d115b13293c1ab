"""WebDAV XML: namespaces, multistatus responses and request bodies (RFC 4918, 6352, 6578)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import cast
from xml.sax.saxutils import escape

from aiohttp import web

from shared.bodies import MAX_NESTING

DAV = "DAV:"
CARD = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
ET.register_namespace("D", DAV)
ET.register_namespace("C", CARD)
ET.register_namespace("CS", CS)

DAV_HEADER = "1, 3, addressbook"


def tag(namespace: str, name: str) -> str:
    """A Clark-notation tag name, `{DAV:}href`."""
    return f"{{{namespace}}}{name}"


class BadXml(ValueError):
    """A request body that is not the XML it should be."""


def parse(body: bytes) -> ET.Element | None:
    """The request's XML, or None for an empty body; entity tricks are refused."""
    if not body.strip():
        return None
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise BadXml("document type declarations are not accepted")
    # Parsed as it streams, so nesting past the limit is refused before a tree of it exists.
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth = 0
    try:
        parser.feed(body)
        for event in parser.read_events():
            kind, node = cast(tuple[str, object], event)
            if kind == "end":
                depth -= 1
                continue
            if root is None and isinstance(node, ET.Element):
                root = node
            depth += 1
            if depth > MAX_NESTING:
                raise BadXml(f"elements nest deeper than {MAX_NESTING} levels")
        parser.close()
    except ET.ParseError as exc:
        raise BadXml(str(exc)) from exc
    if root is None:
        raise BadXml("no element")
    return root


Props = dict[str, ET.Element | str | None]


def response(href: str, found: Props, missing: Iterable[str] = ()) -> ET.Element:
    """One <D:response> with a 200 propstat for what exists and a 404 one for `missing`."""
    element = ET.Element(tag(DAV, "response"))
    ET.SubElement(element, tag(DAV, "href")).text = href
    if found:
        stat = ET.SubElement(element, tag(DAV, "propstat"))
        prop = ET.SubElement(stat, tag(DAV, "prop"))
        for name, value in found.items():
            if isinstance(value, ET.Element):
                prop.append(value)
            else:
                ET.SubElement(prop, name).text = value
        ET.SubElement(stat, tag(DAV, "status")).text = "HTTP/1.1 200 OK"
    names = list(missing)
    if names:
        stat = ET.SubElement(element, tag(DAV, "propstat"))
        prop = ET.SubElement(stat, tag(DAV, "prop"))
        for name in names:
            ET.SubElement(prop, name)
        ET.SubElement(stat, tag(DAV, "status")).text = "HTTP/1.1 404 Not Found"
    return element


def gone(href: str) -> ET.Element:
    """A member that is no longer there (sync-collection, multiget)."""
    element = ET.Element(tag(DAV, "response"))
    ET.SubElement(element, tag(DAV, "href")).text = href
    ET.SubElement(element, tag(DAV, "status")).text = "HTTP/1.1 404 Not Found"
    return element


def fragment(element: ET.Element) -> str:
    """One <D:response> as text, its namespaces declared on it: cached and joined as is."""
    return ET.tostring(element, encoding="unicode")


def multistatus(
    responses: Iterable[ET.Element | str], sync_token: str | None = None
) -> web.Response:
    """A 207 Multi-Status (RFC 4918 §13) of responses, or of their `fragment()` texts."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">']
    parts += [r if isinstance(r, str) else fragment(r) for r in responses]
    if sync_token is not None:
        parts.append(f"<D:sync-token>{escape(sync_token)}</D:sync-token>")
    parts.append("</D:multistatus>")
    body = "".join(parts).encode("utf-8")
    return web.Response(
        status=207,
        body=body,
        content_type="application/xml",
        charset="utf-8",
        headers={"DAV": DAV_HEADER},
    )


def error(
    status: int, condition: str | ET.Element, namespace: str = DAV, **headers: str
) -> web.Response:
    """A WebDAV precondition failure: <D:error><D:condition/></D:error> (RFC 4918 §16)."""
    root = ET.Element(tag(DAV, "error"))
    if isinstance(condition, ET.Element):
        root.append(condition)
    else:
        ET.SubElement(root, tag(namespace, condition))
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return web.Response(
        status=status,
        body=body,
        content_type="application/xml",
        charset="utf-8",
        headers={"DAV": DAV_HEADER, **headers},
    )


def need_privileges(href: str, privilege: str) -> web.Response:
    """403 naming the privilege a write needs (RFC 3744 §7.1.1), so clients say read-only."""
    return error(
        403,
        element(
            tag(DAV, "need-privileges"),
            element(
                tag(DAV, "resource"),
                element(tag(DAV, "href"), text=href),
                element(tag(DAV, "privilege"), element(tag(DAV, privilege))),
            ),
        ),
    )


def element(name: str, *children: ET.Element, text: str | None = None, **attrs: str) -> ET.Element:
    """An element with children, text and attributes."""
    made = ET.Element(name, attrs)
    made.extend(children)
    made.text = text
    return made


def href_element(name: str, href: str) -> ET.Element:
    """<name><D:href>href</D:href></name>."""
    return element(name, element(tag(DAV, "href"), text=href))

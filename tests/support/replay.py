"""Replays a CardDAV client's request sequence (a fixture in tests/samples/carddav/).

A fixture is YAML: `client`, `sources` (where its shape comes from) and `steps`. A step
sends one request (`method`, `path`, `headers`, `body`) and checks the answer (`expect`:
a status, or a list of them). Paths and bodies may name what earlier steps `capture`d
(`{principal}`, `{home}`...), as the real client reuses what the server told it:
- `capture: {name: "xpath"}` takes the text at an ElementTree path of the 207 answer
  (and fails the step when nothing is there);
  `capture_all: {name: "xpath"}` takes every match but the collection's own href;
- `follow: true` re-sends the request to a redirect's Location, as clients do with
  `/.well-known/carddav`;
- `batch: {over: name, size: N}` sends the request once per N captured values, with
  `{batch}` in the body replaced by their `<D:href>` elements;
- `pause: edit` hands control back to the test (which changes the directory) before going on.
The answers of every step are kept, so a test can check what the client would now hold.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from aiohttp.test_utils import TestClient

FIXTURES = Path(__file__).resolve().parent.parent / "samples" / "carddav"
NAMESPACES = {
    "D": "DAV:",
    "C": "urn:ietf:params:xml:ns:carddav",
    "CS": "http://calendarserver.org/ns/",
}


@dataclass
class Answer:
    """One response as the client saw it."""

    step: str
    method: str
    path: str
    status: int
    headers: dict[str, str]
    root: ET.Element | None


@dataclass
class Replay:
    """A client's state while its sequence runs."""

    client: TestClient  # type: ignore[type-arg]
    auth: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)

    def cards(self) -> dict[str, str]:
        """address-data by href, the latest of every answer (what the client now holds)."""
        held: dict[str, str] = {}
        for answer in self.answers:
            if answer.root is None:
                continue
            for response in answer.root.findall("D:response", NAMESPACES):
                href = response.findtext("D:href", "", NAMESPACES)
                data = response.find(".//C:address-data", NAMESPACES)
                if data is not None:
                    held[href] = data.text or ""
                elif response.findtext("D:status", "", NAMESPACES).endswith("404 Not Found"):
                    held.pop(href, None)
        return held


def load(name: str) -> dict[str, Any]:
    """A fixture by file name."""
    data: dict[str, Any] = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def _fill(text: str, values: dict[str, Any]) -> str:
    for key, value in values.items():
        if isinstance(value, str):
            text = text.replace("{" + key + "}", value)
    return text


async def _send(replay: Replay, step: dict[str, Any], path: str, body: str) -> Answer:
    headers = {**step.get("headers", {}), **replay.auth}
    method = step["method"]
    for _ in range(5):
        async with replay.client.request(
            method, path, data=body.encode("utf-8"), headers=headers, allow_redirects=False
        ) as response:
            raw = await response.read()
            status, answered = response.status, dict(response.headers)
        if step.get("follow") and status in (301, 302, 307, 308):
            path = urlsplit(answered["Location"]).path
            continue
        break
    root = None
    if raw and answered.get("Content-Type", "").startswith(("application/xml", "text/xml")):
        root = ET.fromstring(raw)  # noqa: S314 (our own answer)
    return Answer(step["name"], method, path, status, answered, root)


Pause = Callable[[str], Awaitable[None]]


async def run(replay: Replay, fixture: dict[str, Any], pause: Pause) -> Replay:
    """Send every step in order; an unexpected status fails with the step's name."""
    for step in fixture["steps"]:
        if "pause" in step:
            await pause(step["pause"])
            continue
        path = _fill(step["path"], replay.values)
        body = _fill(step.get("body", ""), replay.values)
        bodies = [body]
        if "batch" in step:
            over: list[str] = replay.values.get(step["batch"]["over"], [])
            size = step["batch"]["size"]
            bodies = [
                body.replace(
                    "{batch}", "".join(f"<D:href>{h}</D:href>" for h in over[i : i + size])
                )
                for i in range(0, len(over), size)
            ]
        for each in bodies:
            answer = await _send(replay, step, path, each)
            replay.answers.append(answer)
            expected = step.get("expect", 207)
            allowed = expected if isinstance(expected, list) else [expected]
            assert answer.status in allowed, (fixture["client"], step["name"], answer.status)
            _capture(replay, step, answer)
    return replay


def _capture(replay: Replay, step: dict[str, Any], answer: Answer) -> None:
    if answer.root is None:
        return
    for name, path in step.get("capture", {}).items():
        found = answer.root.find(path, NAMESPACES)
        assert found is not None, (step["name"], name)
        replay.values[name] = (found.text or "").strip() or "present"
    for name, path in step.get("capture_all", {}).items():
        # The collection's own response is not one of its members.
        hrefs = [(e.text or "").strip() for e in answer.root.findall(path, NAMESPACES)]
        replay.values[name] = [h for h in hrefs if h.rstrip("/") != answer.path.rstrip("/")]

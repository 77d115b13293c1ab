"""The development mail sink keeps mail across restarts and shows it readably, links working."""

from __future__ import annotations

import asyncio
import base64
import email.message
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiosmtplib
import pytest
from aiohttp.test_utils import TestServer
from aiosmtpd.smtp import SMTP
from playwright.async_api import Browser

from devstack.mailsink import Sink, sink_app

# Long enough for quoted-printable to fold it, with '=' that it must encode as '=3D'.
LINK = "http://127.0.0.1:8082/confirm/eyJsIjoxLCJzIjo0Mn0.c2lnbmF0dXJlLWxvbmctZW5vdWdo?lang=lv&x=1"


def confirmation(number: int) -> email.message.EmailMessage:
    """A confirmation mail as the mailing service sends one: text and HTML, quoted-printable."""
    message = email.message.EmailMessage()
    message["From"] = "Daina Mežecka <daina@example.lv>"
    message["To"] = "Lina Kisevičienė <lina@example.lt>"
    message["Subject"] = f"Apstipriniet abonementu {number}"
    message.set_content(f"Labdien!\n\nAtveriet šo saiti:\n\n{LINK}\n", cte="quoted-printable")
    message.add_alternative(
        f"<html><head><title>x</title></head><body><p>Labdien, Mežecka!</p>"
        f'<p><a href="{LINK.replace("&", "&amp;")}">Apstiprināt</a></p></body></html>',
        subtype="html",
        cte="quoted-printable",
    )
    return message


async def send(sink: Sink, *messages: email.message.EmailMessage) -> None:
    """Deliver over real SMTP to an aiosmtpd server holding `sink`, as `make run` starts it."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, enable_SMTPUTF8=True), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        for message in messages:
            await aiosmtplib.send(message, hostname="127.0.0.1", port=port)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def sink_page(tmp_path: Path) -> AsyncIterator[tuple[Sink, str]]:
    """A sink with two messages on disk, and its pages' address."""
    sink = Sink(tmp_path / "mail")
    await send(sink, confirmation(1), confirmation(2))
    server = TestServer(sink_app(sink), host="127.0.0.1")
    await server.start_server()
    yield sink, str(server.make_url("")).rstrip("/")
    await server.close()


async def test_messages_survive_a_restart_and_new_ones_never_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    first = Sink(folder)
    await send(first, confirmation(1), confirmation(2))
    assert (folder / "000001.eml").read_bytes() == first.messages[0].raw
    # A file an older sink left without its envelope, after a gap in the numbers.
    (folder / "000007.eml").write_bytes(confirmation(7).as_bytes())
    before = {p.name: p.read_bytes() for p in folder.glob("*.eml")}

    restarted = Sink(folder)
    assert [m.id for m in restarted.messages] == [1, 2, 7]
    assert restarted.messages[0].rcpt_to == ["lina@example.lt"]
    assert restarted.messages[0].mail_from == "daina@example.lv"
    await send(restarted, confirmation(8))
    assert restarted.messages[-1].id == 8
    for name, raw in before.items():
        assert (folder / name).read_bytes() == raw, f"{name} was overwritten"
    assert Sink(folder).messages[-1].summary()["subject"] == "Apstipriniet abonementu 8"


async def test_a_message_shows_its_html_sandboxed_text_and_headers_with_decoded_links(
    browser: Browser, sink_page: tuple[Sink, str]
) -> None:
    sink, base = sink_page
    assert b"=3D" in sink.messages[0].raw  # the link travels encoded
    page = await browser.new_page()
    await page.goto(base)
    await page.get_by_role("link", name="Apstipriniet abonementu 1").click()
    await page.wait_for_url("**/messages/1")
    # The text part: transfer encoding undone, the link whole and clickable.
    text_link = page.locator("pre a")
    assert await text_link.get_attribute("href") == LINK
    assert await text_link.get_attribute("target") == "_blank"
    # The headers beside it, diacritics decoded.
    assert "Lina Kisevičienė <lina@example.lt>" in await page.locator("table").inner_text()
    # The HTML part in a sandboxed frame that runs no script, its link decoded too.
    frame_element = page.locator("iframe")
    assert await frame_element.get_attribute("sandbox") == (
        "allow-popups allow-popups-to-escape-sandbox"
    )
    frame = page.frame_locator("iframe")
    await frame.get_by_text("Labdien, Mežecka!").wait_for()
    assert await frame.get_by_role("link", name="Apstiprināt").get_attribute("href") == LINK
    listed = page.get_by_role("link", name=LINK)
    assert await listed.count() == 2  # in the text part and in the HTML part's links
    await page.close()


async def test_the_sink_fits_a_phone_with_long_addresses_links_and_headers(
    browser: Browser, tmp_path: Path
) -> None:
    """At 375 px neither the list nor a message scrolls sideways, whatever a header holds."""
    sink = Sink(tmp_path / "mail")
    long = confirmation(3)
    del long["To"]
    long["To"] = "zydrune.kiseviciene.koordinatore.vilniaus.miesto.savivaldybe@example.lt"
    long["List-Unsubscribe"] = f"<{LINK}{'x' * 120}>, <mailto:unsubscribe+{'y' * 80}@example.lt>"
    long.replace_header("Subject", "Apstipriniet_abonementu_" + "garš" * 30)
    await send(sink, long)
    server = TestServer(sink_app(sink), host="127.0.0.1")
    await server.start_server()
    context = await browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = await context.new_page()
        for path in ("/", "/messages/1"):
            await page.goto(str(server.make_url(path)))
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
    finally:
        await context.close()
        await server.close()


async def test_a_subject_folded_right_after_its_name_shows_without_a_leading_space(
    tmp_path: Path,
) -> None:
    """Some senders fold before the first encoded word (RFC 5322 2.2.3); unfolded, it is the
    same subject, and the list and the page show it so."""
    sink = Sink(tmp_path / "mail")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, enable_SMTPUTF8=True), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    subject = "Kisevičienė, Jõemets"
    raw = (
        b"From: daina@example.lv\r\nTo: lina@example.lt\r\nSubject:\r\n =?utf-8?b?"
        + base64.b64encode(subject.encode())
        + b"?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTere!\r\n"
    )
    try:
        await aiosmtplib.send(
            raw,
            sender="daina@example.lv",
            recipients=["lina@example.lt"],
            hostname="127.0.0.1",
            port=port,
        )
    finally:
        server.close()
        await server.wait_closed()
    assert sink.messages[-1].summary()["subject"] == subject
    app = TestServer(sink_app(sink), host="127.0.0.1")
    await app.start_server()
    try:
        url = app.make_url(f"/messages/{sink.messages[-1].id}")
        async with aiohttp.ClientSession() as http, http.get(url) as page:
            assert f"<h1>{subject}</h1>" in await page.text()
    finally:
        await app.close()

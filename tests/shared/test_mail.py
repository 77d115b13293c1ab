"""The one message builder and SMTP transport, against real servers of every kind."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from shared.mail.message import Capabilities, Draft, Template, Undeliverable, encode_body
from shared.mail.replies import Phase, Refusal, Verdict
from shared.mail.transport import SmtpConfig, send_one
from shared.settings import Settings, SettingsError
from tests.support.smtp import Received, Recorder, postfix_sink, smtp_server

LONG_URL = "https://for-in.example/uudised?" + "&".join(f"teema{i}=lõimumine" for i in range(120))
assert len(LONG_URL) > 2000
FROM_NAME = 'Žydrūnė Kisevičienė, "FOR-IN" Latvija'
SUBJECT = "Sveiki, {name}: ziņas par integrāciju un Jõemets"
LIST_ID = "Latvijas ziņu lapa <lv-zinas.example.lv>"
DRAFT = Draft(
    from_name=FROM_NAME,
    from_address="zinas@example.lv",
    subject=SUBJECT,
    text=f"Sveiki, {{name}}!\n\nLasiet vairāk: {LONG_URL}\n",
    html=f'<p>Sveiki, {{name}}!</p><p><a href="{LONG_URL}">{LONG_URL}</a></p>',
    headers=(("List-Id", LIST_ID),),
)
NAME = "Līga Mežecka <script>"


def settings_for(url: str, **changes: object) -> Settings:
    """Transport settings only: nothing else is read."""
    return Settings.from_env({}, smtp_url=url, **changes)


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII\n",
        "",
        "Tere, Žydrūnė!\nlõimumine ja koostöö\n",
        "Привет, мир! Как дела? Всё хорошо.\n" * 20,
        LONG_URL + "\n",
        "a" * 2000,
        "trailing spaces   \nand\ttabs\r\nand CRLF\n",
    ],
)
@pytest.mark.fast
def test_body_encoding_is_the_email_packages_own_choice(text: str) -> None:
    # A 7-bit transport: the encoding never needs 8BITMIME.
    part = EmailMessage(policy=email.policy.SMTP.clone(cte_type="7bit"))
    part.set_content(text)
    cte, payload = encode_body(text, email.policy.SMTP)
    assert cte == part["Content-Transfer-Encoding"]
    assert payload == str(part.get_payload()).replace("\n", "\r\n")


def check(received: Received, *, utf8: bool) -> EmailMessage:
    """Parsed with the email package; headers decode to the exact text; 7-bit unless UTF-8."""
    message = received.parsed()
    assert message["Subject"] == SUBJECT.replace("{name}", NAME)
    assert message["From"].addresses[0].display_name == FROM_NAME
    assert message["List-Id"] == LIST_ID
    assert str(message["Date"]).endswith("+0000")
    head = received.raw.partition(b"\r\n\r\n")[0]
    if not utf8:
        assert received.raw.isascii(), "8-bit data to a server that did not offer SMTPUTF8"
        assert b"=?utf-8?" in head
        assert not {"SMTPUTF8", "BODY=8BITMIME"} & {o.upper() for o in received.options}
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert LONG_URL in text.get_content()
    assert NAME in text.get_content()
    assert "Līga Mežecka &lt;script&gt;" in html.get_content()
    assert f'href="{LONG_URL}"' in html.get_content()
    return message


@pytest.mark.parametrize(
    ("smtputf8", "eightbit"), [(False, False), (False, True), (True, True)], ids=str
)
async def test_every_kind_of_server_gets_a_correct_message(smtputf8: bool, eightbit: bool) -> None:
    async with smtp_server(smtputf8=smtputf8, eightbit=eightbit) as server:
        config = SmtpConfig.from_settings(settings_for(server.url()))
        template = Template(DRAFT)
        for address in ["ieva@example.lv", "liga@piemērs.lv"]:
            await send_one(config, lambda caps, a=address: template.render(a, caps, {"name": NAME}))  # type: ignore[misc]
        received = server.handler.received
        assert len(received) == 2
        for message in received:
            check(message, utf8=smtputf8)
        idn = received[1]
        if smtputf8:
            assert idn.rcpt_to == ["liga@piemērs.lv"]
            assert "SMTPUTF8" in idn.options
            assert idn.parsed()["To"] == "liga@piemērs.lv"
        else:
            assert idn.rcpt_to == ["liga@xn--piemrs-s3a.lv"]
            assert idn.parsed()["To"] == "liga@xn--piemrs-s3a.lv"
        # A local part that is not ASCII needs SMTPUTF8: refused for this recipient alone.
        local = "līga@piemērs.lv"
        if smtputf8:
            await send_one(config, lambda caps: template.render(local, caps, {"name": NAME}))
            assert received[-1].rcpt_to == [local]
        else:
            with pytest.raises(Undeliverable) as refused:
                await send_one(config, lambda caps: template.render(local, caps, {"name": NAME}))
            assert refused.value.about == "recipient"
            assert "SMTPUTF8" in refused.value.reason
            assert len(received) == 2


@pytest.mark.parametrize("options", [(), ("-8",)], ids=["8bitmime", "7bit"])
async def test_postfix_smtp_sink_takes_the_same_message(options: tuple[str, ...]) -> None:
    async with postfix_sink(*options) as sink:
        config = SmtpConfig.from_settings(settings_for(f"smtp://127.0.0.1:{sink.port}"))
        template = Template(DRAFT)
        await send_one(
            config, lambda caps: template.render("liga@piemērs.lv", caps, {"name": NAME})
        )
        [received] = sink.received()
        assert received.rcpt_to == ["liga@xn--piemrs-s3a.lv"]
        check(received, utf8=False)


async def test_percent_encoded_userinfo_over_starttls_and_implicit_tls(tmp_path: Path) -> None:
    userinfo = "list%40example.ee:p%2Fa%40s%23s%25w%3Ard@"
    async with smtp_server(starttls=True, auth=True) as server:
        config = SmtpConfig.from_settings(
            settings_for(server.url(userinfo), smtp_tls="starttls", smtp_ca_file=server.ca_file)
        )
        await send_one(config, lambda caps: Template(DRAFT).render("a@example.lv", caps, {}))
        assert server.handler.logins == [("list@example.ee", "p/a@s#s%w:rd")]
        assert len(server.handler.received) == 1
        # The password may come from a file (a mounted secret) instead of the URL.
        secret = tmp_path / "password"
        secret.write_text("p/a@s#s%w:rd\n")
        from_file = SmtpConfig.from_settings(
            settings_for(
                server.url("list%40example.ee@"),
                smtp_ca_file=server.ca_file,
                smtp_password_file=str(secret),
            )
        )
        await send_one(from_file, lambda caps: Template(DRAFT).render("a@example.lv", caps, {}))
        assert len(server.handler.received) == 2
    # (aiosmtpd cannot tell that a connection began in TLS: it is told AUTH may go "plain".)
    async with smtp_server(implicit_tls=True, auth=True, auth_over_plain=True) as server:
        config = SmtpConfig.from_settings(
            settings_for(server.url(userinfo, "smtps"), smtp_ca_file=server.ca_file)
        )
        assert config.tls == "implicit"
        await send_one(config, lambda caps: Template(DRAFT).render("a@example.lv", caps, {}))
        assert len(server.handler.received) == 1
        assert server.handler.logins == [("list@example.ee", "p/a@s#s%w:rd")]


async def test_tls_fails_closed_and_no_password_goes_out_in_clear() -> None:
    async with smtp_server() as server:
        # starttls required, and the server does not offer it: nothing is sent.
        required = SmtpConfig.from_settings(settings_for(server.url(), smtp_tls="starttls"))
        with pytest.raises(Refusal) as refused:
            await send_one(required, lambda caps: Template(DRAFT).render("a@example.lv", caps))
        assert refused.value.phase is Phase.CONNECT
        assert refused.value.verdict is Verdict.PAUSE
        assert "STARTTLS" in refused.value.reason
        assert server.handler.received == []
    # A server offering AUTH over a plain connection gets no password unless allowed.
    recorder = Recorder()
    async with smtp_server(recorder, auth=True, auth_over_plain=True) as server:
        plain = SmtpConfig.from_settings(settings_for(server.url("list%40example.ee:secret@")))
        with pytest.raises(Refusal) as refused:
            await send_one(plain, lambda caps: Template(DRAFT).render("a@example.lv", caps))
        assert "not encrypted" in refused.value.reason
        assert recorder.logins == []
        allowed = SmtpConfig.from_settings(
            settings_for(server.url("list%40example.ee:secret@"), smtp_plain_auth=True)
        )
        with pytest.raises(Refusal):  # the password is wrong, but it was asked for
            await send_one(allowed, lambda caps: Template(DRAFT).render("a@example.lv", caps))
        assert recorder.logins == [("list@example.ee", "secret")]


@pytest.mark.fast
def test_transport_settings_are_checked_at_start() -> None:
    with pytest.raises(SettingsError, match="KONTAKT_SMTP_TLS"):
        SmtpConfig.from_settings(settings_for("smtps://h:465", smtp_tls="none"))
    with pytest.raises(SettingsError, match="KONTAKT_SMTP_TLS"):
        Settings.from_env({"KONTAKT_SMTP_TLS": "maybe"})
    with pytest.raises(SettingsError, match="KONTAKT_SMTP_URL"):
        SmtpConfig.from_settings(settings_for("http://h"))
    config = SmtpConfig.from_settings(settings_for("smtp://a%2Fb:c%25d@mail.example.lv"))
    assert (config.username, config.password, config.port, config.tls) == ("a/b", "c%d", 25, None)


@pytest.mark.parametrize(
    ("phase", "reply", "verdict"),
    [
        (Phase.CONNECT, "421 4.3.2 Service shutting down", Verdict.RELAY_LATER),
        (Phase.MAIL, "451 4.3.0 Try later", Verdict.RELAY_LATER),
        (Phase.MAIL, "550 5.4.5 Daily user sending quota exceeded", Verdict.PAUSE),
        (Phase.MAIL, "553 5.7.1 Sender address rejected: not owned by user", Verdict.PAUSE),
        (Phase.RCPT, "452 4.2.2 Mailbox full", Verdict.RETRY),
        (Phase.RCPT, "550 5.1.1 User unknown", Verdict.BOUNCE),
        # The sender's address (RFC 3463 X.1.7, X.1.8), refused at RCPT as Postfix does with
        # smtpd_delay_reject: about us, never a reason to suppress the recipient.
        (
            Phase.RCPT,
            "550 5.1.8 <news@example.ee>: Sender address rejected: Domain not found",
            Verdict.PAUSE,
        ),
        (Phase.RCPT, "553 5.1.7 <news@example.ee>: Sender address syntax", Verdict.PAUSE),
        (Phase.RCPT, "554 5.7.1 Relay access denied", Verdict.PAUSE),
        (Phase.RCPT, "552 5.2.2 Mailbox full", Verdict.FAIL),
        (Phase.RCPT, "550 No such user here", Verdict.FAIL),
        (Phase.DATA, "451 4.3.0 Temporary failure", Verdict.RETRY),
        (Phase.DATA, "554 5.7.1 Message rejected as spam", Verdict.PAUSE),
        (Phase.DATA, "500 Line too long", Verdict.PAUSE),
        (Phase.DATA, "550 5.1.1 Recipient address rejected", Verdict.BOUNCE),
    ],
)
@pytest.mark.fast
def test_replies_are_classified_by_phase_and_enhanced_status(
    phase: Phase, reply: str, verdict: Verdict
) -> None:
    code, _, text = reply.partition(" ")
    assert Refusal(phase, int(code), text).verdict is verdict


@pytest.mark.fast
def test_a_draft_cannot_set_the_headers_the_builder_writes() -> None:
    draft = Draft("A", "a@example.ee", "S", "x", headers=(("Bcc", "x"), ("To", "victim@x")))
    with pytest.raises(ValueError, match="To"):
        Template(draft).render("b@example.ee", Capabilities())
    injected = Draft("A\r\nBcc: v@x", "a@example.ee", "S\r\nBcc: v@x", "x")
    data = Template(injected).render("b@example.ee", Capabilities()).data
    assert b"\r\nBcc" not in data


@pytest.mark.fast
@pytest.mark.parametrize("smtputf8", [False, True], ids=["7bit-headers", "smtputf8"])
def test_names_with_diacritics_survive_the_headers(smtputf8: bool) -> None:
    """RFC 2047 encoded words without SMTPUTF8 (RFC 6532 UTF-8 with it); decoded exactly."""
    subject = "Sveiki, Jõemets! Kisevičienė, Mežecka"
    draft = Draft("Daina Mežecka", "uudised@example.lv", subject, "Labdien")
    data = Template(draft).render("lina@example.lt", Capabilities(smtputf8=smtputf8)).data
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() is not smtputf8
    assert (b"=?utf-8?" in head) is not smtputf8
    parsed = email.message_from_string(data.decode("utf-8"), policy=email.policy.SMTPUTF8)
    assert parsed["From"].addresses[0].display_name == "Daina Mežecka"
    assert str(parsed["Subject"]) == subject

"""Returned mail in the shapes real MTAs and providers send, written for Kontakt's tests.

Each entry is built from the format's documentation (RFC 3464, 3463, 5965, 6533, 3834,
qmail's QSBMF, the Exim, Postfix and Sendmail manuals, Microsoft's and Google's published
NDR texts): the structure and the fields are theirs, the wording and addresses are ours.
`ORIGINAL` is a stand-in for the enclosed copy of our own message; tests replace the
`MESSAGE_ID`, `LIST_ID` and `TO` markers with a real campaign's values.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

MESSAGE_ID = "<kontakt.MARK@example.ee>"
LIST_ID = "FOR-IN Eesti uudiskiri <ee-uudised.example.ee>"
TO = "reader@example.ee"

ORIGINAL = (
    f"From: Madis Kanarbik <uudised@example.ee>\r\nTo: {TO}\r\n"
    "Subject: =?utf-8?q?Uudised_j=C3=A4rgmisest_kohtumisest?=\r\n"
    "Date: Tue, 04 Mar 2025 09:00:00 +0000\r\n"
    f"Message-ID: {MESSAGE_ID}\r\nList-Id: {LIST_ID}\r\n"
    "List-Unsubscribe: <https://uudised.example.ee/unsubscribe/x>\r\n"
    "Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\n"
)


def multipart_report(
    *,
    sender: str,
    subject: str,
    human: str,
    status_part: str,
    report_type: str = "delivery-status",
    status_type: str = "message/delivery-status",
    status_encoding: str = "",
    original_type: str = "text/rfc822-headers",
    original_encoding: str = "",
    extra_headers: str = "",
) -> bytes:
    """A multipart/report (RFC 6522) with a human part, a status part and the original."""
    encoding = f"Content-Transfer-Encoding: {status_encoding}\r\n" if status_encoding else ""
    body = status_part
    if status_encoding == "base64":
        body = base64.encodebytes(status_part.encode()).decode().replace("\n", "\r\n")
    original = ORIGINAL
    if original_encoding == "base64":
        # RFC 2046 allows only 7bit, 8bit or binary for message/rfc822; some loops send this.
        copy = (ORIGINAL + "\r\nTere!\r\n").encode()
        original = base64.encodebytes(copy).decode().replace("\n", "\r\n")
        original_type += "\r\nContent-Transfer-Encoding: base64"
    return (
        f"From: {sender}\r\nTo: bounces@example.ee\r\nSubject: {subject}\r\n"
        "Date: Tue, 04 Mar 2025 09:05:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"{extra_headers}"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="==b=="\r\n\r\n'
        "--==b==\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{human}\r\n"
        f"--==b==\r\nContent-Type: {status_type}\r\n{encoding}\r\n"
        f"{body}\r\n"
        f"--==b==\r\nContent-Type: {original_type}\r\n\r\n{original}\r\n"
        "--==b==--\r\n"
    ).encode()


def dsn_fields(
    *,
    reporting: str,
    recipient: str = TO,
    action: str = "failed",
    status: str,
    diagnostic: str = "",
    remote: str = "",
    address_type: str = "rfc822",
) -> str:
    """RFC 3464 per-message and per-recipient fields."""
    lines = [
        f"Reporting-MTA: dns; {reporting}",
        "Arrival-Date: Tue, 04 Mar 2025 09:00:01 +0000",
        "",
        f"Final-Recipient: {address_type}; {recipient}",
        f"Original-Recipient: {address_type}; {recipient}",
        f"Action: {action}",
        f"Status: {status}",
    ]
    if remote:
        lines.append(f"Remote-MTA: dns; {remote}")
    if diagnostic:
        lines.append(f"Diagnostic-Code: smtp; {diagnostic}")
    return "\r\n".join(lines) + "\r\n"


def postfix(status: str, diagnostic: str, action: str = "failed") -> bytes:
    """Postfix's bounce(8) report: multipart/report with its own human text."""
    human = (
        "This is the mail system at host mail.example.ee.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients. It's attached below.\r\n\r\n"
        "                   The mail system\r\n\r\n"
        f"<{TO}>: host mx.example.ee[192.0.2.10] said: {diagnostic}"
    )
    if action == "delayed":
        human = (
            "This is the mail system at host mail.example.ee.\r\n\r\n"
            "####################################################################\r\n"
            "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n"
            "####################################################################\r\n\r\n"
            "Your message could not be delivered for more than 3 hour(s).\r\n"
            "It will be retried until it is 5 day(s) old.\r\n\r\n"
            f"<{TO}>: {diagnostic}"
        )
    return multipart_report(
        sender="MAILER-DAEMON@mail.example.ee (Mail Delivery System)",
        subject="Undelivered Mail Returned to Sender"
        if action == "failed"
        else "Delayed Mail (still being retried)",
        human=human,
        status_part=dsn_fields(
            reporting="mail.example.ee",
            action=action,
            status=status,
            diagnostic=diagnostic,
            remote="mx.example.ee",
        ),
        extra_headers="Auto-Submitted: auto-replied\r\n",
    )


SENDMAIL = multipart_report(
    sender="Mail Delivery Subsystem <MAILER-DAEMON@relay.example.lv>",
    subject="Returned mail: see transcript for details",
    human=(
        "The original message was received at Tue, 4 Mar 2025 11:00:02 +0200\r\n"
        "from mail.example.ee [192.0.2.5]\r\n\r\n"
        "   ----- The following addresses had permanent fatal errors -----\r\n"
        f"<{TO}>\r\n    (reason: 550 5.1.1 <{TO}>... User unknown)\r\n\r\n"
        "   ----- Transcript of session follows -----\r\n"
        f"... while talking to mx.example.lv.:\r\n>>> RCPT To:<{TO}>\r\n"
        f"<<< 550 5.1.1 <{TO}>... User unknown\r\n550 5.1.1 <{TO}>... User unknown"
    ),
    status_part=(
        "Reporting-MTA: dns; relay.example.lv\r\nReceived-From-MTA: DNS; mail.example.ee\r\n"
        "Arrival-Date: Tue, 4 Mar 2025 11:00:02 +0200\r\n\r\n"
        f"Final-Recipient: RFC822; {TO}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Remote-MTA: DNS; mx.example.lv\r\n"
        f"Diagnostic-Code: SMTP; 550 5.1.1 <{TO}>... User unknown\r\n"
        "Last-Attempt-Date: Tue, 4 Mar 2025 11:00:03 +0200\r\n"
    ),
)

# Exchange Online / Outlook.com: a DMARC failure of the *sender's* domain, Status 5.7.1.
OUTLOOK_DMARC = multipart_report(
    sender="Microsoft Outlook <postmaster@outlook.example>",
    subject="Undeliverable: Uudised järgmisest kohtumisest",
    human=(
        "Your message to reader@example.ee couldn't be delivered.\r\n"
        "Security or policy settings at example.ee have rejected your message.\r\n\r\n"
        "Remote Server returned '550 5.7.1 Unfortunately, messages from [192.0.2.5] "
        "weren't sent. The sender domain example.ee failed DMARC policy.'"
    ),
    status_part=dsn_fields(
        reporting="AM0PR01MB0001.eurprd01.prod.outlook.example",
        status="5.7.1",
        diagnostic="550 5.7.1 Service unavailable, sender domain example.ee failed DMARC "
        "policy evaluation (reject)",
        remote="mx.example.ee",
    ),
    original_type="message/rfc822",
)

OUTLOOK_UNKNOWN = multipart_report(
    sender="Microsoft Outlook <postmaster@outlook.example>",
    subject="Undeliverable: Uudised",
    human=(
        "Your message to reader@example.ee couldn't be delivered.\r\n"
        "reader wasn't found at example.ee.\r\n"
    ),
    status_part=dsn_fields(
        reporting="DB9PR02MB0002.eurprd02.prod.outlook.example",
        status="5.1.10",
        diagnostic="550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
        "address lookup",
    ),
)

GMAIL_DISABLED = multipart_report(
    sender="Mail Delivery Subsystem <mailer-daemon@googlemail.example>",
    subject="Delivery Status Notification (Failure)",
    human=(
        "Address not found\r\n\r\n"
        "Your message wasn't delivered to reader@example.ee because the address couldn't be "
        "found, or is unable to receive mail."
    ),
    status_part=dsn_fields(
        reporting="googlemail.example",
        status="5.2.1",
        diagnostic="550-5.2.1 The email account that you tried to reach is inactive. "
        "For more information, go to the support page. x12si345 - gsmtp",
        remote="gmail-smtp-in.l.google.example",
    ),
)

GMAIL_DMARC = multipart_report(
    sender="Mail Delivery Subsystem <mailer-daemon@googlemail.example>",
    subject="Delivery Status Notification (Failure)",
    human="Message blocked\r\n\r\nYour message to reader@example.ee has been blocked.",
    status_part=dsn_fields(
        reporting="googlemail.example",
        status="5.7.26",
        diagnostic="550-5.7.26 Unauthenticated email from example.ee is not accepted due to "
        "domain's DMARC policy.",
    ),
)

GMAIL_FULL = multipart_report(
    sender="Mail Delivery Subsystem <mailer-daemon@googlemail.example>",
    subject="Delivery Status Notification (Failure)",
    human="Out of storage space",
    status_part=dsn_fields(
        reporting="googlemail.example",
        status="5.2.2",
        diagnostic="552-5.2.2 The recipient's inbox is out of storage space.",
    ),
)

# RFC 6533: an internationalised recipient in a message/global-delivery-status part.
GLOBAL_TO = "jõemets@näide.ee"
GLOBAL_DSN = multipart_report(
    sender="MAILER-DAEMON@mx.näide.ee",
    subject="Undelivered Mail Returned to Sender",
    human="Your message could not be delivered.",
    status_type="message/global-delivery-status",
    status_part=dsn_fields(
        reporting="mx.näide.ee",
        recipient=GLOBAL_TO,
        address_type="utf-8",
        status="5.1.1",
        diagnostic="550 5.1.1 mailbox unavailable",
    ),
    original_type="message/global-headers",
)
GLOBAL_DSN_BASE64 = multipart_report(
    sender="MAILER-DAEMON@mx.näide.ee",
    subject="Undelivered Mail Returned to Sender",
    human="Your message could not be delivered.",
    status_type="message/global-delivery-status",
    status_encoding="base64",
    status_part=dsn_fields(
        reporting="mx.näide.ee",
        recipient=GLOBAL_TO,
        address_type="utf-8",
        status="5.1.1",
        diagnostic="550 5.1.1 mailbox unavailable",
    ),
)


# RFC 3464 with two recipients: another address failed, ours was delivered (an alias that
# expanded, or a relay reporting a whole transaction).
TWO_RECIPIENTS = multipart_report(
    sender="MAILER-DAEMON@mx.example.lt",
    subject="Delivery Status Notification (Failure)",
    human="Delivery to one of the recipients failed.",
    status_part=(
        "Reporting-MTA: dns; mx.example.lt\r\n\r\n"
        "Final-Recipient: rfc822; other@example.lt\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"Final-Recipient: rfc822; {TO}\r\nAction: delivered\r\nStatus: 2.0.0\r\n"
    ),
)


def exim_text(reason: str) -> bytes:
    """Exim's classic bounce: text/plain, X-Failed-Recipients, the original quoted below."""
    return (
        "From: Mail Delivery System <Mailer-Daemon@mail.example.lt>\r\n"
        "To: bounces@example.ee\r\nSubject: Mail delivery failed: returning message to sender\r\n"
        f"X-Failed-Recipients: {TO}\r\nAuto-Submitted: auto-replied\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This message was created automatically by mail delivery software.\r\n\r\n"
        "A message that you sent could not be delivered to one or more of its\r\n"
        "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
        f"  {TO}\r\n    {reason}\r\n\r\n"
        "------ This is a copy of the message, including all the headers. ------\r\n\r\n"
        f"{ORIGINAL}\r\nTere!\r\n"
    ).encode()


def qmail(reason: str) -> bytes:
    """qmail-send's QSBMF: the intro, one paragraph per recipient, the break, the original."""
    return (
        "From: MAILER-DAEMON@mail.example.lv\r\nTo: bounces@example.ee\r\n"
        "Subject: failure notice\r\n\r\n"
        "Hi. This is the qmail-send program at mail.example.lv.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        f"<{TO}>:\r\n{reason}\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n\r\n"
        f"{ORIGINAL}\r\nTere!\r\n"
    ).encode()


# Exchange 5.5/2000's non-RFC report, in the shape its MSEXCH trailer gives away.
EXCHANGE_2000 = (
    "From: System Administrator <postmaster@corp.example.lt>\r\nTo: bounces@example.ee\r\n"
    "Subject: Undeliverable: Uudised\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="----_=_NextPart"\r\n\r\n'
    "------_=_NextPart\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    "Your message\r\n\r\n"
    f"  To:      {TO}\r\n  Subject: Uudised\r\n  Sent:    Tue, 4 Mar 2025 09:00:00 +0200\r\n\r\n"
    "did not reach the following recipient(s):\r\n\r\n"
    f"{TO} on Tue, 4 Mar 2025 09:00:05 +0200\r\n"
    "    The recipient name is not recognized\r\n"
    "    The MTS-ID of the original message is: c=LT;a= ;p=CORP;l=MAIL0503040900AB\r\n"
    "    MSEXCH:IMS:CORP:VILNIUS:MAIL 0 (000C05A6) Unknown Recipient\r\n\r\n"
    "------_=_NextPart\r\nContent-Type: message/rfc822\r\n\r\n"
    f"{ORIGINAL}\r\nTere!\r\n------_=_NextPart--\r\n"
).encode()

YAHOO_LEGACY = (
    "From: MAILER-DAEMON@yahoo.example\r\nTo: bounces@example.ee\r\n"
    "Subject: Failure Notice\r\n\r\n"
    "Sorry, we were unable to deliver your message to the following address.\r\n\r\n"
    f"<{TO}>:\r\nRemote host said: 554 delivery error: dd This user doesn't have a "
    "yahoo.example account (reader@example.ee) [0] - mta1.mail.yahoo.example\r\n\r\n"
    "--- Below this line is a copy of the message.\r\n\r\n"
    f"{ORIGINAL}\r\nTere!\r\n"
).encode()


def arf(
    feedback_type: str, *, rcpt: str = TO, version: bool = True, original_encoding: str = ""
) -> bytes:
    """An RFC 5965 feedback report as a provider's feedback loop sends it.

    `rcpt=""` leaves Original-Rcpt-To out, as loops that redact the recipient do.
    """
    fields = (
        f"Feedback-Type: {feedback_type}\r\nUser-Agent: ExampleFBL/1.0\r\n"
        + ("Version: 1\r\n" if version else "")
        + "Original-Mail-From: <bounces+1.2.x@example.ee>\r\n"
        + (f"Original-Rcpt-To: <{rcpt}>\r\n" if rcpt else "")
        + "Arrival-Date: Tue, 04 Mar 2025 09:00:05 +0000\r\n"
        "Reporting-MTA: dns; fbl.mail.example\r\nSource-IP: 192.0.2.5\r\n"
        "Reported-Domain: example.ee\r\n"
    )
    return multipart_report(
        sender="Feedback Loop <fbl@mail.example>",
        subject="Complaint about message from 192.0.2.5",
        human="This is an email abuse report for an email message received from IP 192.0.2.5.",
        report_type="feedback-report",
        status_type="message/feedback-report",
        status_part=fields,
        original_type="message/rfc822",
        original_encoding=original_encoding,
    )


OUT_OF_OFFICE = (
    b"From: Reader <reader@example.ee>\r\nTo: uudised@example.ee\r\n"
    b"Subject: Automatic reply: Uudised\r\nAuto-Submitted: auto-replied\r\n"
    b"X-Auto-Response-Suppress: All\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"I am out of the office until Monday and will reply on my return.\r\n"
)

OUT_OF_OFFICE_ET = (
    "From: Lugeja <reader@example.ee>\r\nTo: uudised@example.ee\r\n"
    "Subject: =?utf-8?q?Automaatne_vastus=3A_Uudised?=\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Olen puhkusel kuni 10. märtsini.\r\n"
).encode()

VACATION_HEADER_ONLY = (
    b"From: reader@example.ee\r\nTo: uudised@example.ee\r\nSubject: Re: Uudised\r\n"
    b"X-Autoreply: yes\r\nContent-Type: text/plain\r\n\r\nAway.\r\n"
)

PLAIN_REPLY = (
    b"From: reader@example.ee\r\nTo: uudised@example.ee\r\nSubject: Re: Uudised\r\n"
    b"Content-Type: text/plain\r\n\r\nThanks for the news!\r\n"
)


@dataclass(frozen=True)
class Case:
    """One corpus entry and the verdict it must get."""

    name: str
    raw: bytes
    type: str
    kind: str | None = None
    status: str = ""
    address: str = TO
    feedback_type: str = ""


CASES = [
    Case("postfix-user-unknown", postfix("5.1.1", "550 5.1.1 <x>: User unknown"), "bounce",
         "hard", "5.1.1"),
    Case("postfix-mailbox-full", postfix("5.2.2", "552 5.2.2 Mailbox full"), "bounce", "soft",
         "5.2.2"),
    Case("postfix-null-mx", postfix("5.1.10", "Domain example.ee does not accept mail "
         "(nullMX)"), "bounce", "hard", "5.1.10"),
    Case("postfix-expired-after-retries", postfix("4.4.1", "connect to mx.example.ee[192.0.2.10]"
         ":25: Connection timed out"), "bounce", "soft", "4.4.1"),
    Case("postfix-delayed-warning", postfix("4.4.1", "connect to mx.example.ee: Connection "
         "timed out", action="delayed"), "bounce", "delayed", "4.4.1"),
    Case("postfix-no-route", postfix("5.4.4", "Host or domain name not found. Name service "
         "error for name=example.ee type=A: Host not found"), "bounce", "soft", "5.4.4"),
    Case("postfix-too-big", postfix("5.3.4", "552 5.3.4 Message size exceeds fixed limit"),
         "bounce", "policy", "5.3.4"),
    Case("postfix-spam-content", postfix("5.6.0", "554 5.6.0 Message content rejected"),
         "bounce", "policy", "5.6.0"),
    # Servers that refuse an unknown recipient with a policy code: counted, never suppressing.
    Case("policy-code-unknown-user", postfix("5.7.1", "550 5.7.1 No such user!"), "bounce",
         "soft", "5.7.1"),
    Case("policy-code-user-not-found", postfix("5.7.1", "554 5.7.1 <x>: Recipient address "
         "rejected: user x does not exist"), "bounce", "soft", "5.7.1"),
    Case("policy-code-sender-words-stay-policy", postfix("5.7.1", "550 5.7.1 Sender "
         "unknown user of example.ee: no such account for SPF"), "bounce", "policy", "5.7.1"),
    Case("postfix-sender-address", postfix("5.1.8", "553 5.1.8 Sender address rejected: "
         "Domain not found"), "bounce", "policy", "5.1.8"),
    Case("postfix-undefined-status-real-code-in-diagnostic", postfix("5.0.0",
         "550 5.1.1 <x>: Recipient address rejected: User unknown"), "bounce", "hard", "5.0.0"),
    Case("postfix-undefined-status-quota-words", postfix("5.0.0", "552 Requested mail action "
         "aborted: mailbox is over quota"), "bounce", "soft", "5.0.0"),
    Case("postfix-delivered-notice", postfix("2.0.0", "250 2.0.0 Ok: queued",
         action="delivered"), "bounce", "delivered", "2.0.0"),
    Case("sendmail-user-unknown", SENDMAIL, "bounce", "hard", "5.1.1"),
    Case("outlook-sender-dmarc", OUTLOOK_DMARC, "bounce", "policy", "5.7.1"),
    Case("outlook-recipient-not-found", OUTLOOK_UNKNOWN, "bounce", "hard", "5.1.10"),
    Case("gmail-account-disabled", GMAIL_DISABLED, "bounce", "hard", "5.2.1"),
    Case("gmail-dmarc", GMAIL_DMARC, "bounce", "policy", "5.7.26"),
    Case("gmail-out-of-storage", GMAIL_FULL, "bounce", "soft", "5.2.2"),
    Case("rfc6533-global-dsn", GLOBAL_DSN, "bounce", "hard", "5.1.1", GLOBAL_TO),
    Case("rfc6533-global-dsn-base64", GLOBAL_DSN_BASE64, "bounce", "hard", "5.1.1", GLOBAL_TO),
    Case("exim-user-unknown", exim_text(f"SMTP error from remote mail server after RCPT "
         f"TO:<{TO}>:\r\n    host mx.example.ee [192.0.2.10]: 550 5.1.1 <{TO}>: Recipient "
         "address rejected: User unknown"), "bounce", "hard", "5.1.1"),
    Case("exim-unrouteable", exim_text("Unrouteable address"), "bounce", "hard"),
    Case("exim-quota", exim_text("mailbox is full: retry timeout exceeded"), "bounce", "soft"),
    Case("qmail-no-mailbox", qmail("Sorry, no mailbox here by that name. (#5.1.1)"), "bounce",
         "hard", "5.1.1"),
    Case("qmail-over-quota", qmail("The users mailfolder is over the allowed quota (size). "
         "(#5.2.2)"), "bounce", "soft", "5.2.2"),
    Case("qmail-policy", qmail("Remote host said: 554 5.7.1 Message rejected as spam"),
         "bounce", "policy", "5.7.1"),
    Case("exchange-2000-text", EXCHANGE_2000, "bounce", "hard"),
    Case("yahoo-legacy-text", YAHOO_LEGACY, "bounce", "hard"),
    Case("arf-abuse", arf("abuse"), "complaint", feedback_type="abuse"),
    Case("arf-recipient-redacted", arf("abuse", rcpt=""), "complaint", address="",
         feedback_type="abuse"),
    Case("arf-original-in-base64", arf("abuse", original_encoding="base64"), "complaint",
         feedback_type="abuse"),
    Case("dsn-original-in-base64", multipart_report(
        sender="MAILER-DAEMON@mx.example.lt", subject="Undelivered Mail", human="Failed.",
        status_part=dsn_fields(reporting="mx.example.lt", status="5.1.1"),
        original_type="message/rfc822", original_encoding="base64"), "bounce", "hard",
        "5.1.1"),
    Case("arf-fraud", arf("fraud"), "feedback", feedback_type="fraud"),
    Case("arf-not-spam", arf("not-spam"), "feedback", feedback_type="not-spam"),
    Case("arf-auth-failure", arf("auth-failure"), "feedback", feedback_type="auth-failure"),
    Case("arf-other-without-version", arf("other", version=False), "feedback",
         feedback_type="other"),
    Case("out-of-office-outlook", OUT_OF_OFFICE, "auto-reply"),
    Case("out-of-office-estonian-subject", OUT_OF_OFFICE_ET, "auto-reply"),
    Case("vacation-header", VACATION_HEADER_ONLY, "auto-reply"),
    Case("a-person-replying", PLAIN_REPLY, "unknown"),
    Case("garbage", b"\x00\xff not a message at all", "unknown"),
]  # fmt: skip

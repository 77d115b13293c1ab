"""The classifier over the corpus: every kind of returned mail gets the right verdict."""

from __future__ import annotations

import pytest

from services.mailing.returns.classify import classify
from services.mailing.returns.status import verdict
from tests.mailing.returns_corpus import CASES, MESSAGE_ID, Case

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus(case: Case) -> None:
    report = classify(case.raw)
    assert report.type == case.type, report
    if case.kind is not None:
        assert [(r.address, r.kind) for r in report.recipients] == [(case.address, case.kind)]
        assert report.recipients[0].status == case.status
        assert report.reporting_mta
    if case.feedback_type:
        assert report.feedback_type == case.feedback_type
        assert [r.address for r in report.recipients] == ([case.address] if case.address else [])
    if case.type in {"bounce", "complaint", "feedback"} and case.name != "postfix-delivered-notice":
        # The enclosed original is read back, however the report carries it.
        assert report.original.get("message-id") == MESSAGE_ID, report.original


def test_evidence_is_kept() -> None:
    report = classify(next(c.raw for c in CASES if c.name == "outlook-sender-dmarc"))
    found = report.recipients[0]
    assert "DMARC" in found.diagnostic
    assert found.remote_mta == "mx.example.ee"
    assert found.action == "failed"
    assert report.reporting_mta == "AM0PR01MB0001.eurprd01.prod.outlook.example"
    assert report.format == "rfc3464"


def test_a_status_in_other_digits_is_no_code() -> None:
    # "²" passes `str.isdigit` and fails `int()`: such a Status is read as no code at all.
    assert verdict("5.².1", "") == "soft"
    assert verdict("4.٣.1", "") == "soft"
    assert verdict("5.1.1", "") == "hard"

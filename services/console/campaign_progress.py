"""A campaign's progress as a coordinator reads it: each figure with its unit, time left."""

from __future__ import annotations

from shared.i18n import Translator
from shared.payloads import CampaignProgress


def duration(seconds: int, tr: Translator) -> str:
    """A time left as people read it: 45 s, 2 min 5 s, 3 h 20 min."""
    if seconds < 60:
        return tr.gettext("%(n)s s", n=seconds)
    if seconds < 3600:
        return tr.gettext("%(m)s min %(s)s s", m=seconds // 60, s=seconds % 60)
    return tr.gettext("%(h)s h %(m)s min", h=seconds // 3600, m=seconds % 3600 // 60)


def shown_progress(p: CampaignProgress, tr: Translator) -> dict[str, str]:
    """Each figure of a campaign's progress as the page shows it, with its unit.

    The page and its script (through progress.json) show the same text.
    """
    shown = {
        "sent": tr.number(p["sent"]),
        "failed": tr.number(p["failed"]),
        "bounced": tr.number(p["bounced"]),
        "skipped": tr.number(p["skipped"]),
    }
    shown["queued"] = tr.number(p["queued"] + p["sending"])
    # No rate is measured from fewer than two sends: "0 /s" would say sending had stalled.
    rate = p["per_second"]
    shown["per_second"] = tr.gettext("%(n)s /s", n=tr.number(rate)) if rate else "–"
    shown["eta_seconds"] = duration(p["eta_seconds"], tr) if p["eta_seconds"] else "–"
    return shown

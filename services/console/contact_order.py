"""A contact moved in its network's order, as the console's buttons and drag ask."""

from __future__ import annotations

from services.console.forms import Form, number


def moved(ids: list[int], contact_id: int, form: Form) -> list[int] | None:
    """The order after the move the form asks: `direction` up/down, `before` or `after` an id.

    None when there is nothing to move (the contact is not there, or already at the end).
    """
    if contact_id not in ids:
        return None
    order = [i for i in ids if i != contact_id]
    index = ids.index(contact_id)
    before, after = number(form, "before"), number(form, "after")
    if before is not None and before in order:
        order.insert(order.index(before), contact_id)
    elif after is not None and after in order:
        order.insert(order.index(after) + 1, contact_id)
    elif form.get("direction") in ("up", "down"):
        other = index - 1 if form.get("direction") == "up" else index + 1
        if not 0 <= other < len(ids):
            return None
        order.insert(other, contact_id)
    else:
        return None
    return order if order != ids else None

"""Turning form fields into API bodies, and API problems back into messages per field."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NotRequired, TypeAlias, TypedDict

from multidict import MultiDictProxy

from services.console.backend import Answer, field_label, sentence
from shared.i18n import LANGUAGES
from shared.payloads import Contact, Texts
from shared.text import Field
from shared.validate import parse_id, person_name

# A posted form as aiohttp reads it: text, or a file (multipart).
Form: TypeAlias = MultiDictProxy[Field]


class PhoneIn(TypedDict):
    """A phone as the contact API takes it (the kind when the form chose one)."""

    number: str
    kind: NotRequired[str]


class LinkIn(TypedDict):
    """A link as the contact API takes it."""

    url: str
    label: str | None


class MembershipIn(TypedDict):
    """A network the contact belongs to, and their role in it."""

    network: str
    role: str


class ContactBody(TypedDict):
    """A contact's JSON for `POST /v1/contacts` and `PATCH /v1/contacts/{id}`."""

    given_name: str
    family_name: str
    titles: Texts
    organisation: str | None
    phones: list[PhoneIn]
    emails: list[str]
    links: list[LinkIn]
    networks: list[MembershipIn]
    published: bool
    display_name: NotRequired[str]
    revision: NotRequired[int | None]  # a save: the revision the form was read at


# What a form shows again: typed text, rows of pairs, roles by network, each by input name.
FormValues: TypeAlias = dict[str, str | list[tuple[str, str]] | dict[str, str]]


class MissingField(Exception):
    """A form came without a field its page always sends, or with one its page could not have
    written (a revision that is no number): the console answers a 422 page naming the field,
    never a 500 and never a save that skips a check."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def needed(form: Form, name: str) -> str:
    """A field the form always sends (it may be empty), trimmed; `MissingField` when absent."""
    value = form.get(name)
    if not isinstance(value, str):
        raise MissingField(name)
    return value.strip()


def revision(form: Form) -> int:
    """The revision the form was read at: the stale-edit check depends on it, so a missing or
    unreadable one (`abc`) is refused, not sent as null (which skips the check)."""
    found = parse_id(needed(form, "revision"))
    if found is None:
        raise MissingField("revision")
    return found


def text(form: Form, name: str) -> str:
    """A form field as trimmed text ('' when missing or a file)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def number(form: Form, name: str) -> int | None:
    """A form field holding an id or a revision (ASCII digits, `shared.validate.parse_id`),
    else None: "²" or 5,000 digits are no number, not a 500."""
    return parse_id(text(form, name))


def lines(form: Form, name: str) -> list[str]:
    """A textarea as its non-empty lines."""
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def contact_body(form: Form) -> ContactBody:
    """A contact's JSON from the edit form: a form saved unchanged sends what is stored."""
    phones: list[PhoneIn] = []
    for number, kind in _rows(form, "phone_number", "phone_kind"):
        if number.strip():
            phone: PhoneIn = {"number": number.strip()}
            if kind:
                phone["kind"] = kind
            phones.append(phone)
    links: list[LinkIn] = []
    for url, label in _rows(form, "link_url", "link_label"):
        if url.strip():
            links.append({"url": url.strip(), "label": label.strip() or None})
    body: ContactBody = {
        "given_name": text(form, "given_name"),
        "family_name": text(form, "family_name"),
        "titles": {
            lang: text(form, f"title_{lang}") for lang in LANGUAGES if text(form, f"title_{lang}")
        },
        "organisation": text(form, "organisation") or None,
        "phones": phones,
        "emails": lines(form, "emails"),
        "links": links,
        "networks": [
            {"network": n, "role": text(form, f"role_{n}") or "member"}
            for n in form.getall("networks", [])
            if isinstance(n, str)
        ],
        "published": form.get("published") == "on",
    }
    if text(form, "display_name"):
        body["display_name"] = text(form, "display_name")
    return body


def chosen_of(body: ContactBody) -> list[str]:
    """The networks a contact body names (the form's ticked boxes)."""
    return [n["network"] for n in body["networks"]]


# A contact's names as its form shows them: by the one name rule (shared.validate), with what
# no one can see taken out, so saving the form saves what the coordinator sees (and a name
# stored before the rule is cleaned by the next save instead of refused by it).
NAME_INPUTS = ("given_name", "family_name", "display_name")


def shown_names(values: FormValues) -> FormValues:
    """The form's values with a contact's names as the name rule keeps them."""
    names = {k: v for k in NAME_INPUTS if isinstance(v := values.get(k), str)}
    return values | {k: person_name(v)[0] for k, v in names.items()}


def contact_form(contact: Contact | None) -> FormValues:
    """The edit form's values for an existing contact (empty for a new one)."""
    if contact is None:
        return {"published": "on", "phones": [], "links": [], "roles": {}}
    organisation = contact.get("organisation")
    values: FormValues = {
        "given_name": contact.get("given_name") or "",
        "family_name": contact.get("family_name") or "",
        "display_name": contact.get("display_name") or "",
        "organisation": organisation["slug"] if organisation else "",
        "phones": [(p["written"], p["kind"]) for p in contact.get("phones", [])],
        "emails": "\n".join(contact.get("emails", [])),
        "links": [(link["url"], link["label"] or "") for link in contact.get("links", [])],
        "roles": {n["network"]: n["role"] for n in contact.get("networks", [])},
        "published": "on" if contact.get("published") else "",
    }
    for lang in LANGUAGES:
        values[f"title_{lang}"] = (contact.get("titles") or {}).get(lang, "")
    return shown_names(values)


def typed(form: Form) -> FormValues:
    """What was typed into a form, to show it again (lists of rows as the form has them)."""
    values: FormValues = {k: v for k, v in form.items() if isinstance(v, str)}
    values["phones"] = _rows(form, "phone_number", "phone_kind")
    values["links"] = _rows(form, "link_url", "link_label")
    values["roles"] = {
        k.removeprefix("role_"): v
        for k, v in form.items()
        if k.startswith("role_") and isinstance(v, str)
    }
    return values


def _rows(form: Form, first: str, second: str) -> list[tuple[str, str]]:
    """Repeated pairs of inputs (a number and its kind), in the form's order."""
    pairs = zip(form.getall(first, []), form.getall(second, []), strict=False)
    return [(a, b) for a, b in pairs if isinstance(a, str) and isinstance(b, str)]


def problems(answer: Answer, inputs: Collection[str] | None = None) -> dict[str, list[str]]:
    """A refusal's reasons by input, or its detail at the top of the form. With the form's
    `inputs`, a reason for a field the form has no input for goes to the top too, after the
    field's label: never "check the marked fields" with nothing marked."""
    grouped = errors_by_field(answer.field_errors(), answer.lang) or {"form": [answer.detail]}
    if inputs is None:
        return grouped
    kept: dict[str, list[str]] = {}
    for name, said in grouped.items():
        if name in inputs or name == "form":
            kept.setdefault(name, []).extend(said)
            continue
        label = field_label(name, answer.lang)
        kept.setdefault("form", []).extend(f"{label}: {m}" if label else m for m in said)
    return kept


def marked_rows(answer: Answer, rows: dict[str, list[tuple[str, str]]]) -> dict[str, list[int]]:
    """The form's rows (1-based, as shown) a refusal names, by list: `phones[1].number` is the
    second *filled* row of the form's phone rows, since empty rows are not sent."""
    marked: dict[str, list[int]] = {}
    for path in answer.field_errors():
        item = re.match(r"^([a-z_]+)\[(\d+)\]", path)
        if item is None or item[1] not in rows:
            continue
        filled = [at for at, (first, _) in enumerate(rows[item[1]], 1) if first.strip()]
        if int(item[2]) < len(filled):
            marked.setdefault(item[1], []).append(filled[int(item[2])])
    return marked


def input_of(path: str) -> str:
    """The form input an API field path is shown beside: `names.lv` -> `name_lv`, `titles.et`
    -> `title_et`, a list's item (`phones[0].number`, `emails[0]`) -> its list (`phones`)."""
    head = path.split("[", 1)[0].split(".", 1)[0]
    if head in ("titles", "names") and "." in path:
        return f"{head[:-1]}_{path.split('.', 1)[1]}"
    return head or "form"


def errors_by_field(errors: dict[str, str], lang: str = "en") -> dict[str, list[str]]:
    """API field paths (`phones[1].number`, `titles.et`) grouped under the form's inputs, each
    reason in a person's words: beside its input, the reason alone; one of a list's inputs
    (`phones[1]`) says which, by its label and number ("Phone numbers 2: …"), never the path."""
    grouped: dict[str, list[str]] = {}
    for path, message in errors.items():
        head = input_of(path)
        said = sentence(message)
        item = re.match(r"^[a-z_]+\[(\d+)\]", path)
        label = field_label(path, lang)
        if item and label:
            said = f"{label} {int(item[1]) + 1}: {message}"
        grouped.setdefault(head, []).append(said)
    return grouped

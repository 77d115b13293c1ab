"""The JSON Kontakt's services answer one another, declared once.

Each TypedDict mirrors a schema of the producing service's `openapi.yaml` (property names,
required and optional keys, JSON types, enums); `tests/shared/test_payloads.py` compares them,
so a renamed field fails a test rather than a service that reads it. Keys a schema lists as
optional are `NotRequired`. Timestamps are ISO 8601 strings (`datetime.isoformat()`).

No `from __future__ import annotations` here: Python 3.11's TypedDict reads `NotRequired`
only from evaluated annotations.
"""

from typing import Literal, NotRequired, TypeAlias, TypedDict, TypeGuard, get_args

# Genuinely free-form JSON (a request body before it is validated, an evidence document).
JSON: TypeAlias = "str | int | float | bool | list[JSON] | dict[str, JSON] | None"
JSONObject: TypeAlias = "dict[str, JSON]"

Lang = Literal["en", "et", "lv", "lt"]
# Text per language code, e.g. {"en": "Director", "et": "Direktor"}.
Texts: TypeAlias = dict[str, str]
Permission = Literal["edit_contacts", "manage_lists", "send_campaigns"]
Role = Literal["member", "coordinator"]
PhoneKind = Literal["work", "cell", "voice", "fax", "home"]
TokenKind = Literal["api", "read"]


def is_lang(value: object) -> TypeGuard[Lang]:
    """Whether `value` is one of Kontakt's language codes."""
    return value in get_args(Lang)


# The directory (services/directory/openapi.yaml).


class Network(TypedDict):
    """`#/components/schemas/Network`: a network, its name in the asked language."""

    slug: str
    parent: str | None
    name: str | None
    names: Texts
    default_lang: Lang
    is_private: bool
    position: int
    embed_origins: NotRequired[list[str] | None]
    country: NotRequired[str | None]
    revision: int
    created_at: NotRequired[str]
    updated_at: NotRequired[str]
    members: NotRequired[list["Network"]]


class NetworkPage(TypedDict):
    """`GET /v1/networks`: every network the caller sees, parents first."""

    items: list[Network]
    next: NotRequired[str | None]


class Organisation(TypedDict):
    """`#/components/schemas/Organisation`."""

    slug: str
    name: str | None
    names: Texts
    country: str | None
    website: str | None
    revision: int
    created_at: NotRequired[str]
    updated_at: NotRequired[str]


class OrganisationPage(TypedDict):
    """`GET /v1/organisations`."""

    items: list[Organisation]
    next: NotRequired[str | None]


class Workplace(TypedDict):
    """A contact's organisation, as its card shows it."""

    slug: str
    name: str | None
    names: Texts
    country: str | None
    website: str | None


class Phone(TypedDict):
    """`#/components/schemas/Phone`: E.164 (None for a number kept as written) and the writing."""

    e164: str | None
    written: str
    kind: PhoneKind
    extension: str | None


class Link(TypedDict):
    """A contact's web link."""

    url: str
    label: str | None


class Membership(TypedDict):
    """A contact's place in one network."""

    network: str
    role: Role


class Contact(TypedDict):
    """`#/components/schemas/Contact`: a card; `emails` only for a caller entitled to them."""

    id: int
    uid: str
    given_name: str
    family_name: str
    display_name: str
    title: str | None
    titles: Texts
    organisation: Workplace | None
    phones: list[Phone]
    links: list[Link]
    networks: list[Membership]
    has_email: bool
    emails: NotRequired[list[str]]
    position: int
    published: bool
    revision: int
    created_at: NotRequired[str]
    updated_at: NotRequired[str]


class ContactPage(TypedDict):
    """`GET /v1/networks/{slug}/contacts`: one page; `next` is the following page's URL."""

    items: list[Contact]
    next: NotRequired[str | None]


class Grant(TypedDict):
    """`#/components/schemas/Permission`: what an account may do in one network."""

    network: str
    edit_contacts: bool
    manage_lists: bool
    send_campaigns: bool


class Token(TypedDict):
    """`#/components/schemas/Token`: a token's metadata (the token itself only when made)."""

    id: int
    account_id: int
    account_email: NotRequired[str]
    kind: TokenKind
    name: str
    prefix: str
    session: NotRequired[bool]
    created_at: str
    expires_at: str | None
    expires_soon: NotRequired[bool]
    revoked_at: str | None
    last_used_at: str | None
    token: NotRequired[str]


class TokenInUse(TypedDict):
    """The token `/v1/me` was asked with."""

    id: NotRequired[int]
    kind: NotRequired[str]
    expires_at: NotRequired[str | None]


class Account(TypedDict):
    """`#/components/schemas/Account`: an account and its grants."""

    id: int
    email: str
    name: str
    is_admin: bool
    disabled: bool
    permissions: list[Grant]
    created_at: NotRequired[str]
    updated_at: NotRequired[str]
    token: NotRequired[TokenInUse]
    expiring_tokens: NotRequired[list[Token]]


class IntrospectionDetails(TypedDict):
    """Kontakt's part of an introspection answer: the account and its grants by network."""

    account_id: int
    token_id: NotRequired[int]
    email: str
    name: NotRequired[str]
    is_admin: bool
    networks: dict[str, list[Permission]]
    network_ids: NotRequired[dict[str, int]]


class Introspection(TypedDict):
    """`#/components/schemas/Introspection`: an RFC 7662 answer (`active` false: nothing else)."""

    active: bool
    sub: NotRequired[str]
    username: NotRequired[str]
    token_type: NotRequired[TokenKind]
    iat: NotRequired[int]
    exp: NotRequired[int]
    kontakt: NotRequired[IntrospectionDetails]


class SyncPoint(TypedDict):
    """`GET /v1/sync`: the sync token, the data version and (with `since`) the changed UIDs."""

    token: str
    version: str
    changed: list[str] | None


class Redemption(TypedDict):
    """`POST /v1/reveal/redeem`: the contact a reveal token opens, and its addresses."""

    contact: int
    emails: list[str]


class DeletedContact(TypedDict):
    """One of `#/components/schemas/DeletedContacts`: a deleted contact an Undo can restore."""

    id: int
    display_name: str
    restore_until: str


class DeletedContacts(TypedDict):
    """`#/components/schemas/DeletedContacts`: a network's restorable deletions."""

    items: list[DeletedContact]


class ContactOrder(TypedDict):
    """`#/components/schemas/ContactOrder`: a network's contacts in order, and its revision."""

    ids: list[int]
    revision: str


class WidgetPhone(TypedDict):
    """A number on a widget card: what to dial (RFC 3966 digits) and what to show."""

    tel: str | None
    text: str


class WidgetLink(TypedDict):
    """A link on a widget card."""

    url: str
    text: str


class WidgetCard(TypedDict):
    """One card of `GET /v1/widget/{network}`; no address, a reveal token when it has one."""

    id: int
    name: str
    title: str | None
    organisation: str | None
    organisation_url: NotRequired[str | None]
    phones: list[WidgetPhone]
    links: list[WidgetLink]
    has_email: bool
    token: NotRequired[str]
    reveal_url: NotRequired[str]
    vcard_url: str
    qr_url: NotRequired[str]


class Widget(TypedDict):
    """`GET /v1/widget/{network}`: what widget.js shows."""

    network: str
    member: str | None
    title: str | None
    lang: Lang
    labels: dict[str, str]
    cards: list[WidgetCard]
    vcf_url: NotRequired[str]


# Mailing (services/mailing/openapi.yaml), read by the console.

CampaignStatus = Literal["draft", "scheduled", "sending", "paused", "done", "cancelled"]
CAMPAIGN_STATUSES: tuple[CampaignStatus, ...] = get_args(CampaignStatus)
# A subscription's status (`#/components/schemas/Member`), and why an address is suppressed
# (`#/components/schemas/Suppression`): the mailing service's values, the console's choices.
SubscriptionStatus = Literal[
    "pending", "confirmed", "unsubscribed", "bounced", "complained", "blocked"
]
SUBSCRIPTION_STATUSES: tuple[SubscriptionStatus, ...] = get_args(SubscriptionStatus)
SuppressionReason = Literal["hard-bounce", "complaint", "manual", "imported"]
SUPPRESSION_REASONS: tuple[SuppressionReason, ...] = get_args(SuppressionReason)


class CampaignProgress(TypedDict):
    """A campaign's deliveries by state, its rate (messages/s) and the seconds left (or None)."""

    queued: int
    sending: int
    sent: int
    failed: int
    bounced: int
    skipped: int
    per_second: float
    eta_seconds: int | None


class Campaign(TypedDict):
    """`#/components/schemas/Campaign`."""

    id: int
    list: str
    subject: str
    body: str
    status: CampaignStatus
    paused_reason: NotRequired[str | None]
    scheduled_at: NotRequired[str | None]
    started_at: NotRequired[str | None]
    finished_at: NotRequired[str | None]
    revision: NotRequired[int]
    progress: CampaignProgress


class MailingList(TypedDict):
    """`#/components/schemas/List`: a newsletter list (form key and counts on its own page)."""

    slug: str
    network: str
    lang: Lang
    name: str | None
    names: Texts
    descriptions: NotRequired[Texts]
    from_name: str
    from_address: str
    reply_to: NotRequired[str | None]
    thank_you_url: NotRequired[str | None]
    form_key: NotRequired[str]
    colour: NotRequired[str | None]
    logo_url: NotRequired[str | None]
    confirmed: int
    counts: NotRequired[dict[str, int]]
    revision: int
    created_at: NotRequired[str]
    updated_at: NotRequired[str]

"""The widget script's texts (sent with the cards), and numbers as words for the reveal question."""

from __future__ import annotations

from shared.i18n import N_, translator
from shared.ratelimit import TRY_AGAIN

# widget.js fills %(name)s and %(minutes)s itself.
SCRIPT_TEXTS = {
    "contacts": N_("Contacts"),
    "show_email": N_("Show e-mail address"),
    "show_email_of": N_("Show e-mail address: %(name)s"),
    "add_to_contacts": N_("Add to contacts"),
    "add_to_contacts_of": N_("Add to contacts: %(name)s"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "web": N_("Website"),
    "email_shown": N_("E-mail address of %(name)s shown"),
    "too_many": TRY_AGAIN,
    "failed": N_("The address could not be shown. Please reload the page."),
    "no_contacts": N_("No contacts yet."),
    "qr_code": N_("QR code"),
    "qr_code_of": N_("QR code of %(name)s's contact card"),
    "all_vcf": N_("All these contacts as one file (.vcf)"),
}

# What widget.js says when it cannot reach us (no labels arrived): in the script itself.
OFFLINE_TEXTS = {"not_loaded": N_("Contacts could not be loaded.")}

# The reveal question spells its numbers, which a harvester's OCR of digits does not read.
NUMBERS = (
    N_("one"),
    N_("two"),
    N_("three"),
    N_("four"),
    N_("five"),
    N_("six"),
    N_("seven"),
    N_("eight"),
    N_("nine"),
)


def script_texts(lang: str) -> dict[str, str]:
    """The texts widget.js shows, in `lang`."""
    tr = translator(lang)
    return {key: tr.gettext(text) for key, text in SCRIPT_TEXTS.items()}


def number_word(lang: str, value: int) -> str:
    """1 to 9 as a word in `lang`."""
    return translator(lang).gettext(NUMBERS[value - 1])

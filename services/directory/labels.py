"""Every text a person reads in widgets and reveal pages, in en, et, lv and lt."""

from __future__ import annotations

from shared.i18n import FALLBACK, LANGUAGES
from shared.templates import Texts

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "contacts": "Contacts",
        "show_email": "Show e-mail address",
        "show_email_of": "Show the e-mail address of {name}",
        "add_to_contacts": "Add to contacts",
        "add_to_contacts_of": "Add {name} to contacts",
        "add_with_email": "Add to contacts (with e-mail)",
        "email": "E-mail",
        "phone": "Phone",
        "web": "Website",
        "email_shown": "E-mail address of {name} shown",
        "too_many": "Too many requests. Please try again in {minutes} min.",
        "failed": "The address could not be shown. Please reload the page.",
        "question_title": "Show the e-mail address",
        "question": "To see the address, answer: how much is {a} plus {b}?",
        "answer": "Answer (in digits)",
        "submit": "Show address",
        "wrong": "That was not right. Please try again.",
        "expired": "This link has expired. Please go back and reload the page.",
        "address_of": "E-mail address of {name}",
        "no_contacts": "No contacts yet.",
        "qr_code": "QR code",
        "qr_code_of": "QR code of {name}'s contact card",
        "all_vcf": "All these contacts as one file (.vcf)",
        "back_to": "Back to {site}",
    },
    "et": {
        "contacts": "Kontaktid",
        "show_email": "Näita e-posti aadressi",
        "show_email_of": "Näita isiku {name} e-posti aadressi",
        "add_to_contacts": "Lisa kontaktidesse",
        "add_to_contacts_of": "Lisa {name} kontaktidesse",
        "add_with_email": "Lisa kontaktidesse (koos e-postiga)",
        "email": "E-post",
        "phone": "Telefon",
        "web": "Veebileht",
        "email_shown": "Isiku {name} e-posti aadress on nähtav",
        "too_many": "Liiga palju päringuid. Palun proovi uuesti {minutes} minuti pärast.",
        "failed": "Aadressi ei õnnestunud näidata. Palun laadi leht uuesti.",
        "question_title": "E-posti aadressi näitamine",
        "question": "Aadressi nägemiseks vasta: kui palju on {a} pluss {b}?",
        "answer": "Vastus (numbritega)",
        "submit": "Näita aadressi",
        "wrong": "See polnud õige. Palun proovi uuesti.",
        "expired": "See link on aegunud. Palun mine tagasi ja laadi leht uuesti.",
        "address_of": "Isiku {name} e-posti aadress",
        "no_contacts": "Kontakte veel ei ole.",
        "qr_code": "QR-kood",
        "qr_code_of": "Kontakti {name} QR-kood",
        "all_vcf": "Kõik need kontaktid ühe failina (.vcf)",
        "back_to": "Tagasi lehele {site}",
    },
    "lv": {
        "contacts": "Kontakti",
        "show_email": "Rādīt e-pasta adresi",
        "show_email_of": "Rādīt e-pasta adresi: {name}",
        "add_to_contacts": "Pievienot kontaktiem",
        "add_to_contacts_of": "Pievienot kontaktiem: {name}",
        "add_with_email": "Pievienot kontaktiem (ar e-pastu)",
        "email": "E-pasts",
        "phone": "Tālrunis",
        "web": "Tīmekļa vietne",
        "email_shown": "E-pasta adrese parādīta: {name}",
        "too_many": "Pārāk daudz pieprasījumu. Lūdzu, mēģiniet vēlreiz pēc {minutes} min.",
        "failed": "Adresi neizdevās parādīt. Lūdzu, pārlādējiet lapu.",
        "question_title": "E-pasta adreses parādīšana",
        "question": "Lai redzētu adresi, atbildiet: cik ir {a} plus {b}?",
        "answer": "Atbilde (ar cipariem)",
        "submit": "Rādīt adresi",
        "wrong": "Tas nebija pareizi. Lūdzu, mēģiniet vēlreiz.",
        "expired": "Šī saite vairs nav derīga. Lūdzu, atgriezieties un pārlādējiet lapu.",
        "address_of": "E-pasta adrese: {name}",
        "no_contacts": "Kontaktu vēl nav.",
        "qr_code": "QR kods",
        "qr_code_of": "Kontakta {name} QR kods",
        "all_vcf": "Visi šie kontakti vienā failā (.vcf)",
        "back_to": "Atpakaļ uz {site}",
    },
    "lt": {
        "contacts": "Kontaktai",
        "show_email": "Rodyti el. pašto adresą",
        "show_email_of": "Rodyti el. pašto adresą: {name}",
        "add_to_contacts": "Pridėti prie kontaktų",
        "add_to_contacts_of": "Pridėti prie kontaktų: {name}",
        "add_with_email": "Pridėti prie kontaktų (su el. paštu)",
        "email": "El. paštas",
        "phone": "Telefonas",
        "web": "Svetainė",
        "email_shown": "El. pašto adresas parodytas: {name}",
        "too_many": "Per daug užklausų. Bandykite dar kartą po {minutes} min.",
        "failed": "Adreso parodyti nepavyko. Perkraukite puslapį.",
        "question_title": "El. pašto adreso rodymas",
        "question": "Norėdami pamatyti adresą, atsakykite: kiek bus {a} plius {b}?",
        "answer": "Atsakymas (skaitmenimis)",
        "submit": "Rodyti adresą",
        "wrong": "Neteisingai. Bandykite dar kartą.",
        "expired": "Ši nuoroda nebegalioja. Grįžkite ir perkraukite puslapį.",
        "address_of": "El. pašto adresas: {name}",
        "no_contacts": "Kontaktų dar nėra.",
        "qr_code": "QR kodas",
        "qr_code_of": "Kontakto {name} QR kodas",
        "all_vcf": "Visi šie kontaktai viename faile (.vcf)",
        "back_to": "Grįžti į {site}",
    },
}

NUMBERS: dict[str, tuple[str, ...]] = {
    "en": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "et": ("üks", "kaks", "kolm", "neli", "viis", "kuus", "seitse", "kaheksa", "üheksa"),
    "lv": ("viens", "divi", "trīs", "četri", "pieci", "seši", "septiņi", "astoņi", "deviņi"),
    "lt": ("vienas", "du", "trys", "keturi", "penki", "šeši", "septyni", "aštuoni", "devyni"),
}

assert set(LABELS) == set(LANGUAGES) == set(NUMBERS)
assert all(LABELS[lang].keys() == LABELS[FALLBACK].keys() for lang in LANGUAGES)


# As templates read them: `t.copy` is the label, not the dict's method.
TEXTS = {lang: Texts(texts) for lang, texts in LABELS.items()}


def labels(lang: str) -> Texts:
    """The labels of `lang`, English when the language is not one of ours."""
    return TEXTS[lang if lang in TEXTS else FALLBACK]


def number_word(lang: str, value: int) -> str:
    """1 to 9 as a word in `lang`."""
    return NUMBERS.get(lang, NUMBERS[FALLBACK])[value - 1]

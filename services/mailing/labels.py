# ruff: noqa: E501 (each translation stays on one line, so translators see it whole)
"""Every text a subscriber reads, in English, Estonian, Latvian and Lithuanian."""

from __future__ import annotations

from shared.i18n import FALLBACK, LANGUAGES

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "footer": "You receive this because you subscribed to {list}. To unsubscribe, open: {link}",
        "greeting": "Hello",
        "subscribe_title": "Subscribe to {list}",
        "email": "E-mail address",
        "name": "Name (optional)",
        "subscribe": "Subscribe",
        "check_inbox": "Thank you. If the address can receive mail, a message with a confirmation link is on its way. The subscription starts when you confirm it.",
        "bad_email": "Please check the e-mail address.",
        "too_many": "Too many requests. Please try again in {minutes} min.",
        "confirm_title": "Confirm your subscription",
        "confirm_text": "Please confirm that {email} wants to receive {list}.",
        "confirm_button": "Confirm subscription",
        "confirmed": "Thank you, your subscription to {list} is confirmed.",
        "expired": "This link has expired or was already used. Subscribe again to get a new one.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_text": "Stop sending {list} to {email}?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "You are unsubscribed from {list}. No further messages will be sent.",
        "mail_subject": "Please confirm your subscription to {list}",
        "mail_body": "Hello,\n\nsomeone (we hope you) asked to receive {list} at this address.\nTo confirm, open this link and press the button:\n\n{link}\n\nIf it was not you, ignore this message; nothing will be sent.\n",
        "form_error": "The form has expired. Please load the page again.",
    },
    "et": {
        "footer": "Saad seda kirja, sest tellisid {list}. Tellimusest loobumiseks ava: {link}",
        "greeting": "Tere",
        "subscribe_title": "Telli {list}",
        "email": "E-posti aadress",
        "name": "Nimi (vabatahtlik)",
        "subscribe": "Telli",
        "check_inbox": "Aitäh! Kui aadressile saab kirju saata, on teel kiri kinnituslingiga. Tellimus algab siis, kui selle kinnitad.",
        "bad_email": "Palun kontrolli e-posti aadressi.",
        "too_many": "Liiga palju päringuid. Palun proovi uuesti {minutes} minuti pärast.",
        "confirm_title": "Kinnita tellimus",
        "confirm_text": "Palun kinnita, et aadressile {email} saadetakse {list}.",
        "confirm_button": "Kinnita tellimus",
        "confirmed": "Aitäh, {list} tellimus on kinnitatud.",
        "expired": "See link on aegunud või juba kasutatud. Uue lingi saamiseks telli uuesti.",
        "unsubscribe_title": "Tellimusest loobumine",
        "unsubscribe_text": "Kas lõpetada {list} saatmine aadressile {email}?",
        "unsubscribe_button": "Loobu tellimusest",
        "unsubscribed": "Oled {list} tellimusest loobunud. Rohkem kirju ei saadeta.",
        "mail_subject": "Palun kinnita {list} tellimus",
        "mail_body": "Tere!\n\nKeegi (loodetavasti sina) soovis sellele aadressile saada {list}.\nKinnitamiseks ava see link ja vajuta nuppu:\n\n{link}\n\nKui see polnud sina, jäta kiri tähelepanuta; midagi ei saadeta.\n",
        "form_error": "Vorm on aegunud. Palun laadi leht uuesti.",
    },
    "lv": {
        "footer": "Jūs saņemat šo vēstuli, jo abonējāt {list}. Lai atteiktos, atveriet: {link}",
        "greeting": "Labdien",
        "subscribe_title": "Abonēt {list}",
        "email": "E-pasta adrese",
        "name": "Vārds (nav obligāts)",
        "subscribe": "Abonēt",
        "check_inbox": "Paldies! Ja uz adresi var sūtīt vēstules, ceļā ir vēstule ar apstiprinājuma saiti. Abonements sāksies, kad to apstiprināsiet.",
        "bad_email": "Lūdzu, pārbaudiet e-pasta adresi.",
        "too_many": "Pārāk daudz pieprasījumu. Lūdzu, mēģiniet vēlreiz pēc {minutes} min.",
        "confirm_title": "Apstipriniet abonementu",
        "confirm_text": "Lūdzu, apstipriniet, ka adrese {email} vēlas saņemt {list}.",
        "confirm_button": "Apstiprināt abonementu",
        "confirmed": "Paldies, {list} abonements ir apstiprināts.",
        "expired": "Šī saite vairs nav derīga vai jau izmantota. Abonējiet vēlreiz, lai saņemtu jaunu.",
        "unsubscribe_title": "Atteikties no abonementa",
        "unsubscribe_text": "Vai pārtraukt {list} sūtīšanu uz {email}?",
        "unsubscribe_button": "Atteikties",
        "unsubscribed": "Jūs esat atteicies no {list}. Vairāk vēstuļu netiks sūtīts.",
        "mail_subject": "Lūdzu, apstipriniet {list} abonementu",
        "mail_body": "Labdien!\n\nKāds (cerams, jūs) vēlējās saņemt {list} uz šo adresi.\nLai apstiprinātu, atveriet šo saiti un nospiediet pogu:\n\n{link}\n\nJa tas nebijāt jūs, neņemiet šo vēstuli vērā; nekas netiks sūtīts.\n",
        "form_error": "Veidlapa vairs nav derīga. Lūdzu, pārlādējiet lapu.",
    },
    "lt": {
        "footer": "Gaunate šį laišką, nes užsiprenumeravote {list}. Norėdami atsisakyti, atverkite: {link}",
        "greeting": "Sveiki",
        "subscribe_title": "Prenumeruoti {list}",
        "email": "El. pašto adresas",
        "name": "Vardas (neprivaloma)",
        "subscribe": "Prenumeruoti",
        "check_inbox": "Ačiū! Jei šiuo adresu galima gauti laiškus, jau siunčiame laišką su patvirtinimo nuoroda. Prenumerata prasidės, kai ją patvirtinsite.",
        "bad_email": "Patikrinkite el. pašto adresą.",
        "too_many": "Per daug užklausų. Bandykite dar kartą po {minutes} min.",
        "confirm_title": "Patvirtinkite prenumeratą",
        "confirm_text": "Patvirtinkite, kad adresu {email} norite gauti {list}.",
        "confirm_button": "Patvirtinti prenumeratą",
        "confirmed": "Ačiū, {list} prenumerata patvirtinta.",
        "expired": "Ši nuoroda nebegalioja arba jau panaudota. Užsiprenumeruokite dar kartą, kad gautumėte naują.",
        "unsubscribe_title": "Atsisakyti prenumeratos",
        "unsubscribe_text": "Nebesiųsti {list} adresu {email}?",
        "unsubscribe_button": "Atsisakyti",
        "unsubscribed": "Atsisakėte {list} prenumeratos. Daugiau laiškų nesiųsime.",
        "mail_subject": "Patvirtinkite {list} prenumeratą",
        "mail_body": "Sveiki,\n\nkažkas (tikimės, jūs) norėjo šiuo adresu gauti {list}.\nNorėdami patvirtinti, atverkite šią nuorodą ir paspauskite mygtuką:\n\n{link}\n\nJei tai buvote ne jūs, į šį laišką nekreipkite dėmesio; nieko nesiųsime.\n",
        "form_error": "Forma nebegalioja. Perkraukite puslapį.",
    },
}

assert set(LABELS) == set(LANGUAGES)
assert all(LABELS[lang].keys() == LABELS[FALLBACK].keys() for lang in LANGUAGES)


def labels(lang: str) -> dict[str, str]:
    """The labels of `lang`, English when it is not one of ours."""
    return LABELS.get(lang, LABELS[FALLBACK])

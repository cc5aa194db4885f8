"""People for the sample generator: names, addresses, e-mails, phones, and their dirty variants.

Phones are drawn from number ranges `phonenumbers` accepts as valid for the country, and made unique
per person by a bijection of the person's serial number (so no two people share a number or an
e-mail address by accident; shared values in the data are deliberate).
"""

from __future__ import annotations

import functools
import random
import unicodedata
from dataclasses import dataclass
from typing import Final

from loaders.sample.words import CITIES, EMAIL_DOMAINS, GIVEN, NICKNAMES, STREETS, SURNAMES, City

# serial -> digits by an affine map that is a bijection modulo each range size below (the factor is
# coprime with 2, 3 and 5), so distinct serials get distinct numbers that do not look sequential.
_SPREAD: Final = 7_654_321
_SHIFT: Final = 3_141_593
_GB_INWARD: Final = "ABDEFGHJLNPQRSTUWXYZ"
_DE_MOBILE: Final = ("151", "152", "157", "160", "170", "171", "172", "173", "175", "176", "177")
_DIAL: Final = {"US": "1", "GB": "44", "DE": "49", "FR": "33", "AU": "61"}
_FOLD: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "'": "", " ": ""})


@dataclass(slots=True)
class Person:
    serial: int
    country: str
    given: str
    surname: str
    dob: int  # day ordinal
    email: str
    phone: str  # national digits, trunk prefix included ("07123456789"; US "2125550134")
    street_number: str
    street: str
    city: City
    postcode: str


@functools.cache
def ascii_name(text: str) -> str:
    """ "Jürgen O'Brien" -> "juergenobrien": the form people use in e-mail addresses."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


def mobile(rng: random.Random, country: str, serial: int, city: City) -> str:
    """A valid mobile number (national digits), distinct for every serial."""
    if country == "US":
        return city.area + str(2_000_000 + (serial * _SPREAD + _SHIFT) % 8_000_000)
    if country == "GB":
        k = (serial * _SPREAD + _SHIFT) % 300_000_000
        return f"07{1 + k // 100_000_000}{k % 100_000_000:08d}"
    if country == "DE":
        return f"0{rng.choice(_DE_MOBILE)}{(serial * _SPREAD + _SHIFT) % 100_000_000:08d}"
    if country == "FR":
        return f"06{rng.choice('0124578')}{(serial * _SPREAD + _SHIFT) % 10_000_000:07d}"
    return f"04{rng.randrange(4)}{(serial * _SPREAD + _SHIFT) % 10_000_000:07d}"  # AU


def landline(country: str, serial: int, city: City) -> str:
    """A valid business landline (national digits), distinct for every serial."""
    k = (serial * _SPREAD + _SHIFT) % 10_000_000
    if country == "US":
        return city.area + str(2_000_000 + (serial * _SPREAD + _SHIFT) % 8_000_000)
    if country == "GB":
        return f"0207{k:07d}"
    if country == "DE":
        return f"030{(serial * _SPREAD + _SHIFT) % 100_000_000:08d}"
    if country == "FR":
        return f"01{(serial * _SPREAD + _SHIFT) % 100_000_000:08d}"
    return f"029{k:07d}"  # AU


def national(country: str, digits: str) -> str:
    """How the country writes the number at home: "(212) 555-0134", "07123 456789", ..."""
    d = digits
    if country == "US":
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    if country == "GB":
        return f"{d[:3]} {d[3:7]} {d[7:]}" if d.startswith("020") else f"{d[:5]} {d[5:]}"
    if country == "DE":
        return f"{d[:3]} {d[3:]}" if d.startswith("030") else f"{d[:4]} {d[4:]}"
    if country == "FR":
        return " ".join(d[i : i + 2] for i in range(0, 10, 2))
    if d.startswith("04"):  # AU
        return f"{d[:4]} {d[4:7]} {d[7:]}"
    return f"({d[:2]}) {d[2:6]} {d[6:]}"


def international(country: str, digits: str) -> str:
    """The same number dialled from abroad: "+1 212-555-0134", "+44 7123 456789", ..."""
    if country == "US":
        return f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"
    rest = national(country, digits).lstrip("(0").replace(")", "")
    return f"+{_DIAL[country]} {rest}"


def e164(country: str, digits: str) -> str:
    return f"+{_DIAL[country]}{digits if country == 'US' else digits[1:]}"


def postcode(rng: random.Random, country: str, city: City) -> str:
    if country == "GB":
        inward = f"{rng.randrange(1, 10)}{rng.choice(_GB_INWARD)}{rng.choice(_GB_INWARD)}"
        return f"{city.postcode} {inward}"
    if country in ("US", "AU"):
        return f"{city.postcode}{rng.randrange(100):02d}"
    return f"{city.postcode}{rng.randrange(1000):03d}"  # DE, FR


def personal_email(rng: random.Random, given: str, surname: str, serial: int, country: str) -> str:
    g, s = ascii_name(given), ascii_name(surname)
    pattern = rng.randrange(4)
    if pattern == 0:
        local = f"{g}.{s}{serial}"
    elif pattern == 1:
        local = f"{g}{s}{serial}"
    elif pattern == 2:
        local = f"{g[0]}{s}{serial}"
    else:
        local = f"{s}.{g}{serial}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS[country])}"


def new_person(
    rng: random.Random,
    serial: int,
    country: str,
    today: int,
    *,
    surname: str | None = None,
    home: Person | None = None,
    age: tuple[int, int] = (18, 85),
) -> Person:
    """A person of the country; with `home`, living at the same address."""
    given = rng.choice(GIVEN[country])
    surname = surname or rng.choice(SURNAMES[country])
    dob = today - rng.randrange(age[0] * 365, age[1] * 365)
    city = home.city if home else rng.choice(CITIES[country])
    return Person(
        serial=serial,
        country=country,
        given=given,
        surname=surname,
        dob=dob,
        email=personal_email(rng, given, surname, serial, country),
        phone=mobile(rng, country, serial, city),
        street_number=home.street_number if home else str(rng.randrange(1, 250)),
        street=home.street if home else rng.choice(STREETS[country]),
        city=city,
        postcode=home.postcode if home else postcode(rng, country, city),
    )


def typo(rng: random.Random, text: str) -> str:
    """One keying error: two letters swapped, one dropped, one doubled or one replaced."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(4)
    if op == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeinorst") + text[i + 1 :]


def dirty_names(rng: random.Random, given: str, surname: str) -> tuple[str, str]:
    """The names as another system typed them: typos, nicknames, shouting, lower case."""
    r = rng.random()
    if r < 0.08:
        given = typo(rng, given)
    elif r < 0.16:
        surname = typo(rng, surname)
    elif r < 0.21:
        given = NICKNAMES.get(given, given)
    elif r < 0.26:
        surname = surname.upper()
    elif r < 0.29:
        given, surname = given.lower(), surname.lower()
    return given, surname


def dirty_email(rng: random.Random, email: str) -> str:
    """The same address with other capitals (e-mail matching must fold case)."""
    r = rng.random()
    if r < 0.2:
        local, _, domain = email.partition("@")
        return f"{local.title()}@{domain.capitalize()}"
    if r < 0.28:
        return email.upper()
    if r < 0.32:
        return f" {email} "
    return email


def other_email(rng: random.Random, person: Person) -> str:
    """A second, different address of the same person."""
    g, s = ascii_name(person.given), ascii_name(person.surname)
    domain = rng.choice(EMAIL_DOMAINS[person.country])
    return f"{g[0]}.{s}.{person.serial % 1000}x{person.serial // 1000}@{domain}"

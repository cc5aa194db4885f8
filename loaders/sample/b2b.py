"""Business accounts for the sample generator: firms, their people, buying committees and deals.

A firm has a reporting tree of 3-13 contacts; 3-10 of them sit on its buying committee with roles
and influence weights (summing to 1) and one primary contact; some deals have their own committee
drawn from the account's. Some firms are subsidiaries of earlier firms.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from loaders.sample.commerce import MODELS, draw_buyer, purchase_days
from loaders.sample.files import clock, day, money_us
from loaders.sample.people import ascii_name, e164, international, landline, national, new_person
from loaders.sample.state import TODAY, Generator, clamp, status_of
from loaders.sample.words import (
    CITIES,
    COMPANY_CORES,
    COMPANY_PREFIXES,
    COMPANY_TLD,
    CURRENCY,
    DEAL_KINDS,
    DEAL_STAGES,
    DEPARTMENTS,
    INDUSTRY,
    LEGAL_FORMS,
    TITLES,
)

CODES: Final = {"active": "A", "prospect": "P", "former": "F"}
ROLE_ORDER: Final = (
    "decision_maker", "economic_buyer", "champion", "influencer", "user", "gatekeeper", "blocker",
)  # fmt: skip
_WEIGHT: Final = {
    "decision_maker": 5.0, "economic_buyer": 4.0, "champion": 3.0, "influencer": 2.0,
    "user": 1.0, "gatekeeper": 1.5, "blocker": 2.5,
}  # fmt: skip
_PARENTS: Final = 512


class Firm(NamedTuple):
    crm_id: str
    brand: str  # the name's first word(s), shared by subsidiaries


class Seat(NamedTuple):
    contact: str
    roles: tuple[str, ...]


def stamp(ctx: Generator, first: int) -> str:
    """A last-modified time after `first`, as the CRM writes it."""
    when = ctx.rng.randint(min(first, TODAY), TODAY)
    return f"{day(when, '%d/%m/%Y')} {clock(ctx.rng.randrange(86400), False)}"


def _roles(ctx: Generator, levels: list[int]) -> list[tuple[str, ...]]:
    """Committee roles for members by hierarchy level (0 = the top of the firm)."""
    rng = ctx.rng
    size = len(levels)
    roles: list[set[str]] = [
        {"decision_maker"}
        if level == 0
        else {"influencer" if level <= 1 or rng.random() < 0.4 else "user"}
        for level in levels
    ]
    senior = [i for i, level in enumerate(levels) if level <= 1]
    buyer = rng.choice(senior)
    roles[buyer].add("economic_buyer")
    champion = rng.randrange(1, size)
    roles[champion].add("champion")
    others = [i for i in range(1, size) if i not in (champion, buyer)]
    if others and rng.random() < 0.4:
        roles[rng.choice(others)].add("gatekeeper")
    if others and rng.random() < 0.3:
        blocker = rng.choice(others)
        roles[blocker] = {"blocker"} | (roles[blocker] & {"user"})
    for i in range(1, size):
        if rng.random() < 0.15:
            roles[i].add("user")
    return [tuple(r for r in ROLE_ORDER if r in found) for found in roles]


def _seats(
    ctx: Generator, seats: list[Seat], account: str, deal: str, primary: str, opened: int
) -> None:
    rng, out = ctx.rng, ctx.out["crm_committee"]
    raw = [sum(_WEIGHT[r] for r in seat.roles) * rng.uniform(0.6, 1.4) for seat in seats]
    total = sum(raw)
    for seat, weight in zip(seats, raw, strict=True):
        out.row(
            [
                f"S{ctx.next_id('seat'):08d}",
                seat.contact,
                account,
                deal,
                "|".join(seat.roles),
                f"{weight / total:.3f}",
                "Y" if seat.contact == primary else "N",
                stamp(ctx, opened),
            ]
        )


class Accounts:
    """Writes firms; remembers a bounded pool of recent firms as possible parents."""

    def __init__(self, ctx: Generator) -> None:
        self.ctx = ctx
        self._firms: list[Firm] = []

    def organization(self) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        ctx.parties["organization"] += 1
        n = ctx.next_id("crm_org")
        oid = f"O{n:07d}"
        country = ctx.country()
        created = ctx.created()
        core, legal = rng.choice(COMPANY_CORES), rng.choice(LEGAL_FORMS[country])
        parent = rng.choice(self._firms) if self._firms and rng.random() < 0.18 else None
        brand = parent.brand if parent else rng.choice(COMPANY_PREFIXES)
        domain = f"{ascii_name(brand)}{ascii_name(core)}{n}.{COMPANY_TLD[country]}"
        size = 5 + int(rng.lognormvariate(4.0, 1.6))
        segment = "enterprise" if size >= 1000 else "mid_market" if size >= 100 else "smb"
        buyer = draw_buyer(rng, MODELS["organization"])
        days: list[int] = []
        dead = False
        if rng.random() < 0.8:
            first = created + int(rng.expovariate(1 / 45))
            if first <= TODAY:
                days, dead = purchase_days(rng, buyer, first, TODAY)
        owner = ctx.owner(country)
        phone = landline(country, ctx.serial(), rng.choice(CITIES[country]))
        ctx.out["crm_organizations"].record({
            "org_id": oid,
            "name": f"{brand} {core} {legal}",
            "domain": domain,
            "industry": INDUSTRY[core],
            "employees": size,
            "parent_id": parent.crm_id if parent else None,
            "email": f"{rng.choice(('info', 'contact', 'office', 'hello'))}@{domain}",
            "phone": national(country, phone),
            "country": country,
            "status": CODES[status_of(days, dead)],
            "segment": segment,
            "owner": owner,
            "created": day(created, "%d/%m/%Y"),
            "modified": stamp(ctx, created),
        })  # fmt: skip
        if rng.random() < 0.02:  # entered twice: a rep created the firm again as a prospect
            again = rng.randint(created, TODAY)
            dup = f"O{ctx.next_id('crm_org'):07d}"
            ctx.out["crm_organizations"].record({
                "org_id": dup,
                "name": f"{brand} {core}".upper() if rng.random() < 0.5 else f"{brand} {core}",
                "domain": domain,
                "phone": international(country, phone),
                "country": country,
                "status": "P",
                "owner": ctx.owner(country),
                "created": day(again, "%d/%m/%Y"),
                "modified": stamp(ctx, again),
            })  # fmt: skip
            ctx.cluster([f"crm:{oid}", f"crm:{dup}"])
        if len(self._firms) < _PARENTS:
            self._firms.append(Firm(oid, brand))
        elif rng.random() < 0.1:
            self._firms[rng.randrange(_PARENTS)] = Firm(oid, brand)
        currency = CURRENCY[country]
        last_active = min(TODAY, (days[-1] if days else created) + 180)
        satisfaction = clamp(1.0 - 1.8 * buyer.dropout + rng.gauss(0.0, 0.18), 0.0, 1.0)
        contacts = self._people(oid, country, domain, created, owner, last_active)
        self._deals(oid, f"{brand} {core}", contacts, created, currency, segment)
        if days:
            skus = ctx.erp_orders(oid, days, buyer, currency, business=True)
            mean = 0.3 + 0.05 * min(len(days), 20)
            ctx.tickets(oid, days[0], last_active, mean, 2 * satisfaction - 1, skus)
            if rng.random() < 0.35:
                ctx.nps(rng.choice(contacts[:3])[0], days[0], last_active, satisfaction)
        ctx.activities(oid, created, last_active, 1.0, owner)
        ctx.referral(oid, created, currency, bool(days))

    def _people(
        self, oid: str, country: str, domain: str, created: int, owner: str, last: int
    ) -> list[tuple[str, int]]:
        """The firm's contacts as (crm id, level), top first, each reporting to an earlier one."""
        ctx, rng = self.ctx, self.ctx.rng
        count = rng.randint(3, 10) + rng.choice((0, 0, 1, 2, 3))
        people: list[tuple[str, int]] = []
        emails: set[str] = set()
        for j in range(count):
            cid = f"C{ctx.next_id('crm_contact'):07d}"
            manager = rng.randrange(j) if j else -1
            level = 0 if j == 0 else min(people[manager][1] + 1, 3)
            p = new_person(rng, ctx.serial(), country, TODAY, age=(23, 66))
            local = f"{ascii_name(p.given)}.{ascii_name(p.surname)}"
            email = f"{local}@{domain}" if local not in emails else f"{local}{j}@{domain}"
            emails.add(local)
            since = min(created + rng.randrange(0, 400), TODAY)
            r = rng.random()
            phone = (
                national(country, p.phone)
                if r < 0.6
                else e164(country, p.phone)
                if r < 0.8
                else None
            )
            ctx.out["crm_contacts"].record({
                "contact_id": cid,
                "first_name": p.given,
                "last_name": p.surname,
                "email": email if rng.random() < 0.95 else None,
                "phone": phone,
                "country": country,
                "account_id": oid,
                "job_title": rng.choice(TITLES[level]),
                "department": "Executive" if level == 0 else rng.choice(DEPARTMENTS[1:]),
                "reports_to": people[manager][0] if j else None,
                "created": day(since, "%d/%m/%Y"),
                "modified": stamp(ctx, since),
            })  # fmt: skip
            people.append((cid, level))
            if rng.random() < 0.35:
                ctx.knows(owner if rng.random() < 0.7 else rng.choice(ctx.all_sales), cid, since)
            ctx.activities(cid, since, last, 0.7 if level <= 1 else 0.3, owner)
        return people

    def _deals(
        self,
        oid: str,
        brand: str,
        people: list[tuple[str, int]],
        created: int,
        currency: str,
        segment: str,
    ) -> None:
        """The account's buying committee, then its deals, half of them with their own."""
        ctx, rng = self.ctx, self.ctx.rng
        members = people[: rng.randint(3, min(10, len(people)))]
        roles = _roles(ctx, [level for _, level in members])
        seats = [Seat(cid, r) for (cid, _), r in zip(members, roles, strict=True)]
        champion = next(s.contact for s in seats if "champion" in s.roles)
        _seats(ctx, seats, oid, "", champion, created)
        scale = {"smb": 8_000.0, "mid_market": 40_000.0, "enterprise": 180_000.0}[segment]
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3, 4))):
            deal = f"D{ctx.next_id('deal'):07d}"
            opened = rng.randint(created, TODAY)
            if TODAY - opened > 180:
                stage = "closed_won" if rng.random() < 0.55 else "closed_lost"
            else:
                stage = rng.choice(DEAL_STAGES)
            ctx.out["crm_deals"].record({
                "deal_id": deal,
                "account_id": oid,
                "deal_name": f"{brand} - {day(opened, '%Y')} {rng.choice(DEAL_KINDS)}",
                "stage": stage,
                "amount": money_us(int(scale * rng.lognormvariate(0.0, 0.7)) * 100),
                "currency": currency,
                "opened": day(opened, "%d/%m/%Y"),
                "modified": stamp(ctx, opened),
            })  # fmt: skip
            if rng.random() < 0.5:  # this deal has its own committee
                size = rng.randint(min(3, len(seats)), len(seats))
                subset = [seats[i] for i in sorted(rng.sample(range(len(seats)), size))]
                lead = next((s.contact for s in subset if "champion" in s.roles), subset[0].contact)
                _seats(ctx, subset, "", deal, lead, opened)

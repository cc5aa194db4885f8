"""A deterministic, realistic sample data set from several source systems (`c360 sample`).

`write_sample(directory, customers, seed)` writes the files `mappings/demo.yaml` reads:

- `crm` (CSV, dates %d/%m/%Y, status codes A/P/F): persons, households, organizations (some
  subsidiaries of others), contacts at firms with titles and reporting lines, buying committees
  (roles "champion|user", influence, primary Y/N), deals, activities, customer referrals;
- `shop` (gzipped JSON Lines): its own customer records of many of the same people (dirty
  duplicates: other capitals in e-mails, typos and nicknames, international phones, missing
  fields, a few second "guest" accounts), products, orders and order lines;
- `erp` (gzipped CSV, ";", decimal comma, dates %Y%m%d): orders of firms, households and people
  without a shop account;
- `support` (tab-separated) tickets, `marketing` touchpoints (gzipped JSON Lines) and NPS answers;
- `partners` (cp1252 CSV) brokers, distributors and partners, and the customers they referred;
- `hr`: employees (account owners, reps, agents) and whom they know.

`customers` counts customer parties: persons, households and organizations. Contacts at firms,
brokers and employees come on top. The same `(customers, seed)` gives byte-identical files. Rows are
streamed to the files, so memory stays flat however many customers are asked for. `truth.json` holds
the true duplicate clusters (records of one real party, across and within systems), the referral
depth histogram and the parameters of the buying model, so identity resolution and value models can
be scored against the truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from loaders.sample.b2b import CODES, Accounts, stamp
from loaders.sample.commerce import MODELS, draw_buyer, purchase_days
from loaders.sample.files import LAYOUTS, clock, day
from loaders.sample.people import (
    Person,
    dirty_email,
    dirty_names,
    e164,
    international,
    national,
    new_person,
    other_email,
)
from loaders.sample.state import TODAY, Generator, clamp, status_of
from loaders.sample.words import CURRENCY, HOUSEHOLD_ROLES, SURNAMES

__all__ = ["SampleSummary", "write_sample"]

_SHOP_COUNTRY = {"US": "US", "GB": "UK", "DE": "DE", "FR": "FR", "AU": "AU"}


@dataclass(frozen=True)
class SampleSummary:
    directory: Path
    customers: int
    seed: int
    parties: Mapping[str, int]  # customer parties by kind
    rows: Mapping[str, int]  # rows per file (relative path)
    entities: Mapping[str, int]  # rows per entity, over all files
    duplicate_clusters: int
    referral_depths: tuple[int, ...]  # customers by referral depth (0: not referred)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        width = max(len(f) for f in self.rows)
        lines = [
            f"{self.customers} customers (seed {self.seed}): "
            + ", ".join(f"{v} {k}s" for k, v in self.parties.items())
        ]
        lines += [f"  {f:<{width}}  {n:>10,}" for f, n in self.rows.items()]
        lines.append(f"  {'total':<{width}}  {self.total_rows:>10,}")
        lines.append(f"{self.duplicate_clusters} duplicate clusters in truth.json")
        return "\n".join(lines)


def write_sample(directory: Path, customers: int, seed: int) -> SampleSummary:
    """Write the sample source files and truth.json into `directory` (created if missing)."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    directory.mkdir(parents=True, exist_ok=True)
    ctx = Generator(directory, customers, seed)
    try:
        _generate(ctx, customers)
    finally:
        trailer = {
            "parties": ctx.parties,
            "referral_depths": ctx.depths,
            "buying_models": {k: asdict(m) for k, m in MODELS.items()},
            "rows": {s.layout.file: s.rows for s in ctx.out.values()},
        }
        ctx.close(trailer)
    rows = {s.layout.file: s.rows for s in ctx.out.values()}
    entities: dict[str, int] = {}
    for layout in LAYOUTS.values():
        entities[layout.entity] = entities.get(layout.entity, 0) + rows[layout.file]
    return SampleSummary(
        directory=directory,
        customers=customers,
        seed=seed,
        parties=dict(ctx.parties),
        rows=rows,
        entities=entities,
        duplicate_clusters=ctx.clusters,
        referral_depths=tuple(ctx.depths),
    )


def _generate(ctx: Generator, customers: int) -> None:
    rng = ctx.rng
    ctx.employees(12 + customers // 400)
    ctx.partners(5 + customers // 500)
    for product in ctx.catalogue.products:
        updated = (
            f"{day(rng.randint(TODAY - 400, TODAY), '%Y-%m-%d')}T{clock(rng.randrange(86400))}Z"
        )
        ctx.out["shop_products"].row(
            [product.sku, product.name, product.category, product.cents / 100, updated]
        )
    accounts = Accounts(ctx)
    while ctx.made < customers:
        left = customers - ctx.made
        r = rng.random()
        if r < 0.05:
            accounts.organization()
        elif r < 0.13 and left >= 3:
            size = rng.choices((2, 3, 4, 5), weights=(45, 25, 20, 10))[0]
            _household(ctx, min(size, left - 1))
        else:
            _person(ctx, ctx.country(), ctx.created())


def _household(ctx: Generator, members: int) -> None:
    rng = ctx.rng
    ctx.parties["household"] += 1
    hid = f"H{ctx.next_id('crm_household'):07d}"
    country, created = ctx.country(), ctx.created()
    surname = rng.choice(SURNAMES[country])
    buyer = draw_buyer(rng, MODELS["household"])
    days: list[int] = []
    dead = False
    if rng.random() < 0.45:  # a family plan, invoiced by the ERP
        first = created + int(rng.expovariate(1 / 60))
        if first <= TODAY:
            days, dead = purchase_days(rng, buyer, first, TODAY)
    name = rng.choice((f"{surname} household", f"The {surname} family", f"{surname} Family"))
    ctx.out["crm_households"].record({
        "household_id": hid,
        "household_name": name,
        "country": country,
        "status": CODES[status_of(days, dead)],
        "segment": "family",
        "owner": ctx.owner(country) if rng.random() < 0.3 else None,
        "created": day(created, "%d/%m/%Y"),
        "modified": stamp(ctx, created),
    })  # fmt: skip
    if days:
        ctx.erp_orders(hid, days, buyer, CURRENCY[country], business=False)
    head: Person | None = None
    for i in range(members):
        role = HOUSEHOLD_ROLES[i] if i < 2 else rng.choice(HOUSEHOLD_ROLES[2:])
        own_name = surname if role != "partner" or rng.random() < 0.7 else None
        age = (18, 30) if role == "child" else (25, 80)
        joined = created + rng.randrange(0, 45)
        p = _person(
            ctx, country, joined, household=(hid, role), home=head, surname=own_name, age=age
        )
        head = head or p


def _person(
    ctx: Generator,
    country: str,
    created: int,
    *,
    household: tuple[str, str] | None = None,
    home: Person | None = None,
    surname: str | None = None,
    age: tuple[int, int] = (18, 85),
) -> Person:
    """One person who is a customer (or prospect), in the CRM, the shop or both."""
    rng = ctx.rng
    ctx.parties["person"] += 1
    created = min(created, TODAY)
    p = new_person(rng, ctx.serial(), country, TODAY, surname=surname, home=home, age=age)
    r = rng.random()
    in_crm = household is not None or r < 0.85
    in_shop = rng.random() < 0.55 if household else r >= 0.30
    signup = min(created + rng.randrange(0, 300), TODAY) if in_crm and in_shop else created
    buyer = draw_buyer(rng, MODELS["person"])
    days: list[int] = []
    dead = False
    if rng.random() >= 0.15:
        delay = rng.expovariate(1 / 12) if in_shop else rng.expovariate(1 / 30)
        first = (signup if in_shop else created) + int(delay)
        if first <= TODAY:
            days, dead = purchase_days(rng, buyer, first, TODAY)
    status = status_of(days, dead)
    first_day, orders = (days[0], len(days)) if days else (created, 0)
    last_active = min(TODAY, (days[-1] if days else created) + 180)
    satisfaction = clamp(1.0 - 1.8 * buyer.dropout + rng.gauss(0.0, 0.18), 0.0, 1.0)
    currency = CURRENCY[country]
    ids: list[str] = []
    crm_id = shop_id = owner = ""
    if in_crm:
        crm_id = f"P{ctx.next_id('crm_person'):07d}"
        owner = _crm_person(ctx, p, crm_id, status, created, buyer.rate * 365, household)
        ids.append(f"crm:{crm_id}")
    if in_shop:
        shop_id = str(100_000 + ctx.next_id("shop_customer"))
        _shop_customer(ctx, p, shop_id, status, signup, days[-1] if days else signup, dirty=in_crm)
        ids.append(f"shop:{shop_id}")
        if len(days) > 1 and rng.random() < 0.05:  # a second, guest account for some orders
            cut = rng.randrange(1, len(days))
            as_guest = [i for i in range(cut, len(days)) if i == cut or rng.random() < 0.5]
            guest_days = [days[i] for i in as_guest]
            days = [d for i, d in enumerate(days) if i not in as_guest]
            guest = str(100_000 + ctx.next_id("shop_customer"))
            _shop_customer(ctx, p, guest, "guest", guest_days[0], guest_days[-1], dirty=True)
            ids.append(f"shop:{guest}")
            ctx.shop_orders(guest, guest_days, buyer, currency)
    if in_crm and rng.random() < 0.015:  # entered again through a web lead form
        ids.append(f"crm:{_crm_lead(ctx, p, created)}")
    if len(ids) > 1:
        ctx.cluster(ids)
    skus: list[str] = []
    if days and shop_id:
        skus = ctx.shop_orders(shop_id, days, buyer, currency)
    elif days:
        skus = ctx.erp_orders(crm_id, days, buyer, currency, business=False)
    mood = 2.0 * satisfaction - 1.0
    if crm_id:
        ctx.referral(crm_id, created, currency, orders > 0)
        if orders:
            ctx.tickets(crm_id, first_day, last_active, 0.1 + 0.08 * min(orders, 12), mood, skus)
            if rng.random() < 0.2:
                ctx.nps(crm_id, first_day, last_active, satisfaction)
        if owner:
            ctx.activities(crm_id, created, last_active, 1.0, owner)
            if rng.random() < 0.5:
                ctx.knows(owner, crm_id, created)
    if shop_id:
        ctx.touchpoints(shop_id, signup, last_active, 0.6 + 0.25 * min(orders, 12), mood, skus)
    return p


def _crm_person(
    ctx: Generator,
    p: Person,
    crm_id: str,
    status: str,
    created: int,
    per_year: float,
    household: tuple[str, str] | None,
) -> str:
    """The CRM's record of a customer; returns the account owner ("" when none)."""
    rng = ctx.rng
    segment = "premium" if per_year > 6 else "affluent" if per_year > 2.5 else "mass"
    owner = ctx.owner(p.country) if rng.random() < (0.7 if segment == "premium" else 0.12) else ""
    hid, role = household or (None, None)
    ctx.out["crm_persons"].record({
        "person_id": crm_id,
        "first_name": p.given,
        "last_name": p.surname,
        "email": p.email if rng.random() < 0.92 else None,
        "phone": national(p.country, p.phone) if rng.random() < 0.85 else None,
        "country": p.country,
        "birth_date": day(p.dob, "%d/%m/%Y") if rng.random() < 0.8 else None,
        "street_no": p.street_number,
        "street": p.street,
        "city": p.city.name,
        "postcode": p.postcode,
        "state": p.city.state,
        "household_id": hid,
        "household_role": role,
        "status": CODES[status],
        "segment": segment,
        "owner": owner,
        "created": day(created, "%d/%m/%Y"),
        "modified": stamp(ctx, created),
    })  # fmt: skip
    return owner


def _crm_lead(ctx: Generator, p: Person, created: int) -> str:
    """A second CRM record of the same person: a prospect typed in again, sparser and dirtier."""
    rng = ctx.rng
    lead = f"P{ctx.next_id('crm_person'):07d}"
    again = rng.randint(created, TODAY)
    given, surname = dirty_names(rng, p.given, p.surname)
    r = rng.random()
    email = dirty_email(rng, p.email).strip() if r < 0.6 else other_email(rng, p) if r < 0.8 else ""
    phone = national(p.country, p.phone) if not email or rng.random() < 0.5 else None
    ctx.out["crm_persons"].record({
        "person_id": lead,
        "first_name": given,
        "last_name": surname,
        "email": email,
        "phone": phone,
        "country": p.country,
        "city": p.city.name,
        "status": "P",
        "created": day(again, "%d/%m/%Y"),
        "modified": stamp(ctx, again),
    })  # fmt: skip
    return lead


def _shop_customer(
    ctx: Generator, p: Person, shop_id: str, status: str, signup: int, last: int, *, dirty: bool
) -> None:
    """The shop's record of a person: international phone, ISO dates, its own status words."""
    rng = ctx.rng
    given, surname = dirty_names(rng, p.given, p.surname) if dirty else (p.given, p.surname)
    phone: str | None = None
    if status == "guest":
        email = dirty_email(rng, p.email) if rng.random() < 0.5 else other_email(rng, p)
        state = "guest"
    else:
        email = dirty_email(rng, p.email) if dirty else p.email
        if rng.random() < 0.08:
            email = other_email(rng, p)
        if rng.random() < 0.65:
            phone = (
                international(p.country, p.phone)
                if rng.random() < 0.5
                else e164(p.country, p.phone)
            )
        closed = status == "former" and rng.random() < 0.3
        state = "newsletter" if status == "prospect" else "closed" if closed else "registered"
    updated = rng.randint(min(last, TODAY), TODAY)
    ctx.out["shop_customers"].record({
        "customer_id": shop_id,
        "email": email,
        "first_name": given,
        "last_name": surname,
        "phone": phone,
        "country": _SHOP_COUNTRY[p.country] if rng.random() < 0.96 else None,
        "birth_date": day(p.dob, "%Y-%m-%d") if rng.random() < 0.45 and state != "guest" else None,
        "city": p.city.name if rng.random() < 0.8 else None,
        "zip": p.postcode if rng.random() < 0.75 else None,
        "account_status": state,
        "signup_date": day(signup, "%Y-%m-%d"),
        "updated_at": f"{day(updated, '%Y-%m-%d')}T{clock(rng.randrange(86400))}Z",
    })  # fmt: skip

"""Shared state and writers of the sample generator: ids, employees, brokers, orders, interactions.

Everything is drawn from one seeded `random.Random`, in a fixed order, and written as soon as it is
drawn; the only things kept are bounded pools (recent referrers, recent firms) and fixed lists.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from loaders.sample.commerce import Buyer, Catalogue, lines_of, poisson
from loaders.sample.files import LAYOUTS, Sink, Text, clock, day, money, money_eu
from loaders.sample.people import ascii_name, e164, national, new_person
from loaders.sample.words import (
    ACTIVITY_OUTCOMES,
    ACTIVITY_TYPES,
    BROKER_CHANNELS,
    BROKER_WORDS,
    COMPANY_PREFIXES,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    EMAIL_EVENTS,
    EMAIL_OUTCOMES,
    NPS_COMMENTS,
    REFERRAL_PROGRAMS,
    SOCIAL_EVENTS,
    SURVEYS,
    TICKET_OUTCOMES,
    TICKET_TYPES,
    WEB_EVENTS,
)

START: Final = dt.date(2019, 1, 1).toordinal()
TODAY: Final = dt.date(2025, 6, 30).toordinal()  # the data set's fixed "today"
MAX_DEPTH: Final = 8  # longest referral chain (a broker or a customer at its root)
OUR_DOMAIN: Final = "northwind-retail.example"
_POOL: Final = 4096
_CHAINS: Final = 64
_TICKET_CHANNELS: Final = ("EM", "EM", "PH", "WF", "CH")
_ACTIVITY_KINDS: Final = ("M", "P", "P", "E")


def clamp(x: float, low: float = -1.0, high: float = 1.0) -> float:
    return low if x < low else high if x > high else x


def status_of(days: list[int], dead: bool) -> str:
    """What the CRM believes: prospect (never bought), former (gone quiet) or active."""
    if not days:
        return "prospect"
    quiet = TODAY - days[-1]
    return "former" if (dead and quiet > 365) or quiet > 730 else "active"


class Generator:
    def __init__(self, directory: Path, customers: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers = customers
        self.out = {key: Sink(directory, layout) for key, layout in LAYOUTS.items()}
        self.truth = Text(directory / "truth.json")
        self.parties = {"person": 0, "household": 0, "organization": 0}
        self.depths = [0] * (MAX_DEPTH + 1)
        self.clusters = 0
        self._serial = 0
        self._ids: dict[str, int] = {}
        self._pool: list[tuple[str, int, int]] = []  # (crm id, referral depth, created day)
        self._chains: list[tuple[str, int, int]] = []
        self.catalogue = Catalogue(self.rng)
        self.sales: dict[str, list[str]] = {c: [] for c in COUNTRIES}
        self.support: list[str] = []
        self.all_sales: list[str] = []
        self.brokers: list[str] = []
        self._broker_weights: list[float] = []
        self.truth.write(
            json.dumps({"customers": customers, "seed": seed, "today": day(TODAY, "%Y-%m-%d")})[:-1]
            + ', "clusters": [\n'
        )

    @property
    def made(self) -> int:
        return sum(self.parties.values())

    def next_id(self, kind: str) -> int:
        value = self._ids.get(kind, 0) + 1
        self._ids[kind] = value
        return value

    def serial(self) -> int:
        self._serial += 1
        return self._serial

    def country(self) -> str:
        return self.rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]

    def created(self) -> int:
        """Sign-up day of the next customer: acquisition grows over the years, ids rise with it."""
        share = self.made / self.customers
        return min(START + int((TODAY - 30 - START) * share**0.85) + self.rng.randrange(4), TODAY)

    def moment(self, first: int, last: int) -> tuple[int, int]:
        """A random (day, second of day) in office hours between two days."""
        return self.rng.randint(first, max(first, last)), self.rng.randrange(8 * 3600, 20 * 3600)

    def cluster(self, ids: list[str]) -> None:
        """Record that these source records are one real party (the duplicates' ground truth)."""
        self.truth.write(("  " if self.clusters == 0 else ",\n  ") + json.dumps(ids))
        self.clusters += 1

    # --- our own people and partners -------------------------------------------------------

    def employees(self, count: int) -> None:
        rng, out = self.rng, self.out["hr_employees"]
        for n in range(1, count + 1):
            emp = f"E{n:05d}"
            if n <= len(COUNTRIES):  # every country has a sales rep and a support agent
                country, team = COUNTRIES[n - 1], "Sales"
            elif n <= 2 * len(COUNTRIES):
                country, team = COUNTRIES[n - 1 - len(COUNTRIES)], "Support"
            else:
                country = self.country()
                team = rng.choices(("Sales", "Support", "Customer Success"), weights=(4, 4, 2))[0]
            p = new_person(rng, self.serial(), country, TODAY, age=(22, 64))
            if team == "Support":
                self.support.append(emp)
                title = rng.choice(("Support Agent", "Senior Support Agent"))
            else:
                self.sales[country].append(emp)
                self.all_sales.append(emp)
                title = rng.choice(("Account Executive", "Account Manager", "Sales Representative"))
            out.record({
                "emp_no": emp,
                "first_name": p.given,
                "last_name": p.surname,
                "email": f"{p.email.split('@')[0]}@{OUR_DOMAIN}",
                "phone": national(country, p.phone),
                "country": country,
                "hired": day(TODAY - rng.randrange(30, 12 * 365), "%m/%d/%Y"),
                "title": title,
                "team": team,
            })  # fmt: skip

    def owner(self, country: str) -> str:
        local = self.sales[country]
        return self.rng.choice(local if self.rng.random() < 0.9 else self.all_sales)

    def partners(self, count: int) -> None:
        rng, out = self.rng, self.out["partners"]
        for n in range(1, count + 1):
            pid = f"BR{n:05d}"
            country = self.country()
            kind = rng.choices(("BRK", "DIS", "PTN"), weights=(6, 2, 2))[0]
            p = new_person(rng, self.serial(), country, TODAY)
            company = rng.random() < 0.8
            brand = rng.choice(COMPANY_PREFIXES)
            name = f"{brand} {rng.choice(BROKER_WORDS)}"
            since = START - rng.randrange(0, 6 * 365)
            updated = f"{day(rng.randint(since, TODAY), '%Y-%m-%d')} {clock(rng.randrange(86400))}"
            out.record({
                "partner_id": pid,
                "name": name if company else f"{p.given} {p.surname}",
                "kind": kind,
                "legal": "company" if company else "individual",
                "email": f"office{n}@{ascii_name(brand)}.com" if company else p.email,
                "phone": e164(country, p.phone),
                "country": country,
                "since": day(since, "%Y-%m-%d"),
                "updated": updated,
            })  # fmt: skip
            self.brokers.append(pid)
            self._broker_weights.append((self._broker_weights or [0.0])[-1] + 1.0 / n**0.8)

    # --- orders ----------------------------------------------------------------------------

    def shop_orders(self, customer: str, days: list[int], buyer: Buyer, currency: str) -> list[str]:
        rng, orders, lines = self.rng, self.out["shop_orders"], self.out["shop_lines"]
        skus: list[str] = []
        for d in days:
            oid = f"W{self.next_id('shop_order'):08d}"
            basket = lines_of(rng, self.catalogue, buyer, currency, business=False)
            for no, (product, qty, cents) in enumerate(basket, start=1):
                lines.row([oid, no, product.sku, qty, cents / 100, currency])
            r = rng.random()
            status = "completed" if r < 0.94 else "refunded" if r < 0.98 else "cancelled"
            placed = f"{day(d, '%Y-%m-%d')}T{clock(rng.randrange(86400))}Z"
            total = sum(c for _, _, c in basket)
            orders.row(
                [oid, customer, placed, total / 100, currency, sum(q for _, q, _ in basket), status]
            )
            skus.append(basket[0][0].sku)
        return skus

    def erp_orders(
        self, customer: str, days: list[int], buyer: Buyer, currency: str, business: bool
    ) -> list[str]:
        rng, orders, lines = self.rng, self.out["erp_orders"], self.out["erp_lines"]
        skus: list[str] = []
        for d in days:
            doc = str(4_500_000_000 + self.next_id("erp_order"))
            basket = lines_of(rng, self.catalogue, buyer, currency, business)
            for pos, (product, qty, cents) in enumerate(basket, start=1):
                lines.row([doc, pos * 10, product.sku, qty, money_eu(cents, ""), currency])
            r = rng.random()
            state = "B" if r < 0.95 else "S" if r < 0.98 else "R"
            total = sum(c for _, _, c in basket)
            qty = sum(q for _, q, _ in basket)
            orders.row([doc, customer, day(d, "%Y%m%d"), money_eu(total), currency, qty, state])
            skus.append(basket[0][0].sku)
        return skus

    # --- interactions ----------------------------------------------------------------------

    def tickets(
        self, crm_id: str, first: int, last: int, mean: float, mood: float, skus: list[str]
    ) -> None:
        rng, out = self.rng, self.out["support_tickets"]
        for _ in range(poisson(rng, mean)):
            d, s = self.moment(first, last)
            sentiment = clamp(mood - 0.25 + rng.gauss(0.0, 0.35))
            sku = rng.choice(skus) if skus and rng.random() < 0.7 else ""
            out.row(
                [
                    f"TCK-{self.next_id('ticket'):08d}",
                    crm_id,
                    f"{day(d, '%Y-%m-%d')} {clock(s)}",
                    rng.choice(_TICKET_CHANNELS),
                    rng.choice(TICKET_TYPES),
                    rng.choice(TICKET_OUTCOMES),
                    f"{sentiment:.2f}",
                    sku,
                    rng.choice(self.support),
                ]
            )

    def touchpoints(
        self, shop_id: str, first: int, last: int, mean: float, mood: float, skus: list[str]
    ) -> None:
        rng, out = self.rng, self.out["marketing_touchpoints"]
        for _ in range(poisson(rng, mean)):
            d, s = self.moment(first, last)
            r = rng.random()
            sentiment: float | None = None
            sku: str | None = None
            if r < 0.45:
                channel, direction, event, outcome = "web", "inbound", rng.choice(WEB_EVENTS), None
                if event in ("product_view", "cart"):
                    sku = (
                        rng.choice(skus)
                        if skus and rng.random() < 0.5
                        else rng.choice(self.catalogue.products).sku
                    )
            elif r < 0.80:
                channel, direction = "email", "outbound"
                event, outcome = rng.choice(EMAIL_EVENTS), rng.choice(EMAIL_OUTCOMES)
            elif r < 0.92:
                channel, direction, event, outcome = (
                    "social",
                    "inbound",
                    rng.choice(SOCIAL_EVENTS),
                    None,
                )
                sentiment = round(clamp(mood + rng.gauss(0.0, 0.4)), 2)
            else:
                channel, direction, event = "survey", "outbound", "nps_invite"
                outcome = "responded" if rng.random() < 0.3 else "ignored"
            ts = f"{day(d, '%Y-%m-%d')}T{clock(s)}Z"
            out.row(
                [
                    f"ev_{self.next_id('event'):09d}",
                    shop_id,
                    ts,
                    channel,
                    direction,
                    event,
                    outcome,
                    sentiment,
                    sku,
                ]
            )

    def activities(self, party: str, first: int, last: int, mean: float, owner: str) -> None:
        rng, out = self.rng, self.out["crm_activities"]
        for _ in range(poisson(rng, mean)):
            d, s = self.moment(first, last)
            kind = rng.choice(_ACTIVITY_KINDS)
            direction = "O" if kind == "M" or rng.random() < 0.7 else "I"
            employee = owner if rng.random() < 0.85 else rng.choice(self.all_sales)
            out.row(
                [
                    f"A{self.next_id('activity'):08d}",
                    party,
                    f"{day(d, '%d/%m/%Y')} {clock(s, False)}",
                    kind,
                    direction,
                    rng.choice(ACTIVITY_TYPES),
                    rng.choice(ACTIVITY_OUTCOMES),
                    employee,
                ]
            )

    def nps(self, respondent: str, first: int, last: int, satisfaction: float) -> None:
        rng, out = self.rng, self.out["marketing_nps"]
        answers = 1 + (rng.random() < 0.2)
        for _ in range(answers):
            d, s = self.moment(first, last)
            score = int(clamp(round(3.0 + 7.0 * satisfaction + rng.gauss(0.0, 1.3)), 0, 10))
            band = NPS_COMMENTS[0 if score <= 6 else 1 if score <= 8 else 2]
            out.row(
                [
                    f"NPS{self.next_id('nps'):07d}",
                    respondent,
                    f"{day(d, '%d.%m.%Y')} {clock(s, False)}",
                    score,
                    rng.choice(SURVEYS),
                    rng.choice(band),
                ]
            )

    def knows(self, employee: str, person: str, since: int) -> None:
        rng = self.rng
        strength = f"{rng.uniform(0.1, 1.0):.2f}"
        when = rng.randint(min(since, TODAY), TODAY)
        self.out["hr_knows"].row([employee, person, strength, day(when, "%m/%d/%Y")])

    # --- referrals -------------------------------------------------------------------------

    def referral(self, crm_id: str, created: int, currency: str, buys: bool) -> None:
        """Maybe a broker or an earlier customer referred this customer (chains <= MAX_DEPTH)."""
        rng = self.rng
        r = rng.random()
        depth = 0
        if r < 0.07 and self.brokers:
            broker = rng.choices(self.brokers, cum_weights=self._broker_weights)[0]
            commission = int(rng.lognormvariate(5.5, 0.8) * 100)
            self.out["partner_referrals"].row(
                [
                    f"PR{self.next_id('partner_referral'):07d}",
                    broker,
                    crm_id,
                    day(created, "%Y-%m-%d"),
                    rng.choice(BROKER_CHANNELS),
                    money_eu(commission, " "),
                    currency,
                ]
            )
            depth = 1
        elif r < 0.20 and self._pool:
            pool = self._chains if self._chains and rng.random() < 0.55 else self._pool
            referrer, parent_depth, since = rng.choice(pool)
            if parent_depth < MAX_DEPTH and referrer != crm_id:
                reward = rng.choice((1000, 2000, 2500, 5000)) if rng.random() < 0.8 else None
                self.out["crm_referrals"].row(
                    [
                        f"R{self.next_id('crm_referral'):07d}",
                        referrer,
                        crm_id,
                        day(max(created, since), "%d/%m/%Y"),
                        rng.choice(REFERRAL_PROGRAMS),
                        money(reward) if reward else "",
                        currency if reward else "",
                    ]
                )
                depth = parent_depth + 1
        self.depths[depth] += 1
        if not buys:
            return
        entry = (crm_id, depth, created)
        if len(self._pool) < _POOL:
            self._pool.append(entry)
        else:
            self._pool[rng.randrange(_POOL)] = entry
        if depth:
            if len(self._chains) < _CHAINS:
                self._chains.append(entry)
            else:
                self._chains[rng.randrange(_CHAINS)] = entry

    def close(self, trailer: Mapping[str, object]) -> None:
        for sink in self.out.values():
            sink.close()
        self.truth.write("\n]" + ", " + json.dumps(trailer)[1:] + "\n")
        self.truth.close()

"""Output files of the sample generator: their layouts, and byte-deterministic streaming writers.

A file is written row by row (never held in memory). Gzipped files carry no name and mtime 0 in
their header, so the same rows always give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import orjson


@dataclass(frozen=True)
class Layout:
    file: str  # relative to the output folder
    entity: str
    system: str
    columns: tuple[str, ...]
    delimiter: str = ","
    encoding: str = "utf-8"

    @property
    def jsonl(self) -> bool:
        return ".jsonl" in self.file


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LAYOUTS: Final = {
    "hr_employees": Layout("hr/employees.csv", "employee", "hr", _cols(
        "emp_no first_name last_name email phone country hired title team")),
    "hr_knows": Layout("hr/knows.csv", "knows", "hr", _cols("emp_no person_ref strength since")),
    "partners": Layout("partners/partners.csv", "broker", "partners", _cols(
        "partner_id name kind legal email phone country since updated"), encoding="cp1252"),
    "partner_referrals": Layout("partners/referrals.csv", "referral", "partners", _cols(
        "ref_no partner_id client_ref referred_on channel commission currency"), delimiter=";",
        encoding="cp1252"),
    "crm_persons": Layout("crm/persons.csv", "person", "crm", _cols(
        "person_id first_name last_name email phone country birth_date street_no street city "
        "postcode state household_id household_role status segment owner created modified")),
    "crm_households": Layout("crm/households.csv", "household", "crm", _cols(
        "household_id household_name country status segment owner created modified")),
    "crm_organizations": Layout("crm/organizations.csv", "organization", "crm", _cols(
        "org_id name domain industry employees parent_id email phone country status segment "
        "owner created modified")),
    "crm_contacts": Layout("crm/contacts.csv", "person", "crm", _cols(
        "contact_id first_name last_name email phone country account_id job_title department "
        "reports_to created modified")),
    "crm_deals": Layout("crm/deals.csv", "deal", "crm", _cols(
        "deal_id account_id deal_name stage amount currency opened modified")),
    "crm_committee": Layout("crm/committee.csv", "committee", "crm", _cols(
        "seat_id contact_id account_id deal_id roles influence primary modified")),
    "crm_activities": Layout("crm/activities.csv", "interaction", "crm", _cols(
        "activity_id party_id when kind direction subject result owner")),
    "crm_referrals": Layout("crm/referrals.csv", "referral", "crm", _cols(
        "referral_id referrer_id referred_id referred_on program reward reward_currency")),
    "shop_customers": Layout("shop/customers.jsonl.gz", "person", "shop", _cols(
        "customer_id email first_name last_name phone country birth_date city zip account_status "
        "signup_date updated_at")),
    "shop_products": Layout("shop/products.jsonl.gz", "product", "shop", _cols(
        "sku title category price updated_at")),
    "shop_orders": Layout("shop/orders.jsonl.gz", "order", "shop", _cols(
        "order_id customer_id placed_at total currency items status")),
    "shop_lines": Layout("shop/order_lines.jsonl.gz", "order_line", "shop", _cols(
        "order_id line_no sku qty line_total currency")),
    "erp_orders": Layout("erp/orders.csv.gz", "order", "erp", _cols(
        "doc_no customer_no doc_date net_amount currency qty state"), delimiter=";"),
    "erp_lines": Layout("erp/order_lines.csv.gz", "order_line", "erp", _cols(
        "doc_no pos material qty amount currency"), delimiter=";"),
    "support_tickets": Layout("support/tickets.tsv", "interaction", "support", _cols(
        "ticket_id customer opened_at channel category resolution sentiment sku agent"),
        delimiter="\t"),
    "marketing_touchpoints": Layout("marketing/touchpoints.jsonl.gz", "interaction", "marketing",
        _cols("event_id customer_id ts channel direction event outcome sentiment sku")),
    "marketing_nps": Layout("marketing/nps.csv", "survey_response", "marketing", _cols(
        "response_id respondent submitted score survey comment")),
}  # fmt: skip


class Sink:
    """One output file, written a row at a time; counts its rows."""

    def __init__(self, directory: Path, layout: Layout) -> None:
        self.layout = layout
        self.rows = 0
        path = directory / layout.file
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw: IO[bytes] = path.open("wb")
        self._gzip: gzip.GzipFile | None = None
        self._binary: IO[bytes] | gzip.GzipFile = self._raw
        if layout.file.endswith(".gz"):
            self._gzip = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6
            )
            self._binary = self._gzip
        self._columns = layout.columns
        self._known = frozenset(layout.columns)
        self._pending = bytearray()  # JSON Lines not yet handed to the (gzip) stream
        self._text: io.TextIOWrapper | None = None
        if layout.jsonl:
            assert layout.encoding == "utf-8", "JSON Lines are UTF-8"
        else:
            self._text = io.TextIOWrapper(self._binary, encoding=layout.encoding, newline="")
            self._csv = csv.writer(self._text, delimiter=layout.delimiter, lineterminator="\n")
            self._csv.writerow(layout.columns)

    def row(self, values: Sequence[Any]) -> None:
        """Write one row; None is an empty cell in CSV and an absent key in JSON Lines."""
        self.rows += 1
        if self._text is None:
            obj = {k: v for k, v in zip(self._columns, values, strict=True) if v is not None}
            self._pending += orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
            if len(self._pending) >= 1 << 20:
                self._flush()
        else:
            self._csv.writerow(values)

    def record(self, values: dict[str, Any]) -> None:
        """Write one row given by column name; missing columns are empty (absent in JSON)."""
        unknown = values.keys() - self._known
        if unknown:
            raise KeyError(f"{self.layout.file} has no column(s) {sorted(unknown)}")
        self.row([values.get(c) for c in self._columns])

    def _flush(self) -> None:
        self._binary.write(self._pending)
        self._pending.clear()

    def close(self) -> None:
        if self._text is not None:
            self._text.flush()
        self._flush()
        if self._gzip is not None:
            self._gzip.close()
        self._raw.close()


class Text:
    """A plain text file written in pieces (the ground truth), byte-deterministic."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8", newline="\n")

    def write(self, text: str) -> None:
        self._file.write(text)

    def close(self) -> None:
        self._file.close()


@functools.cache
def day(ordinal: int, form: str) -> str:
    """A day number (proleptic ordinal) in a strftime format."""
    return dt.date.fromordinal(ordinal).strftime(form)


def clock(seconds: int, with_seconds: bool = True) -> str:
    hours, rest = divmod(seconds, 3600)
    if with_seconds:
        return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{hours:02d}:{rest // 60:02d}"


def money(cents: int) -> str:
    """1234567 -> "12345.67"."""
    return f"{cents // 100}.{cents % 100:02d}"


def money_eu(cents: int, thousands: str = ".") -> str:
    """1234567 -> "12.345,67" (decimal comma, thousands separator)."""
    return f"{cents // 100:,}".replace(",", thousands) + f",{cents % 100:02d}"


def money_us(cents: int) -> str:
    """1234567 -> "12,345.67"."""
    return f"{cents // 100:,}.{cents % 100:02d}"

"""Field-level validation: a bad optional value is nulled and reported; only an unusable id or a field
the entity cannot exist without rejects the row. Rows read = loaded + rejected; issues counted apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.loaders.conftest import Loader

PEOPLE = (
    "id,given,surname,dob,email,phone,country,status\n"
    "p1,ann,lee,19450493,ann@example.com,+61 2 9999 0000,AU,A\n"  # 2: impossible date of birth
    "p2,bob,kay,1950-01-02,not-an-email,12,AU,Z\n"  # 3: bad email, phone, unknown code
    "p3,cy,ng,2999-01-01,cy@example.com,,au,P\n"  # 4: future birth, lower-case country
    ",dee,ro,1960-01-01,,,AU,A\n"  # 5: no id: rejected
    "p5,eve,ma,1961-02-03,eve@example.com,,AU,A\n"  # 6: clean
)
PERSON_FIELDS: dict[str, Any] = {
    "id": "id",
    "given_name": "given",
    "surname": "surname",
    "date_of_birth": {"column": "dob", "date": True},
    "email": "email",
    "phone": "phone",
    "country": "country",
    "status": {"column": "status", "codes": {"A": "active", "P": "prospect"}},
}


def entries(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_bad_optional_values_are_nulled_and_reported(loader: Loader, tmp_path: Path) -> None:
    loader.write("people.csv", PEOPLE)
    rejects = tmp_path / "rejects.jsonl"
    mapping = loader.mapping([{"file": "people.csv", "entity": "person", "fields": PERSON_FIELDS}])
    report = loader.run(mapping, rejects=rejects)
    people = report.sources[0]
    assert (people.read, people.loaded, people.rejected, people.field_issues) == (5, 4, 1, 6)
    assert people.read == people.loaded + people.rejected
    assert people.issues_by_field == {
        "date_of_birth": 2,
        "email": 1,
        "phone": 1,
        "status": 1,
        "country": 1,
    }
    issues = {
        (e["line"], e["field"]): (e["value"], e["reason"])
        for e in entries(rejects)
        if e["kind"] == "field"
    }
    assert issues[(2, "date_of_birth")][0] == "19450493"
    assert issues[(2, "date_of_birth")][1].startswith("bad date '19450493'")
    assert issues[(3, "email")] == (
        "not-an-email",
        "Value error, not an email address: 'not-an-email'",
    )
    assert issues[(3, "phone")] == ("12", "Value error, not a phone number: '12'")
    assert issues[(3, "status")] == ("Z", "unknown code 'Z' (known: ['A', 'P'])")
    assert issues[(4, "date_of_birth")] == (
        "2999-01-01",
        "Value error, date of birth in the future: 2999-01-01",
    )
    assert issues[(4, "country")] == ("au", "String should match pattern '^[A-Z]{2}$'")
    rows = [e for e in entries(rejects) if e["kind"] == "row"]
    assert [(r["line"], r["reasons"]) for r in rows] == [(5, ["id: missing"])]
    stored = {
        r["id"].split(":", 1)[1]: orjson.loads(r["data"])
        for r in loader.query(
            "MATCH (s:SourceRecord) WHERE s.id STARTS WITH $p RETURN s.id AS id, s.data AS data",
            p=f"{loader.system}:",
        )
    }
    assert sorted(stored) == ["p1", "p2", "p3", "p5"]
    assert "date_of_birth" not in stored["p1"] and stored["p1"]["status"] == "active"
    assert stored["p1"]["phone"] == "+61299990000"
    assert {k: stored["p2"].get(k) for k in ("email", "phone", "status", "date_of_birth")} == {
        "email": None,
        "phone": None,
        "status": None,
        "date_of_birth": "1950-01-02",
    }
    assert "country" not in stored["p3"] and stored["p3"]["email"] == "cy@example.com"


def test_essential_fields_still_reject_the_row(loader: Loader, tmp_path: Path) -> None:
    loader.write(
        "orders.csv",
        "id,customer,date,amount,currency\n"
        "o1,c1,2022-01-05,-1,EUR\n"  # 2: negative amount (required)
        "o2,c1,2022-01-05,5,euro\n"  # 3: currency defaults to USD: a bad one must not become USD
        "o3,c1,05/01/2022,5,EUR\n"  # 4: bad date (required)
        "o4,c1,2022-01-05,5,EUR\n",  # 5: loaded
    )
    fields = {
        "id": "id",
        "customer": "customer",
        "date": {"column": "date", "date": True},
        "amount": {"column": "amount", "number": {}},
        "currency": "currency",
    }
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(
        loader.mapping([{"file": "orders.csv", "entity": "order", "fields": fields}]),
        rejects=rejects,
    )
    orders = report.sources[0]
    assert (orders.read, orders.created, orders.rejected, orders.field_issues) == (4, 1, 3, 0)
    reasons = {e["line"]: e["reasons"][0].split(":")[0] for e in entries(rejects)}
    assert reasons == {2: "amount", 3: "currency", 4: "date"}

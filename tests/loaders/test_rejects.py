"""Bad input: each kind is rejected with its reason, nothing stops the load, nothing is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.loaders.conftest import Loader

ORDER_FIELDS = {
    "id": "id",
    "customer": "customer",
    "date": {"column": "date", "date": "%Y-%m-%d"},
    "amount": {"column": "amount", "number": {}},
    "status": {"column": "status", "codes": {"P": "paid", "R": "refunded"}},
}

GOOD = "o1,c1,2022-01-05,10.50,P\n"
ORDERS = (
    "id,customer,date,amount,status\n"
    + GOOD  # line 2: loaded
    + ",c1,2022-01-05,10.50,P\n"  # 3: missing key
    + "o3,c1,2022-02-30,10.50,P\n"  # 4: bad date
    + "o4,c1,2022-01-05,-3.00,P\n"  # 5: negative amount
    + "o5,c1,2022-01-05,10.50,X\n"  # 6: unknown code of an optional field: loaded, status null
    + "o6,c1,2022-01-05,10.50\n"  # 7: wrong column count
    + "id,customer,date,amount,status\n"  # 8: header repeated
    + "o8,c1,2022-01-05,ten,P\n"  # 9: not a number
    + "o9,,2022-01-05,1.00,P\n"  # 10: missing reference
)


def rejects_of(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def source(file: str, **extra: Any) -> dict[str, Any]:
    return {"file": file, "entity": "order", "fields": ORDER_FIELDS, **extra}


def test_each_bad_row_is_rejected_with_its_reason(loader: Loader, tmp_path: Path) -> None:
    loader.write("orders.csv", ORDERS)
    loader.write(
        "latin.csv",
        b"id,customer,date,amount,status\no10,c1,2022-01-05,1.00,P\no11,Ren\xe9,2022-01-05,1.00,P\n",
    )
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(
        loader.mapping([source("orders.csv"), source("latin.csv")]), rejects=rejects
    )
    main, latin = report.sources
    assert (main.read, main.created, main.rejected, main.field_issues) == (9, 2, 7, 1)
    assert (latin.read, latin.created, latin.rejected) == (2, 1, 1)
    entries = rejects_of(rejects)
    found = {(r["file"].rsplit("/", 1)[-1], r["line"]): r.get("reasons") for r in entries}
    assert set(found) == {("orders.csv", n) for n in range(3, 11)} | {("latin.csv", 3)}
    assert found[("orders.csv", 3)] == ["id: missing"]
    bad_date = found[("orders.csv", 4)]
    assert bad_date is not None and bad_date[0].startswith("date: bad date '2022-02-30'")
    assert found[("orders.csv", 5)] == ["amount: Input should be greater than or equal to 0"]
    assert found[("orders.csv", 6)] is None
    assert [e for e in entries if e["kind"] == "field"] == [
        {
            "kind": "field",
            "file": str(tmp_path / "orders.csv"),
            "entity": "order",
            "system": loader.system,
            "line": 6,
            "id": f"{loader.system}:o5",
            "field": "status",
            "value": "X",
            "reason": "unknown code 'X' (known: ['P', 'R'])",
        }
    ]
    assert found[("orders.csv", 7)] == ["expected 5 columns, found 4"]
    assert found[("orders.csv", 8)] == ["header row repeated inside the file"]
    assert found[("orders.csv", 9)] == ["amount: not a number: 'ten'"]
    assert found[("orders.csv", 10)] == ["customer: Field required"]
    assert found[("latin.csv", 3)] == ["not valid utf-8"]
    raw = {r["line"]: r["raw"] for r in entries if r["kind"] == "row" and "orders" in r["file"]}
    assert raw[5] == {
        "id": "o4",
        "customer": "c1",
        "date": "2022-01-05",
        "amount": "-3.00",
        "status": "P",
    }
    assert raw[7] == "o6,c1,2022-01-05,10.50"
    stored = loader.query(
        "MATCH (o:Order) WHERE o.id STARTS WITH $p RETURN o.id AS id, o.status AS status ORDER BY id",
        p=f"{loader.system}:",
    )
    assert [(r["id"], r["status"]) for r in stored] == [
        (f"{loader.system}:o1", "paid"),
        (f"{loader.system}:o10", "paid"),
        (f"{loader.system}:o5", None),
    ]


def test_duplicated_header_rejects_every_row(loader: Loader, tmp_path: Path) -> None:
    loader.write(
        "dup.csv",
        "id,customer,date,amount,amount,status\no1,c1,2022-01-05,1,2,P\no2,c1,2022-01-05,1,2,P\n",
    )
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(loader.mapping([source("dup.csv")]), rejects=rejects)
    assert (report.sources[0].read, report.sources[0].rejected) == (2, 2)
    assert [r["reasons"] for r in rejects_of(rejects)] == [
        ["duplicated header column(s) ['amount']: the row is ambiguous"]
    ] * 2


def test_empty_and_missing_files_are_reported_not_fatal(loader: Loader, tmp_path: Path) -> None:
    loader.write("empty.csv", "")
    loader.write("orders.csv", "id,customer,date,amount,status\n" + GOOD)
    report = loader.run(
        loader.mapping([source("empty.csv"), source("missing.csv"), source("orders.csv")]),
        rejects=tmp_path / "rejects.jsonl",
    )
    empty, missing, good = report.sources
    assert (empty.read, empty.error) == (0, "empty file: no header row")
    assert missing.read == 0 and missing.error is not None and "not found" in missing.error
    assert (good.read, good.created) == (1, 1)
    assert [s.file for s in report.failed_files] == ["empty.csv", "missing.csv"]


def test_a_folder_named_as_a_file_fails_its_source_not_the_load(
    loader: Loader, tmp_path: Path
) -> None:
    (tmp_path / "folder.csv").mkdir()
    loader.write("orders.csv", "id,customer,date,amount,status\n" + GOOD)
    report = loader.run(
        loader.mapping([source("folder.csv"), source("orders.csv")]),
        rejects=tmp_path / "rejects.jsonl",
    )
    folder, good = report.sources
    assert folder.error == f"cannot open {tmp_path / 'folder.csv'}: Is a directory"
    assert (good.read, good.created) == (1, 1)


def test_bad_jsonl_lines(loader: Loader, tmp_path: Path) -> None:
    loader.write(
        "orders.jsonl",
        '{"id": "o1", "customer": "c1", "date": "2022-01-05", "amount": "1.5"}\n'
        "not json\n"
        "[1, 2]\n"
        '{"id": "o4", "customer": "c1", "date": "2022-01-05", "amount": "1.5", "status": "Z"}\n',
    )
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(loader.mapping([source("orders.jsonl")]), rejects=rejects)
    orders = report.sources[0]
    assert (orders.read, orders.created, orders.rejected, orders.field_issues) == (4, 2, 2, 1)
    found = rejects_of(rejects)
    reasons = [r["reasons"][0] for r in found if r["kind"] == "row"]
    assert reasons[0].startswith("not JSON")
    assert reasons[1:] == ["a JSON Lines row must be an object"]
    assert [(r["line"], r["field"], r["value"]) for r in found if r["kind"] == "field"] == [
        (4, "status", "Z")
    ]

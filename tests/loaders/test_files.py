"""Ordinary files a data engineer hands the loader: Excel's BOM, RFC 4180 quoting with newlines, very large
fields, a header without a mapped column, the same id twice in a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from loaders.files import MAX_FIELD_CHARS, check_headers
from tests.loaders.conftest import Loader

FIELDS: dict[str, Any] = {"id": "id", "name": "name", "street": "street", "segment": "segment"}


def people(file: str) -> dict[str, Any]:
    return {"file": file, "entity": "person", "fields": FIELDS}


def entries(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def stored(loader: Loader) -> dict[str, dict[str, Any]]:
    found = loader.query(
        "MATCH (s:SourceRecord) WHERE s.id STARTS WITH $p RETURN s.id AS id, s.data AS data",
        p=f"{loader.system}:",
    )
    return {r["id"].split(":", 1)[1]: orjson.loads(r["data"]) for r in found}


def test_utf8_bom_is_dropped(loader: Loader, tmp_path: Path) -> None:
    loader.write("bom.csv", "\ufeffid,name,street,segment\np1,Zoë,Rue Émile 1,a\np2,Bo,,b\n")
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(loader.mapping([people("bom.csv")]), rejects=rejects)
    assert (report.sources[0].read, report.sources[0].created, report.sources[0].rejected) == (
        2,
        2,
        0,
    )
    assert stored(loader)["p1"]["name"] == "Zoë"
    assert rejects.read_bytes() == b""


def test_quoted_fields_hold_newlines_delimiters_and_quotes(loader: Loader, tmp_path: Path) -> None:
    loader.write(
        "quoted.csv",
        "id,name,street,segment\r\n"
        'p1,"Lee, Ann","12 Main St\r\nApt 3",a\r\n'  # lines 2-3
        'p2,"Bo ""the boss"" Ng","1 High St\nFloor 2\nDesk 9",b\r\n'  # lines 4-6
        "p3,Cy,2 Low St\r\n"  # line 7: a column short
        "p4,Di,3 Mid St,c\r\n",  # line 8
    )
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(loader.mapping([people("quoted.csv")]), rejects=rejects)
    assert (report.sources[0].read, report.sources[0].created, report.sources[0].rejected) == (
        4,
        3,
        1,
    )
    found = stored(loader)
    assert (found["p1"]["name"], found["p1"]["street"]) == ("Lee, Ann", "12 Main St\r\nApt 3")
    assert (found["p2"]["name"], found["p2"]["street"]) == (
        'Bo "the boss" Ng',
        "1 High St\nFloor 2\nDesk 9",
    )
    assert [(e["line"], e["reasons"]) for e in entries(rejects)] == [
        (7, ["expected 4 columns, found 3"])
    ]


def test_a_field_over_the_limit_rejects_its_row_not_the_load(
    loader: Loader, tmp_path: Path
) -> None:
    big = "x" * (200 * 1024)  # over the csv module's default limit, which crashed the load
    huge = "y" * (MAX_FIELD_CHARS + 1)
    loader.write(
        "big.csv",
        f'id,name,street,segment\np1,Ann,{big},a\np2,Bo,{huge},b\np3,Cy,"{huge}",c\np4,Di,1 St,d\n',
    )
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(loader.mapping([people("big.csv")]), rejects=rejects)
    source = report.sources[0]
    assert source.error is None
    assert (source.read, source.created, source.rejected) == (4, 2, 2)
    assert sorted(stored(loader)) == ["p1", "p4"]
    # the field itself is read whole; the records' bound on text (500 characters) nulls it
    assert "street" not in stored(loader)["p1"]
    assert (source.field_issues, source.issues_by_field) == (1, {"street": 1})
    found = [e for e in entries(rejects) if "reasons" in e]  # the rejected rows, not field issues
    reason = f"unreadable CSV: a field is longer than the limit of {MAX_FIELD_CHARS:,} characters"
    assert [(e["line"], e["reasons"]) for e in found] == [(3, [reason]), (4, [reason])]
    [issue] = [e for e in entries(rejects) if "reasons" not in e]
    assert (issue["line"], issue["field"]) == (2, "street")
    assert all(len(e["raw"]) < 5000 for e in found)  # the raw text is clipped


def test_a_mapped_column_missing_from_the_header_is_a_mapping_error(
    loader: Loader, tmp_path: Path
) -> None:
    loader.write("good.csv", "id,name,street,segment\np1,Ann,1 St,a\n")
    loader.write("short.csv", "id,name,street\np2,Bo,2 St\n")
    mapping = loader.mapping([people("good.csv"), people("short.csv")])
    expected = (
        f"mapping error: column(s) ['segment'] not in the header of {tmp_path / 'short.csv'} "
        f"(system {loader.system}, entity person); the header has ['id', 'name', 'street']"
    )
    assert check_headers(mapping) == [expected]
    report = loader.run(mapping, rejects=tmp_path / "rejects.jsonl")
    good, short = report.sources
    assert (good.read, good.created) == (1, 1)
    assert (short.read, short.created, short.error) == (0, 0, expected)
    assert sorted(stored(loader)) == ["p1"]


def test_repeated_ids_within_a_file_are_reported(loader: Loader, tmp_path: Path) -> None:
    loader.write(
        "dups.csv",
        "id,name,street,segment\n"
        "p1,Ann,1 St,a\n"
        "p2,Bo,2 St,b\n"
        "p1,Ann,1 St,a\n"  # line 4: the same row again: not reported
        "p1,Ann,9 St,a\n",  # line 5: the same id, other data: it wins
    )
    rejects = tmp_path / "rejects.jsonl"
    report = loader.run(loader.mapping([people("dups.csv")]), rejects=rejects)
    source = report.sources[0]
    assert (source.read, source.loaded, source.rejected, source.duplicates) == (4, 4, 0, 1)
    assert [(e["kind"], e["line"], e["id"], e["first_line"]) for e in entries(rejects)] == [
        ("duplicate", 5, f"{loader.system}:p1", 2)
    ]
    assert stored(loader)["p1"]["street"] == "9 St"

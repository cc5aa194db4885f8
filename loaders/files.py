"""Read the rows of one source file (CSV, whitespace-separated or JSON Lines, optionally gzipped).

Every physical problem with a row becomes a `Row` with an `error` instead of an exception, so a bad row
never stops a load: bad encoding, a wrong column count, a repeated header, a line that is not JSON, a field
over `MAX_FIELD_CHARS`. CSV follows RFC 4180 (a quoted field may hold delimiters, quotes and newlines; such
a row keeps the number of its first line). A UTF-8 byte-order mark (Excel) is dropped.

The header is checked before any row: a column the mapping reads that the header lacks is a
`HeaderError` naming the column and the file (`check_headers` runs the check over a whole mapping before
a load starts).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson

from loaders.mapping import Mapping, Source

MAX_FIELD_CHARS = 1 << 20  # a CSV field over 1 Mi characters rejects its row
MAX_RAW_CHARS = 4096  # raw text kept with a rejected row


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based number of the row's first line in the (decompressed) file
    text: str  # the raw line(s), for the rejects file
    values: dict[str, Any] | None
    error: str | None = None


class FileError(ValueError):
    """The file as a whole cannot be read (missing, not gzip, no header)."""


class HeaderError(FileError):
    """The header lacks a column the mapping reads: a mistake in the mapping (or the wrong file)."""


def _open(path: Path) -> IO[bytes]:
    if not path.exists():
        raise FileError(f"source file not found: {path}")
    try:
        if path.suffix == ".gz":
            return cast(IO[bytes], gzip.open(path, "rb"))
        return path.open("rb")
    except OSError as exc:  # a folder, no permission: that source fails, not the load
        raise FileError(f"cannot open {path}: {exc.strerror or exc}") from exc


def _clip(text: str) -> str:
    if len(text) <= MAX_RAW_CHARS:
        return text
    return f"{text[:MAX_RAW_CHARS]}… ({len(text):,} characters)"


class _Lines:
    """The decoded physical lines of a stream, with the number of the last one read, the lines read
    since `mark()` and whether one of them did not decode."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.encoding = encoding
        self.number = 0
        self.taken: list[str] = []
        self.undecodable = False

    def mark(self) -> int:
        """Start a new row; returns the number of its first line."""
        self.taken.clear()
        self.undecodable = False
        return self.number + 1

    def text(self) -> str:
        return _clip("".join(self.taken).rstrip("\r\n"))

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            self.number += 1
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError:
                self.undecodable = True
                text = raw.decode("latin-1")
            if self.number == 1:
                text = text.removeprefix("\ufeff")
            self.taken.append(text)
            yield text


def rows(path: Path, source: Source) -> Iterator[Row]:
    """Yield every row of the file, good or bad, in order."""
    with _open(path) as stream:
        try:
            if source.kind == "jsonl":
                yield from _jsonl(stream, source)
            else:
                yield from _delimited(path, stream, source)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise FileError(f"cannot read {path}: {exc}") from exc


def _jsonl(stream: IO[bytes], source: Source) -> Iterator[Row]:
    lines = _Lines(stream, source.encoding)
    for text in lines:
        number = lines.number
        if lines.undecodable:
            yield Row(number, _clip(text.rstrip("\r\n")), None, f"not valid {source.encoding}")
            lines.undecodable = False
            continue
        if not text.strip():
            continue
        shown = _clip(text.rstrip("\r\n"))
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield Row(number, shown, None, f"not JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield Row(number, shown, None, "a JSON Lines row must be an object")
            continue
        yield Row(number, shown, value)


def _check_header(path: Path, source: Source, names: list[str]) -> None:
    missing = sorted(source.columns() - set(names))
    if missing:
        raise HeaderError(
            f"mapping error: column(s) {missing} not in the header of {path} "
            f"(system {source.system}, entity {source.entity}); the header has {names}"
        )


def _cells(lines: _Lines, source: Source) -> Iterator[list[str]]:
    if source.whitespace:
        return (line.split() for line in lines)
    csv.field_size_limit(MAX_FIELD_CHARS)
    return csv.reader(lines, delimiter=source.delimiter, skipinitialspace=source.skip_initial_space)


def _delimited(path: Path, stream: IO[bytes], source: Source) -> Iterator[Row]:
    names = list(source.names or [])
    header: list[str] | None = None
    header_error: str | None = None
    lines = _Lines(stream, source.encoding)
    reader = _cells(lines, source)
    while True:
        number = lines.mark()
        try:
            found = next(reader, None)
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is longer than the limit of {MAX_FIELD_CHARS:,} characters"
            yield Row(number, lines.text(), None, f"unreadable CSV: {reason}")
            continue
        if found is None:
            break
        text = lines.text()
        if not text.strip():
            continue
        if lines.undecodable:
            yield Row(number, text, None, f"not valid {source.encoding}")
            continue
        cells = [c.strip() for c in found]
        if source.header and header is None:
            header = cells
            duplicated = sorted({c for c in cells if cells.count(c) > 1})
            if duplicated:
                header_error = f"duplicated header column(s) {duplicated}: the row is ambiguous"
            names = cells
            _check_header(path, source, names)
            continue
        if header_error is not None:
            yield Row(number, text, None, header_error)
            continue
        if header is not None and cells == header:
            yield Row(number, text, None, "header row repeated inside the file")
            continue
        if len(cells) != len(names):
            yield Row(number, text, None, f"expected {len(names)} columns, found {len(cells)}")
            continue
        yield Row(number, text, dict(zip(names, cells, strict=True)))
    if source.header and header is None:
        raise FileError("empty file: no header row")


def check_headers(mapping: Mapping) -> list[str]:
    """Read the header of every CSV source with one: the mapping errors (a mapped column the header
    lacks), one per source, before any row is loaded. A file that cannot be read is left to the load,
    which reports it for its source."""
    problems: list[str] = []
    for source in mapping.sources:
        if source.kind != "csv" or not source.header:
            continue
        try:
            next(rows(mapping.path(source), source), None)
        except HeaderError as exc:
            problems.append(str(exc))
        except FileError:
            continue
    return problems

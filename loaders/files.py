"""Read the rows of one source file (CSV, whitespace-separated or JSON Lines, optionally gzipped).

Every physical problem with a row becomes a `Row` with an `error` instead of an exception, so a bad row
never stops a load: bad encoding, a wrong column count, a repeated header, a line that is not JSON.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson

from loaders.mapping import Source


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line number in the (decompressed) file
    text: str  # the raw line(s), for the rejects file
    values: dict[str, Any] | None
    error: str | None = None


class FileError(ValueError):
    """The file as a whole cannot be read (missing, not gzip, no header)."""


def _open(path: Path) -> IO[bytes]:
    if not path.exists():
        raise FileError(f"source file not found: {path}")
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _lines(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, str | None, bytes]]:
    """(line number, decoded text or None when it does not decode, raw bytes)."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield number, raw.decode(encoding), raw
        except UnicodeDecodeError:
            yield number, None, raw


def rows(path: Path, source: Source) -> Iterator[Row]:
    """Yield every row of the file, good or bad, in order."""
    with _open(path) as stream:
        try:
            if source.kind == "jsonl":
                yield from _jsonl(stream, source)
            else:
                yield from _delimited(stream, source)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise FileError(f"cannot read {path}: {exc}") from exc


def _jsonl(stream: IO[bytes], source: Source) -> Iterator[Row]:
    for number, text, raw in _lines(stream, source.encoding):
        if text is None:
            yield Row(number, raw.decode("latin-1"), None, f"not valid {source.encoding}")
            continue
        if not text.strip():
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield Row(number, text.rstrip("\n"), None, f"not JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield Row(number, text.rstrip("\n"), None, "a JSON Lines row must be an object")
            continue
        yield Row(number, text.rstrip("\n"), value)


def _split(text: str, source: Source) -> list[str]:
    if source.whitespace:
        return text.split()
    reader = csv.reader(
        io.StringIO(text), delimiter=source.delimiter, skipinitialspace=source.skip_initial_space
    )
    return next(reader, [])


def _delimited(stream: IO[bytes], source: Source) -> Iterator[Row]:
    names = list(source.names or [])
    header_text: str | None = None
    header_error: str | None = None
    for number, text, raw in _lines(stream, source.encoding):
        if text is None:
            yield Row(
                number, raw.decode("latin-1").rstrip("\r\n"), None, f"not valid {source.encoding}"
            )
            continue
        line = text.rstrip("\r\n")
        if not line.strip():
            continue
        cells = [c.strip() for c in _split(line, source)]
        if source.header and header_text is None:
            header_text = line
            duplicated = sorted({c for c in cells if cells.count(c) > 1})
            if duplicated:
                header_error = f"duplicated header column(s) {duplicated}: the row is ambiguous"
            names = cells
            continue
        if header_error is not None:
            yield Row(number, line, None, header_error)
            continue
        if header_text is not None and line == header_text:
            yield Row(number, line, None, "header row repeated inside the file")
            continue
        if len(cells) != len(names):
            yield Row(number, line, None, f"expected {len(names)} columns, found {len(cells)}")
            continue
        yield Row(number, line, dict(zip(names, cells, strict=True)))
    if source.header and header_text is None:
        raise FileError("empty file: no header row")

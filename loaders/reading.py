"""Reading an extract (CSV or XLSX) into a staging table of text cells.

A ``Source`` is opened cheaply (type, encoding, delimiter, header row found by
its column names) so the kind can be detected; ``load`` then puts every data
row into ``raw`` in an in-memory DuckDB staging connection, as VARCHAR columns
``c0 .. cN`` plus ``_row``, the row number as the user sees it in a
spreadsheet program. Nothing is interpreted here.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from core.errors import KvalitetsdialogError, Problem, ValidationError
from core.settings import MAX_FILE_BYTES, MAX_XLSX_CELLS

HEADER_SCAN_ROWS = 50
_SAMPLE_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary .xls format
_CSV_LINE_ERROR = re.compile(r"CSV Error on Line: (\d+)")
# The bytes where Windows-1252 and Latin-1 differ (0x96 is '–' in the one, a control character in the other).
_CP1252_ONLY = bytes(range(0x80, 0xA0))
_CHUNK = 1 << 22
_READER: ThreadPoolExecutor


def _new_reader() -> None:
    """Reads whole files (hash, footnote search) in the background while DuckDB stages the files before them:
    hashlib and numpy release the GIL, and DuckDB releases it while it runs a query. One thread: the files are
    read in turn."""
    global _READER
    _READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kvd-read")


_new_reader()
os.register_at_fork(after_in_child=_new_reader)  # a forked child has no thread behind the parent's executor


def name_key(text: object) -> str:
    """A column name as it is matched: lower case, without spaces, ``_``, ``-`` and ``.``.

    >>> name_key(" Antal_Testede. "), name_key("INST-NR")
    ('antaltestede', 'instnr')
    """
    return re.sub(r"[\s_\-.]+", "", str(text or "")).lower()


def _fail(display: str, message: str, row: int | None = None) -> ValidationError:
    return ValidationError(display, [Problem(display, row, None, message)])


@dataclass
class Source:
    """An opened extract: where its header is and how to read the rows below it."""

    path: Path
    display: str
    header: list[str]  # the header cells as written
    header_row: int  # spreadsheet row of the header (1-based)
    format: str  # csv | xlsx
    warnings: list[Problem] = field(default_factory=list)
    row_sql: str = "{t}._row"  # SQL over table ``{t}`` (``raw``) giving the spreadsheet row
    _loader: Callable[[duckdb.DuckDBPyConnection], int] | None = None
    _digest: Callable[[], str] | None = None  # the content hash, computed in the background (``_READER``)

    @property
    def sha256(self) -> str:
        """The content hash used to recognise a file loaded before (waits for the background read)."""
        assert self._digest is not None, "a Source is made by open_source, which sets its digest"
        return self._digest()

    def load(self, stage: duckdb.DuckDBPyConnection) -> int:
        """Create ``raw`` in the staging connection; returns the number of data rows.

        ``row_sql`` then gives each raw row's spreadsheet row number.
        """
        assert self._loader is not None, "a Source is made by open_source, which sets its loader"
        return self._loader(stage)


def file_sha256(path: Path, sheet: str | None = None) -> str:
    """The content hash used to recognise a file loaded before."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    if sheet:
        # A different sheet of the same workbook is different content.
        h.update(b"\0sheet:" + sheet.encode())
    return h.hexdigest()


def _find_header(rows: Sequence[Sequence[str | None]], known: set[str]) -> int | None:
    """Index of the row naming the most known columns (the first such, at least two)."""
    best, best_hits = None, 1
    for i, cells in enumerate(rows):
        hits = len({name_key(c) for c in cells if c} & known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def open_source(path: Path, known: set[str], *, sheet: str | None = None, display: str | None = None) -> Source:
    """Open ``path`` and find its header row among the first rows (``known`` = matchable name keys)."""
    path = Path(path)
    display = display or path.name
    try:
        size = path.stat().st_size
    except OSError as e:
        raise _fail(display, f"Filen kan ikke læses: {e.strerror}.") from e
    if size > MAX_FILE_BYTES:
        raise _fail(
            display, f"Filen er for stor ({size / 1024 / 1024:.0f} MB); grænsen er {MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    if size == 0:
        raise _fail(display, "Filen er tom.")
    with path.open("rb") as f:
        head = f.read(_SAMPLE_BYTES)
    ext = path.suffix.lower() if display == path.name else Path(display).suffix.lower()
    if head.startswith(_OLE_MAGIC):
        raise _fail(display, "Filen er i det gamle Excel-format (.xls). Gem den som .xlsx eller .csv og prøv igen.")
    if head.startswith(_ZIP_MAGIC):
        source = _open_xlsx(path, display, known, sheet)
        if ext not in (".xlsx", ".xlsm"):
            source.warnings.append(
                Problem(
                    display,
                    None,
                    None,
                    f"Filen hedder '{ext or 'uden endelse'}', men er en Excel-fil; den er læst som Excel.",
                    "advarsel",
                )
            )
    elif ext in (".xlsx", ".xlsm"):
        raise _fail(
            display,
            "Filen hedder .xlsx, men er ikke en Excel-fil (den er ikke en xlsx-pakke). "
            "Gem den igen fra Excel, eller giv den endelsen .csv, hvis den er en CSV-fil.",
        )
    elif b"\0" in head:
        raise _fail(display, "Filen er hverken en CSV-fil (tekst) eller en Excel-fil (xlsx).")
    else:
        if sheet:
            raise _fail(display, f"Der er valgt arket '{sheet}', men filen er en CSV-fil uden ark.")
        return _open_csv(path, display, known, head)  # hashed in the same read as its other byte checks
    source._digest = _READER.submit(file_sha256, path, sheet).result
    return source


# --- CSV ---------------------------------------------------------------------------------


def _decode_sample(head: bytes) -> tuple[str, str]:
    """(text, encoding) of the first bytes: UTF-8 (BOM or not) if valid, else Windows-1252."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False), "utf-8"
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace"), "cp1252"


def _transcode(path: Path, display: str, workdir: Path) -> Path:
    """A UTF-8 copy of a Windows-1252 file (DuckDB's latin-1 would misread e.g. 0x96 '–')."""
    out = workdir / "transcoded.csv"
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
            for chunk in iter(lambda: src.read(1 << 22), b""):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as e:
        raise _fail(display, "Filen er hverken UTF-8 eller Windows-1252; gem den som CSV (UTF-8) og prøv igen.") from e
    return out


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=counts.__getitem__)


@dataclass
class _Bytes:
    """What one read of a CSV file tells: its sha256, where its data stops, and whether it has a byte where
    Windows-1252 and Latin-1 differ."""

    sha256: str
    data_end: int | None  # byte offset of the first blank line with text after it (footnotes), or None
    cp1252_only: bool


def _first_blank_line(text: bytes, start: int, delim: bytes, width: int) -> int | None:
    """Where in ``text`` the first blank line at or after ``start`` begins (the newline before it): a line that
    is empty or holds ``width`` delimiters only, ended by ``\\n`` or ``\\r\\n``.

    Vectorised over every line at once: a substring search for a blank line stops at every newline.

    >>> _first_blank_line(b"a;b\\n1;2\\n;x\\n;\\r\\nKilde", 0, b";", 1)  # the newline before ';\\r'
    10
    """
    a = np.frombuffer(text, np.uint8)
    newlines = np.flatnonzero(a == 10)
    newlines = newlines[newlines >= start]
    begin, end = newlines[:-1] + 1, newlines[1:]  # each line between two newlines, without them
    end = end - ((end > begin) & (a[end - 1] == 13))  # and without a carriage return before the newline
    blank = end == begin
    rows = np.flatnonzero(end - begin == width)  # as long as a row of delimiters: are they all delimiters?
    blank[rows] = (a[begin[rows, None] + np.arange(width)] == delim[0]).all(axis=1)
    hits = np.flatnonzero(blank)
    return int(newlines[hits[0]]) if len(hits) else None


def _scan(path: Path, header_row: int, delim: str, ncols: int, cp1252: bool = False) -> _Bytes:
    """Read the file once, a chunk at a time, hashing it and searching each chunk while it is in the cache.

    The data stops at a blank line (or a line of delimiters only) below the header, if text follows it. Only
    a ``cp1252`` file is searched for the bytes where Windows-1252 and Latin-1 differ.
    """
    h = hashlib.sha256()
    width = max(ncols - 1, 1)
    overlap = len(b"\n\r\n") + width - 1  # the longest blank line but one byte, so none is split between chunks
    start = _header_offset(path, header_row) - 1
    blank, cp1252_only, offset, tail = None, False, 0, b""
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
            cp1252_only = cp1252_only or (cp1252 and len(chunk.translate(None, _CP1252_ONLY)) < len(chunk))
            if blank is None:
                window, base = tail + chunk, offset - len(tail)
                found = _first_blank_line(window, max(start - base, 0), delim.encode(), width)
                blank = None if found is None else base + found
                tail = window[-overlap:]
            offset += len(chunk)
    data_end = None
    if blank is not None:
        with path.open("rb") as f:
            f.seek(blank + 1)
            if f.read().strip(b" \t\r\n" + delim.encode()):
                data_end = blank + 1
    return _Bytes(h.hexdigest(), data_end, cp1252_only)


def _open_csv(path: Path, display: str, known: set[str], head: bytes) -> Source:
    text, encoding = _decode_sample(head)
    lines = text.splitlines()
    if len(head) == _SAMPLE_BYTES and lines:
        lines = lines[:-1]  # the last sampled line may be cut off
    sample = lines[:HEADER_SCAN_ROWS]
    parsed = [next(csv.reader([ln], delimiter=_delimiter(ln)), []) for ln in sample]
    idx = _find_header(parsed, known)
    if idx is None:
        raise _fail(
            display,
            "Der er ingen overskriftsrække med kendte kolonnenavne blandt de første "
            f"{HEADER_SCAN_ROWS} rækker. Er det den rigtige fil?",
        )
    delim = _delimiter(sample[idx])
    header = [c.strip() for c in next(csv.reader([sample[idx]], delimiter=delim))]
    reading = _READER.submit(_scan, path, idx + 1, delim, len(header), encoding == "cp1252")
    source = Source(path, display, header, idx + 1, "csv", _digest=lambda: reading.result().sha256)

    def load(stage: duckdb.DuckDBPyConnection) -> int:
        scanned = reading.result()
        with tempfile.TemporaryDirectory(prefix="kvd-") as tmp:
            if encoding == "cp1252" and not scanned.cp1252_only:
                # DuckDB's own Latin-1 decoding reads it exactly: no UTF-8 copy.
                return _read_csv(stage, path, source, delim, Path(tmp), scanned.data_end, "latin-1")
            if encoding == "utf-8":
                try:
                    return _read_csv(stage, path, source, delim, Path(tmp), scanned.data_end)
                except duckdb.InvalidInputException as e:
                    if "unicode" not in str(e).lower():
                        raise
                    # Valid UTF-8 at the top, Windows-1252 further down.
            utf8 = _transcode(path, display, Path(tmp))
            return _read_csv(stage, utf8, source, delim, Path(tmp), _scan(utf8, idx + 1, delim, len(header)).data_end)

    source._loader = load
    return source


def _header_offset(path: Path, header_row: int) -> int:
    """Byte offset just after the header line."""
    with path.open("rb") as f:
        for _ in range(header_row):
            f.readline()
        return f.tell()


def _read_csv(
    stage: duckdb.DuckDBPyConnection,
    path: Path,
    source: Source,
    delim: str,
    tmp: Path,
    end: int | None,
    encoding: str = "utf-8",
) -> int:
    """Read the rows below the header, up to byte ``end`` (footnotes below a blank line), into ``raw``."""
    ncols = len(source.header)
    if end is not None:
        # Footnotes below a blank line: read only what is above it.
        cut = tmp / "data.csv"
        with path.open("rb") as src, cut.open("wb") as dst:
            remaining = end
            while remaining > 0:
                chunk = src.read(min(remaining, 1 << 22))
                if not chunk:
                    break
                dst.write(chunk)
                remaining -= len(chunk)
        path = cut
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    first_data_row = source.header_row + 1
    try:
        stage.execute(
            f"""
            CREATE OR REPLACE TABLE raw AS
            SELECT * FROM read_csv(?, delim = ?, quote = '"', escape = '"', header = true,
                                   skip = ?, auto_detect = false, columns = {{{columns}}},
                                   null_padding = true, encoding = ?)
        """,
            [str(path), delim, source.header_row - 1, encoding],
        )
    except duckdb.InvalidInputException as e:
        if "unicode" in str(e).lower():
            raise
        m = _CSV_LINE_ERROR.search(str(e))
        row = int(m.group(1)) if m else None
        raise ValidationError(
            source.display,
            [
                Problem(
                    source.display,
                    row,
                    None,
                    "Rækken kan ikke læses: den har flere felter end overskriften, eller et citationstegn er ikke lukket.",
                )
            ],
        ) from e
    # Insertion order is preserved, so rowid follows the file's line order.
    source.row_sql = f"{{t}}.rowid + {first_data_row}"
    return stage.execute("SELECT count(*) FROM raw").fetchall()[0][0]


# --- XLSX --------------------------------------------------------------------------------


def _cell_text(value: object, number_format: str | None) -> str | None:
    """A cell as the text a CSV export of it would hold (percent-formatted cells as ``78.3 %``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if number_format and "%" in number_format:
            return f"{value * 100:.10g} %"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return f"{value:.15g}" if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None  # a cell of spaces is empty (the data's trimming is in staging)


def _sheet_rows(ws) -> Iterator[tuple[int, list[str | None]]]:
    """Each row the sheet holds as (spreadsheet row, cell texts up to its last non-empty cell).

    openpyxl's own row iterators pad every row to the width the sheet *declares* (or to its
    last styled cell): a 17 KB file that declares ``A1:XFD3001`` costs ~750 MB that way. So
    this reads the cells the file holds with openpyxl's parser, keeps the non-empty ones, and
    never trusts the declared dimension. Rows the file skips come out as one blank row (a
    blank row ends the data, however many there are).
    """
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser behind ws.iter_rows, minus the padding

    wb = ws.parent
    previous = None
    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for number, cells in parser.parse():
            if previous is not None and number > previous + 1:
                yield previous + 1, []
            previous = number
            texts: dict[int, str] = {}
            for cell in cells:
                if cell["value"] is not None:
                    text = _cell_text(cell["value"], ReadOnlyCell(ws, **cell).number_format)
                    if text is not None:
                        texts[cell["column"]] = text
            yield number, [texts.get(column) for column in range(1, max(texts, default=0) + 1)]


def _too_big(display: str, sheet: str, rows: int, columns: int) -> ValidationError:
    return _fail(
        display,
        f"Arket '{sheet}' er for stort til at blive læst: mindst {rows:,} rækker × {columns:,} kolonner med indhold; "
        f"grænsen er {MAX_XLSX_CELLS:,} celler (KVALITETSDIALOG_MAX_XLSX_CELLS). Fjern tomme eller "
        "overflødige rækker og kolonner, del udtrækket op, eller gem det som CSV.".replace(",", "."),
    )


def _open_xlsx(path: Path, display: str, known: set[str], sheet: str | None) -> Source:
    import openpyxl  # only needed for workbooks

    # A damaged or foreign workbook makes openpyxl (and zipfile, lxml below it) raise many
    # unrelated exception types, while opening or while reading rows: all mean the same here.
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise _fail(display, f"Excel-filen kan ikke åbnes ({e}). Gem den igen fra Excel.") from e
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise _fail(display, f"Arket '{sheet}' findes ikke. Arkene er: {', '.join(wb.sheetnames)}.")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        rows: list[tuple[int, list[str | None]]] = []
        header_idx = None
        width = 0
        for number, texts in _sheet_rows(ws):
            rows.append((number, texts))
            width = max(width, len(texts))
            if len(rows) * width > MAX_XLSX_CELLS:
                raise _too_big(display, ws.title, len(rows), width)
            if header_idx is None and len(rows) >= HEADER_SCAN_ROWS:
                header_idx = _find_header([t for _, t in rows], known)
                if header_idx is None:
                    break
            elif header_idx is not None and not any(texts):
                break  # the first fully blank row ends the data; footnotes follow
    except KvalitetsdialogError:
        raise
    except Exception as e:
        raise _fail(display, f"Excel-filen kan ikke læses ({e}). Gem den igen fra Excel.") from e
    finally:
        wb.close()
    if header_idx is None:
        header_idx = _find_header([t for _, t in rows[:HEADER_SCAN_ROWS]], known)
    if header_idx is None:
        raise _fail(
            display,
            "Der er ingen overskriftsrække med kendte kolonnenavne blandt de første "
            f"{HEADER_SCAN_ROWS} rækker. Er det det rigtige ark?",
        )
    header_row, header = rows[header_idx]  # up to its last named column (see _sheet_rows)
    data = []
    for number, texts in rows[header_idx + 1 :]:
        if not any(texts):
            break
        data.append((number, (texts + [None] * len(header))[: len(header)]))
    source = Source(path, display, [(h or "").strip() for h in header], header_row, "xlsx")

    def load(stage: duckdb.DuckDBPyConnection) -> int:
        table = pa.table(
            {
                **{f"c{i}": pa.array([r[i] for _, r in data], pa.string()) for i in range(len(header))},
                "_row": pa.array([n for n, _ in data], pa.int32()),
            }
        )
        stage.register("xlsx_rows", table)
        stage.execute("CREATE OR REPLACE TABLE raw AS SELECT * FROM xlsx_rows")
        stage.unregister("xlsx_rows")
        return len(data)

    source._loader = load
    return source

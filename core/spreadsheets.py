"""Spreadsheets whose cells hold values, never formulas: the one place every export writes XLSX and CSV through.

Text typed by the public or by staff can look like a formula (`=HYPERLINK("http://…"&A5,"…")`, `+cmd`, `-2+3`,
`@SUM(A1)`); a spreadsheet program that opens the export would run it (OWASP: CSV injection).

- XLSX: XlsxWriter with every string conversion off, so a str is always a string cell; text that starts like a
  formula also carries Excel's quote prefix, so it stays text when someone edits the cell.
- CSV: a text cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe, as OWASP
  advises. Numbers stay numbers (a negative number written as a number is harmless); text never does.
"""

import decimal
from collections.abc import Iterable, Iterator

FORMULA_STARTS = frozenset("=+-@\t\r")
_AS_IS = frozenset({int, float, bool, decimal.Decimal, type(None)})
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def csv_cell(value):
    """One CSV cell: numbers and None as they are, anything else as text, neutralised if it starts like a formula."""
    if value.__class__ in _AS_IS or isinstance(value, int | float | decimal.Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_row(row: Iterable) -> list:
    """csv_cell over a row, with the common types decided inline (exports write tens of thousands of rows a second)."""
    return [
        ("'" + v if v[:1] in FORMULA_STARTS else v)
        if v.__class__ is str
        else (v if v.__class__ in _AS_IS else csv_cell(v))
        for v in row
    ]


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text line by line, with a byte-order mark so spreadsheet programs read the Chinese correctly."""
    import csv

    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(csv_row(row))


class Sheet:
    """A worksheet written row after row (as constant-memory mode requires), each value by its type."""

    def __init__(self, book: "Workbook", worksheet):
        self._book = book
        self._sheet = worksheet
        self.rows = 0

    def append(self, values: Iterable = (), *, bold: bool = False) -> None:
        row, sheet, quoted = self.rows, self._sheet, None
        plain = self._book.format(bold=bold, quoted=False)
        for col, value in enumerate(values):
            kind = value.__class__
            if kind is not str and kind not in _AS_IS:
                value = value if isinstance(value, int | float | decimal.Decimal) else str(value)
                kind = str if isinstance(value, str) else float
            if kind is str:
                if not value:
                    continue
                if value[0] in FORMULA_STARTS:
                    quoted = quoted or self._book.format(bold=bold, quoted=True)
                    sheet.write_string(row, col, value, quoted)
                else:
                    sheet.write_string(row, col, value, plain)
            elif kind is bool:
                sheet.write_boolean(row, col, value, plain)
            elif value is not None:
                sheet.write_number(row, col, value, plain)
        self.rows += 1

    def widths(self, widths: Iterable[float]) -> None:
        for col, width in enumerate(widths):
            self._sheet.set_column(col, col, width)


class Workbook:
    """An XLSX file (a path, or a binary stream such as BytesIO) of value-only sheets. constant_memory keeps one
    row in memory at a time, for the long exports; use it as a context manager or call close()."""

    def __init__(self, target, *, constant_memory: bool = False):
        import xlsxwriter

        options = dict(XLSX_OPTIONS)
        if hasattr(target, "write"):
            options["in_memory"] = True  # a stream: no temporary files (and no constant-memory mode)
        elif constant_memory:
            options["constant_memory"] = True
        self._book = xlsxwriter.Workbook(target, options)
        self._formats: dict[tuple[bool, bool], object] = {}
        self._titles: set[str] = set()

    def format(self, *, bold: bool, quoted: bool):
        key = (bold, quoted)
        if key not in self._formats:
            properties = {"bold": True} if bold else {}
            if quoted:
                properties["quote_prefix"] = True
            self._formats[key] = self._book.add_format(properties) if properties else None
        return self._formats[key]

    def sheet(self, title: str) -> Sheet:
        return Sheet(self, self._book.add_worksheet(self._title(title)))

    def _title(self, title: str) -> str:
        """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, not framed by apostrophes."""
        cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\").strip("'")[:28] or "Sheet"
        name, n = cleaned, 2
        while name.lower() in self._titles:
            name, n = f"{cleaned[:26]}{n}", n + 1
        self._titles.add(name.lower())
        return name

    def close(self) -> None:
        self._book.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

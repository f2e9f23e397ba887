"""The second readers give the grid the fast reader gives; the guard judges macros and cells by what is there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import fuzz_support as fs
import pandas as pd
import pytest
from corpus import make

from kimrecon.findings import Code
from kimrecon.read import files
from kimrecon.read.failure import failure_finding
from kimrecon.read.fallback import read_rows
from kimrecon.read.guard import Limits, screen_file


def _trim(frame: pd.DataFrame) -> list[list[object]]:
    """The grid as rows without trailing blank rows and columns (readers differ only there)."""
    rows = [[None if pd.isna(v) else v for v in r] for r in frame.itertuples(index=False)]
    width = max((max((i + 1 for i, v in enumerate(r) if v is not None), default=0) for r in rows), default=0)
    rows = [r[:width] + [None] * (width - len(r[:width])) for r in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def _both(path: Path) -> tuple[list[list[list[object]]], list[list[list[object]]]]:
    fast = [_trim(s.cells) for s in files._load_calamine(path) if s.cells is not None]
    second = [_trim(files.grid(s.rows)) for s in read_rows(path)]
    return fast, second


@pytest.mark.parametrize("path", sorted(fs.EXAMPLE.glob("*.xlsx")), ids=lambda p: p.name)
def test_openpyxl_gives_calamines_grid(path: Path) -> None:
    fast, second = _both(path)
    assert second == fast and fast and fast[0]


def test_xlrd_gives_calamines_grid(tmp_path: Path) -> None:
    fast, second = _both(make._xls(tmp_path / "z.xls"))
    assert second == fast
    assert fast[0][1] == [dt.date(2023, 3, 1), "Kreis Unna", "Stadt Kamen", 12500.5, "Abschlag", 2023.0]


def test_ods_stream_reader_gives_calamines_grid(tmp_path: Path) -> None:
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P, S

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Daten")

    def cell(kind: str | None = None, *paras: str, **attrs: object) -> TableCell:
        c = TableCell(valuetype=kind, **attrs) if kind else TableCell(**attrs)
        for text in paras:
            c.addElement(P(text=text))
        return c

    spaced = TableCell(valuetype="string")
    p = P(text="a")
    p.addElement(S(c=3))
    p.addText("b")
    spaced.addElement(p)
    note = Annotation()
    note.addElement(P(text="Kommentar"))
    spaced.addElement(note)
    rows = [
        [cell("string", "Jahr"), cell("string", "Empfänger"), cell("string", "Betrag"), cell("string", "Datum")],
        [
            cell("float", "2023", value=2023),
            cell("string", "Stadt Kamen", "zweite Zeile"),
            cell("currency", "1.234,50 €", value=1234.5, currency="EUR"),
            cell("date", "01.03.2023", datevalue="2023-03-01"),
            cell("time", "12:30", timevalue="PT12H30M00S"),
        ],
        [
            cell("percentage", "50 %", value=0.5),
            cell("boolean", "WAHR", booleanvalue="true"),
            cell(None, "ohne Typ"),
            cell("date", "x", datevalue="2023-03-01T10:15:00"),
        ],
        [spaced, cell(None, numbercolumnsrepeated=3), cell("float", "7", value=7)],
    ]
    for cells in rows:
        row = TableRow()
        for c in cells:
            row.addElement(c)
        table.addElement(row)
    doc.spreadsheet.addElement(table)
    path = tmp_path / "typen.ods"
    doc.save(str(path))
    fast, second = _both(path)
    assert second == fast
    assert second[0][1:] == [
        [2023.0, "Stadt Kamen\nzweite Zeile", 1234.5, dt.date(2023, 3, 1), dt.time(12, 30)],
        [0.5, True, None, dt.datetime(2023, 3, 1, 10, 15), None],  # a cell without a value type is blank
        ["a   b", None, None, None, 7.0],  # <text:s c="3"/> is three spaces; the comment is not the value
    ]


def test_pretty_printed_ods_reads_like_the_plain_one(tmp_path: Path) -> None:
    pretty = read_rows(make.libreoffice_pretty_ods(tmp_path / "a.ods"))
    inside = read_rows(make.accounting_pretty_ods(tmp_path / "b.ods"))
    assert pretty[0].rows == inside[0].rows
    assert pretty[0].rows[1] == [dt.date(2023, 3, 1), "Kreis Unna", "Stadt Kamen", 12500.5, "Abschlag", 2023.0]
    assert len(pretty[0].rows) == 4  # the 1 048 572 repeated empty rows are no rows


def test_a_large_sheet_the_lazy_reader_fails_on_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make.whole_row_merge(tmp_path / "gross.xlsx")

    def broken(*args: object) -> pd.DataFrame:
        raise RuntimeError("Range is missing the expected column component")

    monkeypatch.setattr(files, "_lazy_head", broken)
    monkeypatch.setattr(files, "_fastexcel_region", broken)
    raw = files.RawSheet(name="Zahlungen", source=path)
    assert raw.head(2).iloc[1].tolist() == [dt.date(2023, 3, 1), "Kreis Unna", "Stadt Kamen", 12500.5, "Abschlag", 2023]
    raw = files.RawSheet(name="Zahlungen", source=path)
    assert raw.region(3, set())[3].tolist() == [7250.25]  # from row 4 (0-based 3) on, column D: the third payment


def _with_content_types(tmp_path: Path, name: str, extra: bytes, rels: bytes = b"") -> Path:
    """The corpus workbook with ``extra`` in [Content_Types].xml and ``rels`` in the workbook's relationships."""

    def change(member: str, data: bytes) -> bytes:
        if member == "[Content_Types].xml":
            return data.replace(b"</Types>", extra + b"</Types>")
        if member == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", rels + b"</Relationships>")
        return data

    return make._rezip(make._xlsx(tmp_path / name), change)


def _codes(path: Path, limits: Limits | None = None) -> list[tuple[Code, str]]:
    return [(f.code, dict(f.details).get("grund", "")) for f in screen_file(path, limits)]


def test_macros_by_what_is_there(tmp_path: Path) -> None:
    assert _codes(make.sheetjs(tmp_path / "sheetjs.xlsx")) == []
    assert _codes(make.sheetjs_macro_default(tmp_path / "web.xlsx")) == []
    override = b'<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    assert _codes(_with_content_types(tmp_path, "o.xlsx", override)) == [(Code.DATEI_MAKRO, "")]
    rel = (
        b'<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/>'
    )
    assert _codes(_with_content_types(tmp_path, "r.xlsx", b"", rel)) == [(Code.DATEI_MAKRO, "")]
    assert _codes(make.real_macro(tmp_path / "m.xlsx")) == [(Code.DATEI_MAKRO, "")]
    assert _codes(make.xlsb(tmp_path / "b.xlsx"))[0][0] is Code.DATEI_FORMAT  # an .xlsb renamed .xlsx


def test_cells_by_what_is_there(tmp_path: Path) -> None:
    # 4 rows × 6 columns = 24 cells with a value, whatever <dimension> or the styled empty cells say
    for path in (
        make.libreoffice_dimension(tmp_path / "lo.xlsx"),
        make.styled_empty_cells(tmp_path / "mac.xlsx"),
        make.dimension_rows(tmp_path / "dim.xlsx"),
    ):
        assert _codes(path, Limits(max_cells=24)) == [], path.name
        assert _codes(path, Limits(max_cells=23)) == [
            (Code.DATEI_ZU_GROSS, "mehr als 23 Zellen in xl/worksheets/sheet1.xml")
        ]
    assert _codes(make.libreoffice_pretty_ods(tmp_path / "lo.ods"), Limits(max_cells=24)) == []


@pytest.mark.parametrize(
    ("texts", "head", "code", "detail"),
    [
        (
            ["CalamineError: Cfb error: Codepage 8001 not found"],
            b"\xd0\xcf\x11\xe0",
            Code.DATEI_ZEICHENSATZ,
            "Codepage 8001",
        ),
        (
            ["XlsError: Workbook is password protected", "XLRDError: Workbook is encrypted"],
            b"",
            Code.DATEI_VERSCHLUESSELT,
            "",
        ),
        (["File not found 'xl/_rels/workbook.xml.rels'"], b"PK", Code.DATEI_TEIL_FEHLT, "xl/_rels/workbook.xml.rels"),
        (
            ["Cfb error: Invalid OLE", "error: unpack requires a buffer"],
            b"\x09\x02\x06\x00",
            Code.DATEI_ALTES_FORMAT,
            "Excel 3.0, BIFF3",
        ),
        (
            ["Expecting 'table-cell', found 'Text(BytesText { … })'", "ParseError: not well-formed"],
            b"PK",
            Code.DATEI_BESCHAEDIGT,
            "fehlerhafter XML-Inhalt",
        ),
        (
            ["Range is missing the expected row component", "KeyError: x"],
            b"PK",
            Code.DATEI_BESCHAEDIGT,
            "fehlerhafter XML-Inhalt",
        ),
        (
            ["PanicException: index out of range", "CompDocError: x"],
            b"\xd0\xcf\x11\xe0",
            Code.DATEI_BESCHAEDIGT,
            "beschädigte Excel-97-2003-Datei",
        ),
        (["(workbook)"], b"PK", Code.DATEI_BESCHAEDIGT, "unbekannter Lesefehler"),
    ],
)
def test_reader_texts_become_german_findings(texts: list[str], head: bytes, code: Code, detail: str) -> None:
    f = failure_finding("a.xls", texts, head)
    assert f.code is code
    assert detail in f.meldung
    assert dict(f.details)["technisch"] == " | ".join(texts)  # the readers' own words, for --debug and the log
    for text in texts:
        assert text not in f.meldung

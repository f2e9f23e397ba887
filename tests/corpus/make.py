"""Build the file corpus: small workbooks that carry, byte for byte, the traits of real third-party writers.

No file of another project is committed (see SOURCES.md): each builder writes one Zahlungen table
(the same three payments everywhere) in the way the named writer does, or breaks it the way real
broken files are broken. ``build(folder)`` writes them all and returns their names.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import xlwt

HEADER = ["Datum (Wertstellung)", "Zahler", "Empfänger", "Betrag", "Art", "Jahr"]
ROWS = [
    [dt.date(2023, 3, 1), "Kreis Unna", "Stadt Kamen", 12500.5, "Abschlag", 2023],
    [dt.date(2023, 6, 1), "Kreis Unna", "Stadt Kamen", 12500.5, "Abschlag", 2023],
    [dt.date(2023, 9, 1), "Kreis Unna", "Stadt Selm", 7250.25, "Abschlag", 2023],
]
# 12 500,50 + 12 500,50 + 7 250,25 = 32 251,25 € = 3 225 125 cent
TOTAL_CENT = 3_225_125

SHEET = "xl/worksheets/sheet1.xml"


def _xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Zahlungen"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    for r in range(2, 2 + len(ROWS)):
        ws.cell(r, 1).number_format = "DD.MM.YYYY"
    wb.save(path)
    return path


def _rezip(path: Path, change: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None) -> Path:
    """Rewrite the zip at ``path``: ``change(name, data)`` returns new data, or None to drop the member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def _sheet(path: Path, edit: Callable[[bytes], bytes]) -> Path:
    return _rezip(_xlsx(path), lambda n, d: edit(d) if n == SHEET else d)


# --- files that must be read --------------------------------------------------------------------------

# SheetJS (xlsx.js, bits/... write_ct): these Defaults head every [Content_Types].xml it writes
_SHEETJS_DEFAULTS = [
    ("xml", "application/xml"),
    ("bin", "application/vnd.ms-excel.sheet.binary.macroEnabled.main"),
    ("vml", "application/vnd.openxmlformats-officedocument.vmlDrawing"),
    ("data", "application/vnd.openxmlformats-officedocument.model+data"),
    ("bmp", "image/bmp"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("emf", "image/x-emf"),
    ("wmf", "image/x-wmf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("pdf", "application/pdf"),
    ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
]
_OVERRIDES = {
    "/xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "/xl/theme/theme1.xml": "application/vnd.openxmlformats-officedocument.theme+xml",
    "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
    "/docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
}


def _content_types(defaults: list[tuple[str, str]], overrides: dict[str, str]) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    )
    body = "".join(f'<Default Extension="{e}" ContentType="{c}"/>' for e, c in defaults)
    body += "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides.items())
    return (head + body + "</Types>").encode()


def sheetjs(path: Path) -> Path:
    ct = _content_types(_SHEETJS_DEFAULTS, _OVERRIDES)
    return _rezip(_xlsx(path), lambda n, d: ct if n == "[Content_Types].xml" else d)


def sheetjs_macro_default(path: Path) -> Path:
    """The Default as older SheetJS builds and other web exporters write it: a macro type for ``bin``."""
    defaults = [("bin", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"), *_SHEETJS_DEFAULTS[2:]]
    ct = _content_types([("xml", "application/xml"), *defaults], _OVERRIDES)
    return _rezip(_xlsx(path), lambda n, d: ct if n == "[Content_Types].xml" else d)


def libreoffice_dimension(path: Path) -> Path:
    """LibreOffice 7.6: ``<dimension ref="A1:AMJ1048576"/>`` when whole columns carry a format."""
    return _sheet(path, lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:AMJ1048576"', d))


def styled_empty_cells(path: Path) -> Path:
    """gnumeric and Excel for Mac: empty cells with only a style, out to the last row and column."""

    def edit(d: bytes) -> bytes:
        d = re.sub(rb'(<row r="(\d+)"[^>]*>)', lambda m: m.group(1) + b'<c r="XFD%s" s="0"/>' % m.group(2), d)
        far = b'<row r="1048576" s="0" customFormat="1"><c r="A1048576" s="0"/><c r="XFD1048576" s="0"/></row>'
        return d.replace(b"</sheetData>", far + b"</sheetData>")

    return _sheet(path, edit)


def whole_row_merge(path: Path) -> Path:
    """Excel: a whole row merged (``<mergeCell ref="6:6"/>``); calamine and openpyxl's merge parser stop there."""
    return _sheet(path, lambda d: d.replace(b"</sheetData>", b"</sheetData>" + _merge(b"6:6")))


def whole_column_merge(path: Path) -> Path:
    """Excel: a whole column merged (``<mergeCell ref="H:H"/>``)."""
    return _sheet(path, lambda d: d.replace(b"</sheetData>", b"</sheetData>" + _merge(b"H:H")))


def _merge(ref: bytes) -> bytes:
    return b'<mergeCells count="1"><mergeCell ref="%s"/></mergeCells>' % ref


def dimension_rows(path: Path) -> Path:
    """A ``<dimension ref="1:4"/>`` (rows only), as some exporters write it."""
    return _sheet(path, lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="1:4"', d))


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.3"'
)


def _ods_cell(value: object, pad: str, inside: bool) -> str:
    """One cell as LibreOffice writes it; ``inside``: pretty printing also inside ``<text:p>`` (accounting export)."""

    def para(text: str) -> str:
        if inside:
            return f"{pad} <text:p>\n{pad}  {escape(text)}\n{pad} </text:p>"
        return f"{pad} <text:p>{escape(text)}</text:p>"

    if isinstance(value, dt.date):
        attrs = f'office:value-type="date" office:date-value="{value.isoformat()}" calcext:value-type="date"'
        text = value.strftime("%d.%m.%Y")
    elif isinstance(value, (int, float)):
        attrs = f'office:value-type="float" office:value="{value}" calcext:value-type="float"'
        text = f"{value}".replace(".", ",")
    else:
        attrs = 'office:value-type="string" calcext:value-type="string"'
        text = str(value)
    return f"{pad}<table:table-cell {attrs}>\n{para(text)}\n{pad}</table:table-cell>"


def _ods(path: Path, inside: bool) -> Path:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<office:document-content {_ODS_NS}>",
        " <office:automatic-styles>",
        '  <style:style style:name="ta1" style:family="table" style:master-page-name="Default">',
        '   <style:table-properties table:display="true" style:writing-mode="lr-tb"/>',
        "  </style:style>",
        " </office:automatic-styles>",
        " <office:body>",
        "  <office:spreadsheet>",
        '   <table:table table:name="Zahlungen" table:style-name="ta1">',
        '    <table:table-column table:number-columns-repeated="6"/>',
    ]
    for row in [HEADER, *ROWS]:
        lines.append("    <table:table-row>")
        lines += [_ods_cell(v, "     ", inside) for v in row]
        lines.append('     <table:table-cell table:number-columns-repeated="1018"/>')
        lines.append("    </table:table-row>")
    lines += [
        '    <table:table-row table:number-rows-repeated="1048572">',
        '     <table:table-cell table:number-columns-repeated="1024"/>',
        "    </table:table-row>",
        "   </table:table>",
        "  </office:spreadsheet>",
        " </office:body>",
        "</office:document-content>",
    ]
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">\n'
        ' <manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>\n'
        ' <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>\n'
        "</manifest:manifest>\n"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", "\n".join(lines) + "\n", zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def libreoffice_pretty_ods(path: Path) -> Path:
    """LibreOffice 24.8 with pretty printing: every element on its own indented line."""
    return _ods(path, inside=False)


def accounting_pretty_ods(path: Path) -> Path:
    """German accounting software's ODS export: indented even inside ``<text:p>``."""
    return _ods(path, inside=True)


def _xls(path: Path) -> Path:
    """The table as BIFF8 in an OLE2 container, written by xlwt (as Excel 97–2003 and LibreOffice do)."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Zahlungen")
    date = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for c, v in enumerate(HEADER):
        ws.write(0, c, v)
    for r, row in enumerate(ROWS, start=1):
        ws.write(r, 0, dt.datetime.combine(row[0], dt.time()), date)  # type: ignore[arg-type]
        for c, v in enumerate(row[1:], start=1):
            ws.write(r, c, v)
    wb.save(str(path))
    return path


_BOF8 = b"\x09\x08\x10\x00\x00\x06\x05\x00"  # BOF of the workbook globals, BIFF8


def _records_after_bof(data: bytes) -> int:
    start = data.find(_BOF8)
    assert start > 0
    return start + 20


def codepage_8001(path: Path) -> Path:
    """Old Excel's CODEPAGE 0x8001 (Windows-1252 as Excel 2.x numbered it): calamine knows no codepage 0x8001."""
    data = bytearray(_xls(path).read_bytes())
    at = data.find(b"\x42\x00\x02\x00\xb0\x04")  # CODEPAGE 1200 as xlwt writes it
    assert at > 0
    data[at + 4 : at + 6] = struct.pack("<H", 0x8001)
    path.write_bytes(bytes(data))
    return path


def _rec(opcode: int, payload: bytes) -> bytes:
    return struct.pack("<HH", opcode, len(payload)) + payload


def _old_biff(path: Path, version: int, codepage: int | None = None) -> Path:
    """An Excel 2.x/3.0/4.0 worksheet: a bare BIFF stream (BOF, XF, DIMENSIONS, LABEL and NUMBER cells, EOF)."""
    bof = {2: 0x0009, 3: 0x0209, 4: 0x0409}[version]
    label = 0x0004 if version == 2 else 0x0204
    number = 0x0003 if version == 2 else 0x0203
    dims = 0x0000 if version == 2 else 0x0200
    cell_attrs = b"\x00\x00\x00" if version == 2 else b"\x0f\x00"  # BIFF2: 3 attribute bytes; later: XF index
    out = _rec(bof, struct.pack("<HH", 0, 0x0010) + (b"" if version == 2 else b"\x00\x00"))
    if codepage is not None:
        out += _rec(0x0042, struct.pack("<H", codepage))
    if version > 2:  # Excel 3.0/4.0 write 15 style XFs and the default cell XF (index 15) before the cells
        out += _rec(0x0243 if version == 3 else 0x0443, bytes(12)) * 16
    out += _rec(dims, struct.pack("<HHHH", 0, 1 + len(ROWS), 0, len(HEADER)) + (b"" if version == 2 else b"\x00\x00"))
    for r, row in enumerate([HEADER, *ROWS]):
        for c, v in enumerate(row):
            head = struct.pack("<HH", r, c) + cell_attrs
            if isinstance(v, (int, float)):
                out += _rec(number, head + struct.pack("<d", float(v)))
            else:
                text = (v.strftime("%d.%m.%Y") if isinstance(v, dt.date) else str(v)).encode("cp1252")
                size = bytes([len(text)]) if version == 2 else struct.pack("<H", len(text))
                out += _rec(label, head + size + text)
    out += _rec(0x000A, b"")
    path.write_bytes(out)
    return path


def biff2(path: Path) -> Path:
    return _old_biff(path, 2)


def biff3(path: Path) -> Path:
    return _old_biff(path, 3)


def biff4(path: Path) -> Path:
    return _old_biff(path, 4)


# --- files that must be refused ------------------------------------------------------------------------


def encrypted_biff(path: Path) -> Path:
    """Excel 97–2003 "Kennwort zum Öffnen": FILEPASS (RC4) right after the BOF, the rest encrypted."""
    data = bytearray(_xls(path).read_bytes())
    at = data.find(_BOF8) + 20
    # replace INTERFACEHDR, MMS, INTERFACEEND and WRITEACCESS (132 bytes) by FILEPASS and a shorter WRITEACCESS
    filepass = _rec(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(range(48)))
    rest = _rec(0x005C, b" " * (132 - len(filepass) - 4))
    assert data[at : at + 2] == b"\xe1\x00" and len(filepass + rest) == 132
    data[at : at + 132] = filepass + rest
    path.write_bytes(bytes(data))
    return path


def encrypted_ooxml(path: Path) -> Path:
    """Excel 2007+ with a password: an OLE2 container holding EncryptionInfo and EncryptedPackage."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 40 + "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(header + directory + bytes(256))
    return path


def damaged_zip(path: Path) -> Path:
    """A download cut off: the first 60 % of an .xlsx."""
    data = _xlsx(path).read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def missing_rels(path: Path) -> Path:
    """A package without ``xl/_rels/workbook.xml.rels`` (hand-made or cut-down exports)."""
    return _rezip(_xlsx(path), lambda n, d: None if n == "xl/_rels/workbook.xml.rels" else d)


def unknown_codepage_biff4(path: Path) -> Path:
    """An Excel 4.0 worksheet whose CODEPAGE (8001) names no code page: its byte strings cannot be decoded."""
    return _old_biff(path, 4, codepage=8001)


def damaged_biff4(path: Path) -> Path:
    """An Excel 4.0 worksheet whose records are cut after the BOF."""
    data = _old_biff(path, 4).read_bytes()
    path.write_bytes(data[:10] + b"\xff\xff\xff\x7f" + data[14:40])
    return path


def xlsb(path: Path) -> Path:
    """An Excel binary workbook (.xlsb): a zip with a binary main part."""
    ct = _content_types(
        [("bin", "application/vnd.ms-excel.sheet.binary.macroEnabled.main"), _SHEETJS_DEFAULTS[-1]],
        {"/xl/worksheets/sheet1.bin": "application/vnd.ms-excel.worksheet"},
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
        z.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    return path


def real_macro(path: Path) -> Path:
    """Excel's .xlsm saved as .xlsx: macro-enabled main type, a vbaProject.bin and its relationship."""
    ct_macro = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", ct_macro)
            vba = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            return data.replace(b"</Types>", vba + b"</Types>")
        if name == "xl/_rels/workbook.xml.rels":
            rel = (
                b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                b'Target="vbaProject.bin"/></Relationships>'
            )
            return data.replace(b"</Relationships>", rel)
        return data

    return _rezip(_xlsx(path), change, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)})


def excel2003_xml(path: Path) -> Path:
    """Excel 2003 XML ("XML-Kalkulationstabelle") saved with the suffix .xls."""
    path.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        ' <Worksheet ss:Name="Zahlungen"><Table><Row><Cell><Data ss:Type="String">Jahr</Data></Cell></Row></Table>'
        "</Worksheet>\n</Workbook>\n",
        encoding="utf-8",
    )
    return path


def unrelated(path: Path) -> Path:
    """A workbook of no known kind (a telephone list): nothing to check."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Telefonliste"
    ws.append(["Ansprechpartner", "Durchwahl"])
    ws.append(["Frau Muster", 1234])
    wb.save(path)
    return path


# name -> builder; the suffix of the name is the suffix of the file
READ: dict[str, Callable[[Path], Path]] = {
    "sheetjs.xlsx": sheetjs,
    "sheetjs_bin_makrotyp.xlsx": sheetjs_macro_default,
    "libreoffice76_dimension.xlsx": libreoffice_dimension,
    "leere_formatierte_zellen.xlsx": styled_empty_cells,
    "zeile_verbunden.xlsx": whole_row_merge,
    "spalte_verbunden.xlsx": whole_column_merge,
    "dimension_nur_zeilen.xlsx": dimension_rows,
    "libreoffice248_formatiert.ods": libreoffice_pretty_ods,
    "buchhaltung_formatiert.ods": accounting_pretty_ods,
    "codepage_8001.xls": codepage_8001,
    "excel2.xls": biff2,
    "excel3.xls": biff3,
    "excel4.xls": biff4,
}
REFUSED: dict[str, Callable[[Path], Path]] = {
    "kennwort_biff.xls": encrypted_biff,
    "kennwort_ooxml.xlsx": encrypted_ooxml,
    "abgeschnitten.xlsx": damaged_zip,
    "ohne_workbook_rels.xlsx": missing_rels,
    "unbekannte_codepage.xls": unknown_codepage_biff4,
    "excel4_beschaedigt.xls": damaged_biff4,
    "binaer.xlsb": xlsb,
    "makro.xlsx": real_macro,
    "excel2003.xls": excel2003_xml,
}


def build(folder: Path, names: dict[str, Callable[[Path], Path]] | None = None) -> list[Path]:
    """Write the corpus files (all, or ``names``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [make(folder / name) for name, make in (names or {**READ, **REFUSED}).items()]

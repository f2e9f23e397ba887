"""Mutations of the bundled example case and the invariants every hostile-input run must keep."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from kimrecon import findings

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "workbooks" / "beispiel-kreis-unna-2023"
MONTH = "2023-12"
ABGLEICH = f"Abgleich_Kreis_Unna_{MONTH}.xlsx"  # output names carry the Kreis of the Bescheid


def is_report(written: list[str], kind: str) -> bool:
    """Exactly one output of this kind for the month (its name carries the Kreis or the case folder)."""
    return len(written) == 1 and written[0].startswith(f"{kind}_") and written[0].endswith(f"_{MONTH}.xlsx")


def fehlerbericht(case: Path) -> str:
    """The Fehlerbericht's file name of a run of a case folder."""
    from kimrecon.month import as_month
    from kimrecon.pipeline import fehlerbericht_filename

    return fehlerbericht_filename(case.resolve().name, as_month(MONTH))
HEADER_ROW = 4  # every sheet of the example case has its header in row 4
STAGING = ".~kimrecon-"
UNUSABLE = {code.value for code in findings.UNUSABLE}

# the long fuzz run before a release: KIMRECON_FUZZ_EXAMPLES=500 pytest tests/test_hostile_fuzz.py
FUZZ_EXAMPLES = int(os.environ.get("KIMRECON_FUZZ_EXAMPLES", "0") or 0)


def examples(default: int) -> int:
    """Number of hypothesis examples: the CI default unless ``KIMRECON_FUZZ_EXAMPLES`` raises it."""
    return max(default, FUZZ_EXAMPLES)


# --------------------------------------------------------------------------------------------------
# case copies, hashes, CLI runs


def copy_case(tmp: Path, name: str = "fall") -> Path:
    """A private copy of the example case (the bundled folder is never touched)."""
    dst = tmp / name
    shutil.copytree(EXAMPLE, dst)
    return dst


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cli_env() -> dict[str, str]:
    """Environment for CLI subprocesses: no colours, wide lines, German text as UTF-8."""
    env = dict(os.environ)
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"})
    env.pop("KIMRECON_DB", None)
    return env


@dataclass
class CliRun:
    """One finished CLI subprocess."""

    args: list[str]
    rc: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str | Path, cwd: Path, timeout: float = 300) -> CliRun:
    """Run ``python -m kimrecon.cli ARGS`` in ``cwd`` and capture its output."""
    argv = [sys.executable, "-m", "kimrecon.cli", *map(str, args)]
    proc = subprocess.run(argv, cwd=cwd, env=cli_env(), capture_output=True, timeout=timeout, check=False)
    return CliRun(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def reconcile_json(case: Path, out: Path) -> tuple[CliRun, dict[str, Any] | None]:
    """``kimrecon reconcile CASE --month 2023-12 --out OUT --ohne-laufbuch --json`` and its parsed JSON."""
    run = run_cli("reconcile", case, "--month", MONTH, "--out", out, "--ohne-laufbuch", "--json", cwd=out.parent)
    try:
        obj = json.loads(run.stdout)
    except ValueError:
        obj = None
    return run, obj


# --------------------------------------------------------------------------------------------------
# invariants


def german_message_ok(code: str, meldung: str) -> bool:
    """Tell whether ``meldung`` is the German message of ``code`` (a literal part of its template is in it)."""
    import re

    from kimrecon.findings import MESSAGES, Code

    parts = [p.strip() for p in re.split(r"\{[^}]*\}|[.(]", MESSAGES[Code(code)])]
    return bool(meldung) and any(p in meldung for p in parts if len(p) >= 8)


def check_run(
    run: CliRun,
    obj: dict[str, Any] | None,
    *,
    case: Path,
    out: Path,
    before: dict[str, str],
    expect_unusable: bool = False,
) -> set[str]:
    """Assert the hostile-input invariants of one ``reconcile --json`` run; return its finding codes."""
    label = f"{run.args[3:]}\nrc={run.rc}\nstdout={run.stdout[-2000:]}\nstderr={run.stderr[-3000:]}"
    assert "Traceback" not in run.text, label
    assert "Interner Fehler" not in run.text, label
    assert run.rc in (0, 1, 2), label
    assert obj is not None, "stdout is not one JSON object\n" + label
    befunde = obj.get("befunde", [])
    codes = {b["code"] for b in befunde}
    for b in befunde:  # every finding carries a German message
        assert b["code"] == "sonstiges" or german_message_ok(b["code"], b["meldung"]), b
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert not [n for n in written if n.startswith(STAGING)], f"staging files left: {written}\n{label}"
    if expect_unusable:
        assert run.rc == 2, label
    # exit 2 exactly when the run could not be done (unusable input or a Fehler that stopped it)
    assert (run.rc == 2) == (obj["status"] == "fehler"), label
    if obj["status"] == "fehler":
        assert is_report(written, "Fehlerbericht"), f"{written}\n{label}"
        assert any(b for b in befunde), label
    else:
        assert run.rc in (0, 1), label
        assert is_report(written, "Abgleich"), f"{written}\n{label}"
    assert tree_hashes(case) == before, "an input file changed\n" + label
    record(run, codes)
    return codes


def reconcile_plain(case: Path, out: Path) -> CliRun:
    """``kimrecon reconcile`` with the German terminal output (findings and summary through rich)."""
    return run_cli("reconcile", case, "--month", MONTH, "--out", out, "--ohne-laufbuch", cwd=out.parent)


def check_plain(run: CliRun, *, case: Path, out: Path, before: dict[str, str], expect_unusable: bool = False) -> None:
    """The hostile-input invariants of a run with terminal output (no JSON to read the status from)."""
    label = f"{run.args[3:]}\nrc={run.rc}\nstdout={run.stdout[-2000:]}\nstderr={run.stderr[-3000:]}"
    assert "Traceback" not in run.text, label
    assert "Interner Fehler" not in run.text, label
    assert run.rc in (0, 1, 2), label
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert not [n for n in written if n.startswith(STAGING)], label
    if is_report(written, "Abgleich"):
        assert run.rc in (0, 1) and not expect_unusable, label
        assert "Status:" in run.stdout, label
    else:
        assert is_report(written, "Fehlerbericht"), f"{written}\n{label}"
        assert run.rc == 2 and "Der Abgleich wurde nicht durchgeführt" in run.stderr, label
        assert " Fehler " in run.stdout or "Fehler," in run.stdout, label  # a German finding on the terminal
    if expect_unusable:
        assert run.rc == 2, label
    assert tree_hashes(case) == before, "an input file changed\n" + label
    record(run, set())


def record(run: CliRun, codes: set[str]) -> None:
    """Append one run to ``$KIMRECON_FUZZ_STATS`` (JSON lines), for the figures of the issue note."""
    target = os.environ.get("KIMRECON_FUZZ_STATS")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"args": run.args[3:5], "rc": run.rc, "codes": sorted(codes)}) + "\n")


def record_inprocess(label: str, rc: int, codes: set[str]) -> None:
    """Like :func:`record` for runs made in-process."""
    target = os.environ.get("KIMRECON_FUZZ_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"args": [label], "rc": rc, "codes": sorted(codes)}) + "\n")


# --------------------------------------------------------------------------------------------------
# container mutations (bytes of one file)


def _rezip(src: Path, dst: Path, edit: Callable[[zipfile.ZipFile], None], *, drop: set[str] = frozenset()) -> None:
    """Copy the members of ``src`` into a new zip at ``dst`` and let ``edit`` add or change members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in drop:
                zout.writestr(info.filename, zin.read(info))
        edit(zout)
    dst.write_bytes(buf.getvalue())


def _replace_member(src: Path, dst: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(src) as zin:
        data = change(zin.read(member))
    _rezip(src, dst, lambda z: z.writestr(member, data), drop={member})


SHEET_XML = "xl/worksheets/sheet1.xml"


def truncate(path: Path, frac: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * frac))])


def corrupt(path: Path, pos: float, length: int, byte: int) -> None:
    data = bytearray(path.read_bytes())
    start = min(int(len(data) * pos), len(data) - 1)
    data[start : start + length] = bytes([byte]) * len(data[start : start + length])
    path.write_bytes(bytes(data))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def pdf(path: Path) -> None:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def csv_as_xlsx(path: Path) -> None:
    path.write_bytes("Jahr;Empfänger;VzÄ\n2023;Stadt Kamen;1\n".encode())


def html_as_xlsx(path: Path) -> None:
    path.write_bytes(b"<html><body><table><tr><td>Jahr</td></tr></table></body></html>")


def ole_encrypted(path: Path) -> None:
    """A CFB container as Excel writes a password-protected workbook (directory names the streams)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 40 + "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(header + directory + os.urandom(256))


def ole_plain(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)


def zip_bomb(path: Path, mb: int) -> None:
    """An extra member of ``mb`` MB of zeros (deflates about 1000:1)."""
    src = path.with_name(path.name + ".orig")
    path.rename(src)
    _rezip(src, path, lambda z: z.writestr("xl/media/image1.xml", b"<a>" + b"\x20" * (mb << 20) + b"</a>"))
    src.unlink()


def doctype(path: Path, laughs: bool) -> None:
    """A DOCTYPE in the sheet XML, optionally with a billion-laughs entity chain."""
    decl = b'<?xml version="1.0"?><!DOCTYPE w ['
    if laughs:
        decl += b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
            b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i else b"&a;") * 10) for i in range(9)
        )
    decl += b"]>"
    src = path.with_name(path.name + ".orig")
    path.rename(src)
    _replace_member(
        src, path, SHEET_XML, lambda d: decl + d.split(b"?>", 1)[-1] if d.startswith(b"<?xml") else decl + d
    )
    src.unlink()


def vba(path: Path) -> None:
    src = path.with_name(path.name + ".orig")
    path.rename(src)
    _rezip(src, path, lambda z: z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro"))
    src.unlink()


def huge_dimension(path: Path) -> None:
    import re

    src = path.with_name(path.name + ".orig")
    path.rename(src)
    _replace_member(
        src, path, SHEET_XML, lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d)
    )
    src.unlink()


def far_cell(path: Path) -> None:
    """One extra cell at XFD1048576 (the used range becomes the whole grid)."""
    src = path.with_name(path.name + ".orig")
    path.rename(src)
    cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    _replace_member(src, path, SHEET_XML, lambda d: d.replace(b"</sheetData>", cell, 1))
    src.unlink()


def odd_cell_ref(path: Path, ref: bytes) -> None:
    """Give the first cell of row 5 a reference outside Excel's grid (row 99 999 999, column ZZZZ)."""
    import re

    src = path.with_name(path.name + ".orig")
    path.rename(src)
    _replace_member(src, path, SHEET_XML, lambda d: re.sub(rb'<c r="A5"', b'<c r="' + ref + b'"', d, count=1))
    src.unlink()


def many_members(path: Path, n: int) -> None:
    src = path.with_name(path.name + ".orig")
    path.rename(src)

    def add(z: zipfile.ZipFile) -> None:
        for i in range(n):
            z.writestr(f"customXml/item{i}.xml", b"<a/>")

    _rezip(src, path, add)
    src.unlink()


def encrypted_member(path: Path) -> None:
    """Set the "encrypted" flag of every zip member (a zip with a password)."""
    data = bytearray(path.read_bytes())
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + off] |= 0x01
            start = i + 4
    path.write_bytes(bytes(data))


def docx(path: Path) -> None:
    """A Word document renamed to .xlsx."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    path.write_bytes(buf.getvalue())


def rename(path: Path, suffix: str) -> Path:
    target = path.with_suffix(suffix)
    path.rename(target)
    return target


# --------------------------------------------------------------------------------------------------
# sheet mutations (cells of one sheet, through openpyxl)


def edit_sheet(path: Path, change: Callable[[Any], None]) -> None:
    """Load the workbook, let ``change`` edit its first sheet, save it back."""
    wb = openpyxl.load_workbook(path)
    change(wb.worksheets[0])
    wb.save(path)


def data_cell(ws: Any, col: int, row: int) -> Any:
    """A cell in the data region below the header (``col``/``row`` wrap around the used range)."""
    ncol = max(ws.max_column, 1)
    nrow = max(ws.max_row - HEADER_ROW, 1)
    return ws.cell(HEADER_ROW + 1 + row % nrow, 1 + col % ncol)


LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "K": "К", "S": "Ѕ"}  # Latin → Cyrillic
INJECTIONS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1", "=1+1", "\t=1")
ABSURD = (-1, -0.5, 0, 1e15, 1e308, -1e308, 99999999999.99, 1e-12, "NaN", "inf", "-inf", "1e400", "١٢٣")
MARKUP = ("[/]", "[link=http://x.example]Stadt Unna[/link]", "[bold red]x", "[/bold]", "Stadt :warning:", "[")
ERRORS = ("#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")


def set_value(path: Path, col: int, row: int, value: object, *, text: bool = False) -> None:
    """Set one data cell; ``text`` keeps a value starting with "=" a string (not a formula)."""

    def change(ws: Any) -> None:
        cell = data_cell(ws, col, row)
        cell.value = value
        if text:
            cell.data_type = "s"

    edit_sheet(path, change)


def zero_rows(path: Path) -> None:
    edit_sheet(path, lambda ws: ws.delete_rows(1, ws.max_row))


def header_only(path: Path) -> None:
    edit_sheet(path, lambda ws: ws.delete_rows(HEADER_ROW + 1, ws.max_row))


def max_rows(path: Path, col: int) -> None:
    edit_sheet(path, lambda ws: setattr(ws.cell(1_048_576, 1 + col % max(ws.max_column, 1)), "value", "x"))


def max_cols(path: Path, row: int) -> None:
    edit_sheet(path, lambda ws: setattr(ws.cell(HEADER_ROW + row % 3, 16_384), "value", "x"))


def duplicate_header(path: Path, col: int) -> None:
    def change(ws: Any) -> None:
        src = ws.cell(HEADER_ROW, 1 + col % max(ws.max_column, 1))
        ws.cell(HEADER_ROW, ws.max_column + 1, src.value)

    edit_sheet(path, change)


def lookalike(path: Path, col: int, row: int) -> None:
    def change(ws: Any) -> None:
        for c in range(ws.max_column):
            cell = data_cell(ws, col + c, row)
            if isinstance(cell.value, str) and any(ch in cell.value for ch in LOOKALIKES):
                ch = next(ch for ch in LOOKALIKES if ch in cell.value)
                cell.value = cell.value.replace(ch, LOOKALIKES[ch], 1)
                return

    edit_sheet(path, change)


def huge_string(path: Path, col: int, row: int, n: int) -> None:
    set_value(path, col, row, ("Ä€x" * (n // 3 + 1))[:n])


def swap_types(path: Path, col: int, row: int, as_date: bool) -> None:
    """A number where a date belongs (a serial or an absurd number) or a date where a number belongs."""

    def change(ws: Any) -> None:
        cell = data_cell(ws, col, row)
        if as_date:
            cell.value = dt.datetime(1900, 2, 28) if isinstance(cell.value, (int, float)) else 45_000
        else:
            cell.value = 45_291.5 if isinstance(cell.value, dt.datetime) else dt.datetime(2023, 12, 31)

    edit_sheet(path, change)


# --------------------------------------------------------------------------------------------------
# CSV conversions


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def to_csv(path: Path, encoding: str, delimiter: str = ";", bom: bool = False) -> Path:
    """Replace a workbook by a CSV file of its first sheet in ``encoding`` (optionally with a BOM)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    rows = [[_text(v) for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in rows) + "\r\n"
    raw = text.encode(encoding, errors="replace")
    if bom and encoding.startswith("utf-8"):
        raw = codecs.BOM_UTF8 + raw
    target = path.with_suffix(".csv")
    path.unlink()
    target.write_bytes(raw)
    return target


def csv_nul(path: Path) -> Path:
    target = path.with_suffix(".csv")
    path.unlink()
    target.write_bytes(b"Jahr;Empf\x00nger\n2023;\x00\x00\x00\n")
    return target


# --------------------------------------------------------------------------------------------------
# the mutation registry: one name per mutation of issue 8, applied to one file of a case copy


@dataclass(frozen=True)
class Mutation:
    """One mutation of one file of the case: what, where (file, column, data row) and a parameter."""

    kind: str
    file: int = 0
    col: int = 0
    row: int = 0
    param: int = 0

    def target(self, case: Path, skip: set[Path] = frozenset()) -> Path:  # type: ignore[assignment]
        files = [p for p in sorted(case.glob("*.xlsx")) if p not in skip]
        return files[self.file % len(files)]

    def __str__(self) -> str:
        return f"{self.kind}(file={self.file}, col={self.col}, row={self.row}, param={self.param})"


def _value(kind: str, param: int) -> object:
    if kind == "fehlerwert":
        return ERRORS[param % len(ERRORS)]
    if kind == "absurd":
        return ABSURD[param % len(ABSURD)]
    if kind == "injektion":
        return INJECTIONS[param % len(INJECTIONS)]
    if kind == "markup":
        return MARKUP[param % len(MARKUP)]
    if kind == "formel":
        return ("=1/0", "=NA()", "=A1", '=INDIRECT("Z99")', "=SUM(A1:XFD1048576)")[param % 5]
    return None


CONTAINER_KINDS = (
    "abgeschnitten",
    "beschaedigt",
    "leer",
    "pdf",
    "csv_als_xlsx",
    "html_als_xlsx",
    "verschluesselt",
    "ole_ohne_kennwort",
    "zip_bombe",
    "doctype",
    "billion_laughs",
    "vba",
    "xlsm",
    "dimension_riesig",
    "zelle_xfd1048576",
    "zelle_ausserhalb",
    "kennwort_zip",
    "word",
    "viele_eintraege",
)
SHEET_KINDS = (
    "null_zeilen",
    "nur_kopf",
    "spalten_16384",
    "riesentext",
    "fehlerwert",
    "formel",
    "zahl_als_datum",
    "datum_als_zahl",
    "absurd",
    "kopf_doppelt",
    "kyrillisch",
    "injektion",
    "markup",
    "csv_utf8_bom",
    "csv_utf16",
    "csv_cp1252",
    "csv_komma",
    "csv_nul",
)
SLOW_KINDS = ("zeilen_1048576",)  # about 10 s each: once in the explicit list, not in the random fuzz


def apply(case: Path, m: Mutation, skip: set[Path] = frozenset()) -> Path:  # type: ignore[assignment]
    """Apply ``m`` to a file of the case copy (not one in ``skip``); return the path of the mutated file."""
    p = m.target(case, skip)
    k = m.kind
    simple: dict[str, Callable[[Path], object]] = {
        "leer": empty,
        "pdf": pdf,
        "csv_als_xlsx": csv_as_xlsx,
        "html_als_xlsx": html_as_xlsx,
        "verschluesselt": ole_encrypted,
        "ole_ohne_kennwort": ole_plain,
        "vba": vba,
        "dimension_riesig": huge_dimension,
        "zelle_xfd1048576": far_cell,
        "kennwort_zip": encrypted_member,
        "word": docx,
        "null_zeilen": zero_rows,
        "nur_kopf": header_only,
    }
    if k in simple:
        simple[k](p)
    elif k == "abgeschnitten":
        truncate(p, (m.param % 99) / 100)
    elif k == "beschaedigt":
        corrupt(p, (m.param % 97) / 100, 1 + m.col % 64, m.row % 256)
    elif k == "zip_bombe":
        zip_bomb(p, 2 + m.param % 6)
    elif k in ("doctype", "billion_laughs"):
        doctype(p, laughs=k == "billion_laughs")
    elif k == "xlsm":
        p = rename(p, ".xlsm")
    elif k == "zelle_ausserhalb":
        odd_cell_ref(p, (b"A99999999", b"ZZZZ5", b"XFE5", b"A1048577")[m.param % 4])
    elif k == "viele_eintraege":
        many_members(p, 10_001)
    elif k == "zeilen_1048576":
        max_rows(p, m.col)
    elif k == "spalten_16384":
        max_cols(p, m.row)
    elif k == "riesentext":
        huge_string(p, m.col, m.row, (32_767, 100_000, 1_000_000)[m.param % 3])
    elif k in ("fehlerwert", "absurd", "injektion", "formel", "markup"):
        set_value(p, m.col, m.row, _value(k, m.param), text=k in ("injektion", "markup"))
    elif k in ("zahl_als_datum", "datum_als_zahl"):
        swap_types(p, m.col, m.row, as_date=k == "zahl_als_datum")
    elif k == "kopf_doppelt":
        duplicate_header(p, m.col)
    elif k == "kyrillisch":
        lookalike(p, m.col, m.row)
    elif k == "csv_utf8_bom":
        p = to_csv(p, "utf-8", bom=True)
    elif k == "csv_utf16":
        p = to_csv(p, "utf-16")
    elif k == "csv_cp1252":
        p = to_csv(p, "cp1252")
    elif k == "csv_komma":
        p = to_csv(p, "utf-8", delimiter=",")
    elif k == "csv_nul":
        p = csv_nul(p)
    else:
        raise ValueError(f"unknown mutation {k}")
    return p


UNUSABLE_KINDS = (frozenset(CONTAINER_KINDS) - {"beschaedigt"}) | {"csv_nul"}  # always exit 2

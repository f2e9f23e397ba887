"""Screen every input file before a parser opens it: size, zip bombs, XML entities, encryption, macros, disguises."""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import FrameType
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from kimrecon.findings import Code, Finding, SourceRef, finding
from kimrecon.inputs import InputFile

__all__ = [
    "GRENZEN_KEYS",
    "PROBED_SUFFIXES",
    "needs_probe",
    "probe_files",
    "Limits",
    "TimeBudgetExceeded",
    "csv_encoding",
    "decode_text",
    "file_info",
    "limits_from_config",
    "parse_budget",
    "screen_file",
]

MB = 1 << 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
PDF_MAGIC = b"%PDF"

_WORKBOOK_SUFFIXES = (".xlsx", ".xltx")
_MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SMALL_XML_LIMIT = 8 * MB  # structural parts ([Content_Types].xml, workbook.xml, rels) parsed whole
_RATIO_MIN_BYTES = 1 * MB  # members smaller than this are never judged by their compression ratio
_CHUNK = 1 * MB


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits for one input file; ``[grenzen]`` in ``kimrecon.toml`` overrides each of them."""

    max_file_bytes: int = 256 * MB  # max_dateigroesse_mb: size of the file on disk
    max_unpacked_bytes: int = 1024 * MB  # max_entpackt_mb: sum of uncompressed member sizes of a zip
    max_ratio: int = 250  # max_kompression: uncompressed ÷ compressed size of one member (≥ 1 MB)
    max_cells: int = 20_000_000  # max_zellen: cells of one sheet (stored cells, used range or <dimension>)
    max_members: int = 10_000  # max_eintraege: entries of a zip container
    time_budget_s: float = 120.0  # zeitbudget_s: seconds to screen and to read one file
    max_memory_bytes: int = 4096 * MB  # max_speicher_mb: address space of the probe process
    probe_max_bytes: int = 4 * MB  # probe_bis_mb: .xlsx up to this size are also opened in the probe first


# kimrecon.toml key under [grenzen] -> (Limits field, factor from the key's unit to the field's unit)
GRENZEN_KEYS: dict[str, tuple[str, int]] = {
    "max_dateigroesse_mb": ("max_file_bytes", MB),
    "max_entpackt_mb": ("max_unpacked_bytes", MB),
    "max_kompression": ("max_ratio", 1),
    "max_zellen": ("max_cells", 1),
    "max_eintraege": ("max_members", 1),
    "zeitbudget_s": ("time_budget_s", 1),
    "max_speicher_mb": ("max_memory_bytes", MB),
    "probe_bis_mb": ("probe_max_bytes", MB),
}


# the largest value a key accepts (in its own unit): also keeps out inf and nan
_LIMIT_MAX: dict[str, float] = {
    "max_file_bytes": 1e7,  # MB
    "max_unpacked_bytes": 1e7,
    "max_ratio": 1e6,
    "max_cells": 1e12,
    "max_members": 1e9,
    "time_budget_s": 1e6,
    "max_memory_bytes": 1e7,
    "probe_max_bytes": 1e7,
}


def limits_from_config(config: dict[str, object]) -> tuple[Limits, list[Finding]]:
    """The limits of a case from its ``kimrecon.toml`` (section ``[grenzen]``), with findings for bad values.

    ``[eingabe] max_dateigroesse_mb`` (the reader's older key) is honoured when ``[grenzen]`` does not set it.
    """
    limits = Limits()
    found: list[Finding] = []
    values: dict[str, object] = {}
    legacy = config.get("eingabe")
    if isinstance(legacy, dict) and "max_dateigroesse_mb" in legacy:
        values["max_dateigroesse_mb"] = legacy["max_dateigroesse_mb"]
    section = config.get("grenzen", {})
    if not isinstance(section, dict):
        found.append(_bad_param("grenzen", "muss ein Abschnitt [grenzen] sein"))
        section = {}
    values.update(section)
    changes: dict[str, float | int] = {}
    known = {f.name for f in fields(Limits)}
    for key, value in values.items():
        if key not in GRENZEN_KEYS:
            found.append(_bad_param(f"grenzen.{key}", f"unbekannter Schlüssel; erlaubt: {', '.join(GRENZEN_KEYS)}"))
            continue
        attr, factor = GRENZEN_KEYS[key]
        assert attr in known
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= _LIMIT_MAX[attr]:
            most = _num(int(_LIMIT_MAX[attr]))
            found.append(_bad_param(f"grenzen.{key}", f"muss eine Zahl über 0 und bis {most} sein"))
            continue
        changes[attr] = float(value) if attr == "time_budget_s" else int(value * factor)
    return replace(limits, **changes), found  # type: ignore[arg-type]


def _bad_param(key: str, grund: str) -> Finding:
    return finding(Code.PARAMETER_UNGUELTIG, SourceRef("kimrecon.toml"), parameter=key, grund=grund)


# --------------------------------------------------------------------------------------------------
# screening


class _Refused(Exception):
    """One reason to refuse a file; carries its finding."""

    def __init__(self, code: Code, grund: str = "") -> None:
        super().__init__(grund)
        self.code = code
        self.grund = grund


class _Clock:
    def __init__(self, limits: Limits) -> None:
        self.limit = limits.time_budget_s
        self.start = time.monotonic()

    def check(self) -> None:
        if time.monotonic() - self.start > self.limit:
            raise _Refused(Code.DATEI_ZU_GROSS, f"Prüfung dauert länger als das Zeitbudget von {self.limit:g} s")


def screen_file(path: Path, limits: Limits | None = None, *, name: str | None = None) -> list[Finding]:
    """Findings that forbid opening ``path`` with a parser; an empty list means it is safe to open.

    Reads the file only through bounded, streaming reads (never decompresses more than the limits
    allow, never resolves XML entities) and never writes to it. ``name`` is the display name for
    the findings (the path relative to the case folder).
    """
    limits = limits or Limits()
    where = SourceRef(name or path.name)
    try:
        _screen(Path(path), limits)
    except _Refused as r:
        return [finding(r.code, where, grund=r.grund)]
    except OSError as exc:
        return [finding(Code.DATEI_UNLESBAR, where, grund=_os_reason(exc))]
    except Exception as exc:  # noqa: BLE001 - screening must never crash the run
        return [finding(Code.DATEI_UNLESBAR, where, grund=f"Prüfung fehlgeschlagen: {_short(str(exc))}")]
    return []


def _screen(path: Path, limits: Limits) -> None:
    if not path.is_file():
        raise _Refused(Code.DATEI_UNLESBAR, "keine reguläre Datei")
    size = path.stat().st_size
    if size == 0:
        raise _Refused(Code.DATEI_UNLESBAR, "die Datei ist leer (0 Byte)")
    if size > limits.max_file_bytes:
        raise _Refused(Code.DATEI_ZU_GROSS, f"{_mb(size)} > {_mb(limits.max_file_bytes)} Dateigröße")
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    suffix = path.suffix.lower()
    clock = _Clock(limits)
    if suffix in _MACRO_SUFFIXES:
        raise _Refused(Code.DATEI_MAKRO)
    if suffix == ".xlsb":
        raise _Refused(Code.DATEI_UNLESBAR, "das Format .xlsb wird nicht unterstützt")
    if suffix == ".csv":
        _screen_csv(path, head, limits, clock)
        return
    if suffix in _WORKBOOK_SUFFIXES or suffix == ".ods":
        if head.startswith(OLE_MAGIC):
            if _ole_encrypted(path, clock):
                raise _Refused(Code.DATEI_VERSCHLUESSELT)
            raise _Refused(Code.DATEI_UNLESBAR, f"alte Excel-Datei (.xls) mit der Endung {suffix}")
        if not head.startswith(ZIP_MAGICS):
            raise _Refused(Code.DATEI_UNLESBAR, _disguise(head, suffix))
        _screen_zip(path, suffix, limits, clock)
        return
    if suffix == ".xls":
        if head.startswith(OLE_MAGIC):
            if _ole_encrypted(path, clock):
                raise _Refused(Code.DATEI_VERSCHLUESSELT)
            return
        if head.startswith(ZIP_MAGICS):
            raise _Refused(Code.DATEI_UNLESBAR, "eine .xlsx-Arbeitsmappe mit der Endung .xls; bitte Endung .xlsx")
        raise _Refused(Code.DATEI_UNLESBAR, _disguise(head, suffix))
    raise _Refused(Code.DATEI_UNLESBAR, f"Dateiendung {suffix or '(keine)'} wird nicht unterstützt")


def _disguise(head: bytes, suffix: str) -> str:
    """Say what a file that is not a workbook really is, from its first bytes."""
    if head.startswith(b"PK") or b"PK\x03\x04".startswith(head[:4]):
        return "beschädigtes oder unvollständiges ZIP-Archiv"
    if head.startswith(PDF_MAGIC):
        return f"ein PDF-Dokument mit der Endung {suffix}, keine Arbeitsmappe"
    text = head[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower().replace(b"\x00", b"")
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return f"eine HTML-Seite mit der Endung {suffix}, keine Arbeitsmappe"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return f"eine XML-Datei (z. B. Excel-2003-XML) mit der Endung {suffix}, keine Arbeitsmappe"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return f"ein Bild mit der Endung {suffix}, keine Arbeitsmappe"
    if _looks_textual(head):
        return f"eine Textdatei (CSV?) mit der Endung {suffix}; bitte als .xlsx speichern oder Endung .csv"
    return f"keine Arbeitsmappe (unbekanntes Format mit der Endung {suffix})"


def _looks_textual(head: bytes) -> bool:
    sample = head[:4096]
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls * 50 < len(sample)


# --- OLE2 / CFB: encrypted OOXML ("EncryptionInfo", "EncryptedPackage") ----------------------------

_OLE_ENCRYPTED = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _ole_encrypted(path: Path, clock: _Clock) -> bool:
    """Tell whether a CFB container holds an encrypted OOXML package (its directory names the streams).

    A real .xls encrypted with its own BIFF scheme (FILEPASS) is reported by the parser instead.
    """
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            clock.check()
            buf = tail + chunk
            if any(marker in buf for marker in _OLE_ENCRYPTED):
                return True
            tail = buf[-64:]
    return False


# --- zip containers (OOXML and ODF) ---------------------------------------------------------------

_OK_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _screen_zip(path: Path, suffix: str, limits: Limits, clock: _Clock) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _Refused(
            Code.DATEI_UNLESBAR, f"beschädigtes oder unvollständiges ZIP-Archiv ({_short(str(exc), 80)})"
        ) from None
    with zf:
        infos = zf.infolist()
        if not infos:
            raise _Refused(Code.DATEI_UNLESBAR, "leeres ZIP-Archiv")
        if len(infos) > limits.max_members:
            raise _Refused(Code.DATEI_ZU_GROSS, f"{len(infos)} Einträge im Archiv > {limits.max_members}")
        names = [i.filename for i in infos]
        if len({n.casefold() for n in names}) != len(names):
            raise _Refused(Code.DATEI_UNLESBAR, "das Archiv enthält doppelte Einträge")
        if any(i.flag_bits & 0x1 for i in infos):
            raise _Refused(Code.DATEI_VERSCHLUESSELT)
        odd = sorted({i.compress_type for i in infos if i.compress_type not in _OK_METHODS})
        if odd:
            raise _Refused(Code.DATEI_UNLESBAR, f"Komprimierungsverfahren {odd[0]} wird nicht unterstützt")
        total = sum(i.file_size for i in infos)
        if total > limits.max_unpacked_bytes:
            raise _Refused(Code.DATEI_ZU_GROSS, f"entpackt {_mb(total)} > {_mb(limits.max_unpacked_bytes)}")
        for i in infos:
            if i.file_size >= _RATIO_MIN_BYTES and i.file_size > limits.max_ratio * max(i.compress_size, 1):
                ratio = i.file_size // max(i.compress_size, 1)
                raise _Refused(
                    Code.DATEI_ZU_GROSS, f"Kompressionsrate {ratio}:1 bei {i.filename} > {limits.max_ratio}:1"
                )
        lower = {n.lower(): n for n in names}
        if any(n.endswith("vbaproject.bin") for n in lower):
            raise _Refused(Code.DATEI_MAKRO)
        if "[content_types].xml" in lower:
            sheets = _check_ooxml(zf, lower["[content_types].xml"], suffix, limits)
            if suffix == ".ods":
                raise _Refused(Code.DATEI_UNLESBAR, "eine Excel-Arbeitsmappe mit der Endung .ods; bitte Endung .xlsx")
        elif "mimetype" in lower or "content.xml" in lower:
            sheets = _check_odf(zf, lower, suffix)
        else:
            raise _Refused(Code.DATEI_UNLESBAR, "ein ZIP-Archiv, aber keine Arbeitsmappe")
        _scan_members(zf, infos, sheets, limits, clock)


_CT_MAIN = {
    "spreadsheetml.sheet.main+xml": "ok",
    "spreadsheetml.template.main+xml": "ok",
    "ms-excel.sheet.macroenabled.main+xml": "makro",
    "ms-excel.template.macroenabled.main+xml": "makro",
    "ms-excel.addin.macroenabled.main+xml": "makro",
    "ms-excel.sheet.binary.macroenabled.main": "xlsb",
    "wordprocessingml": "ein Word-Dokument",
    "presentationml": "eine PowerPoint-Präsentation",
}


def _check_ooxml(zf: zipfile.ZipFile, ct_name: str, suffix: str, limits: Limits) -> set[str]:
    """Check the content types of an OOXML package; return the names of its worksheet parts."""
    root = _small_xml(zf, ct_name)
    kinds: set[str] = set()
    sheets: set[str] = set()
    for el in root.iter():
        ctype = (el.get("ContentType") or "").lower()
        if "vbaproject" in ctype or "macroenabled" in ctype:
            kinds.add("makro")
        for key, kind in _CT_MAIN.items():
            if key in ctype:
                kinds.add(kind)
        part = el.get("PartName")
        if part and ("worksheet+xml" in ctype or "spreadsheetml.sheet+xml" in ctype):
            sheets.add(part.lstrip("/"))
    if "makro" in kinds:
        raise _Refused(Code.DATEI_MAKRO)
    if "xlsb" in kinds:
        raise _Refused(Code.DATEI_UNLESBAR, "das Format .xlsb wird nicht unterstützt")
    if "ok" not in kinds:
        other = next((k for k in kinds if k.startswith("ein")), None)
        raise _Refused(Code.DATEI_UNLESBAR, f"{other or 'ein Office-Dokument'}, keine Excel-Arbeitsmappe")
    for part in ("xl/workbook.xml", "_rels/.rels", "xl/_rels/workbook.xml.rels"):
        if part in zf.NameToInfo:
            _small_xml(zf, part)
    names = set(zf.NameToInfo)
    return {s for s in sheets if s in names} or {n for n in names if re.search(r"worksheets/[^/]+\.xml$", n)}


def _check_odf(zf: zipfile.ZipFile, lower: dict[str, str], suffix: str) -> set[str]:
    """Check an OpenDocument package: a spreadsheet, not encrypted, without macros."""
    if "mimetype" in lower:
        with zf.open(lower["mimetype"]) as fh:
            mime = fh.read(200).decode("ascii", "replace").strip()
        if mime != "application/vnd.oasis.opendocument.spreadsheet":
            what = "ein OpenDocument-Text" if "text" in mime else "ein OpenDocument, aber keine Tabelle"
            raise _Refused(Code.DATEI_UNLESBAR, f"{what} ({_short(mime, 60)})")
    manifest = lower.get("meta-inf/manifest.xml")
    if manifest is not None:
        root = _small_xml(zf, manifest)
        if any(el.tag.endswith("encryption-data") for el in root.iter()):
            raise _Refused(Code.DATEI_VERSCHLUESSELT)
    if any(n.startswith(("basic/", "scripts/")) for n in lower):
        raise _Refused(Code.DATEI_MAKRO)
    if suffix != ".ods":
        raise _Refused(Code.DATEI_UNLESBAR, f"eine OpenDocument-Tabelle mit der Endung {suffix}; bitte Endung .ods")
    if "content.xml" not in lower:
        raise _Refused(Code.DATEI_UNLESBAR, "content.xml fehlt")
    return {lower["content.xml"]}


def _small_xml(zf: zipfile.ZipFile, part: str) -> Element:
    """Parse a small structural XML part with defusedxml (no DTD, no entities); refuse when it is odd."""
    info = zf.getinfo(part)
    if info.file_size > _SMALL_XML_LIMIT:
        raise _Refused(Code.DATEI_ZU_GROSS, f"{part} ist {_mb(info.file_size)} groß")
    try:
        with zf.open(info) as fh:
            data = fh.read(_SMALL_XML_LIMIT + 1)
        return safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise _entities(part) from None
    except ParseError as exc:
        raise _Refused(Code.DATEI_UNLESBAR, f"beschädigtes XML in {part} ({_short(str(exc), 80)})") from None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _Refused(Code.DATEI_UNLESBAR, f"beschädigter Eintrag {part} ({_short(str(exc), 80)})") from None


# --- streaming scan of every XML member --------------------------------------------------------------

_DECL = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECL_TEXT = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?\""
)
_ROW_REF = re.compile(rb"row\b[^>]*?\br=\"(\d+)\"")  # <row r="…"> with or without a namespace prefix
EXCEL_ROWS = 1_048_576
EXCEL_COLS = 16_384
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table)\b([^>]*)>")
_ODS_VALUED = re.compile(rb"office:value-type=|table:formula=")
_ODS_ROWS = re.compile(rb"table:number-rows-repeated=\"(\d{1,12})\"")
_ODS_COLS = re.compile(rb"table:number-columns-repeated=\"(\d{1,12})\"")


class _SheetCount:
    """Cells of one worksheet: stored cell tags, the used range and the declared ``<dimension>``.

    The used range (what calamine allocates) comes from the largest row and column of any cell
    reference. Finding them must not cost a Python object per cell (a 10⁶-row sheet has 10⁷ cells):
    rows are the ``<row r>`` numbers plus only those cell references whose row is larger (a regex
    built for "greater than M"); columns are the letters seen, searched from the widest down.
    """

    def __init__(self, part: str) -> None:
        self.part = part
        self.prefix: bytes | None = None
        self.cells = 0
        self.max_row = 0
        self.max_col = 0
        self.widest = 0  # most cells without a reference in one row
        self.rows_unnumbered = 0  # rows without r="…"
        self.dimension = 0

    def feed(self, buf: bytes) -> None:
        if self.prefix is None:
            m = _ROOT.search(buf)
            self.prefix = (m.group(1) or b"") if m else b""
            d = _DIMENSION.search(buf)
            if d:
                c1, r1, c2, r2 = d.groups()
                if c2 and r2:
                    self.dimension = _span(_col(c1), _col(c2)) * _span(int(r1), int(r2))
        tag = b"<" + self.prefix + b"c"
        cells = _tags(buf, tag)
        self.cells += cells
        row_tag = b"<" + self.prefix + b"row"
        rows = _ROW_REF.findall(buf)
        if rows:
            self.max_row = max(self.max_row, _max_number(rows))
        larger = _larger_row_refs(self.max_row).findall(buf)  # cells below every row seen so far
        if larger:
            self.max_row = max(self.max_row, _max_number(larger))
        self.rows_unnumbered += _tags(buf, row_tag) - buf.count(row_tag + b' r="')
        self.max_col = _max_column(buf, self.max_col)
        if buf.count(tag + b' r="') < cells:  # cells without a reference take the next column: widest row
            self.widest = max(self.widest, max(_tags(seg, tag) for seg in buf.split(row_tag)))
        if self.max_row > EXCEL_ROWS or self.max_col > EXCEL_COLS:
            raise _Refused(Code.DATEI_UNLESBAR, f"Zelle außerhalb des Excel-Rasters in {self.part}")

    def size(self) -> int:
        # from row 1 and column A: a conservative used range, rows and cells without a reference added
        used = (self.max_row + self.rows_unnumbered) * (self.max_col + self.widest)
        return max(self.cells, used, self.dimension)


def _tags(buf: bytes, tag: bytes) -> int:
    """Number of elements ``tag`` (``<c``, ``<row``) in ``buf``: followed by a blank, ``>`` or ``/>``."""
    return buf.count(tag + b" ") + buf.count(tag + b">") + buf.count(tag + b"/>")


@functools.lru_cache(maxsize=64)
def _larger_row_refs(m: int) -> re.Pattern[bytes]:
    """A regex for cell references (``r="AB123"``) whose row number is greater than ``m``."""
    digits = str(m)
    alts = [rb"\d{%d,}" % (len(digits) + 1)]  # more digits
    for i, ch in enumerate(digits):  # same length: equal up to i, larger at i, anything after
        if ch != "9":
            rest = len(digits) - i - 1
            alts.append(digits[:i].encode() + b"[%d-9]" % (int(ch) + 1) + (rb"\d{%d}" % rest if rest else b""))
    return re.compile(rb'r="\$?[A-Za-z]+\$?0*(' + b"|".join(alts) + rb')"')


_WIDE_COLS = re.compile(rb'r="\$?([A-Za-z]{2,})\$?\d')


@functools.lru_cache(maxsize=32)
def _letters_from(n: int) -> re.Pattern[bytes]:
    """A regex for one-letter cell references in column ``n`` (1 = A) or further right."""
    lo = chr(64 + n)
    return re.compile(b'r="\\$?[%s-Z%s-z]\\$?\\d' % (lo.encode(), lo.lower().encode()))


def _max_column(buf: bytes, known: int = 0) -> int:
    """The largest column (1 = A) of any cell reference in ``buf`` or ``known``, without a match per cell."""
    wide = set(_WIDE_COLS.findall(buf))  # only cells from column AA on
    if wide:
        return max(known, *(_col(c.upper()) for c in wide))
    if known >= 26 or not _letters_from(known + 1).search(buf):
        return known
    lo, hi = known + 1, 26  # some one-letter column in lo..hi is used: binary search for the largest
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _letters_from(mid).search(buf):
            lo = mid
        else:
            hi = mid - 1
    return lo


class _OdsCount:
    """Valued cells of an ODF spreadsheet, counting repeated rows and columns as the readers expand them."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.row_repeat = 1
        self.cells = 0

    def feed(self, buf: bytes) -> None:
        for m in _ODS_TAG.finditer(buf):
            kind, attrs = m.group(1), m.group(2)
            if kind == b"table-row":
                r = _ODS_ROWS.search(attrs)
                self.row_repeat = int(r.group(1)) if r else 1
            elif kind != b"table" and _ODS_VALUED.search(attrs):
                c = _ODS_COLS.search(attrs)
                self.cells += self.row_repeat * (int(c.group(1)) if c else 1)

    def size(self) -> int:
        return self.cells


def _scan_members(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], sheets: set[str], limits: Limits, clock: _Clock
) -> None:
    """Decompress every XML member once, bounded: CRC, DOCTYPE/ENTITY and cells per sheet."""
    for info in infos:
        lname = info.filename.lower()
        if info.is_dir() or not lname.endswith(_XML_SUFFIXES):
            continue
        counter: _SheetCount | _OdsCount | None = None
        if info.filename in sheets:
            counter = _OdsCount(info.filename) if lname.endswith("content.xml") else _SheetCount(info.filename)
        try:
            with zf.open(info) as fh:
                _scan_stream(fh, info.filename, counter, limits, clock)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
            raise _Refused(
                Code.DATEI_UNLESBAR, f"beschädigter Eintrag {info.filename} ({_short(str(exc), 80)})"
            ) from None


def _scan_stream(
    fh: IO[bytes], part: str, counter: _SheetCount | _OdsCount | None, limits: Limits, clock: _Clock
) -> None:
    first = fh.read(_CHUNK)
    decoder = None
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(first) > 1 and first[1:2] == b"\x00"):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    carry = b""
    carry_text = ""
    chunk = first
    while chunk:
        clock.check()
        if decoder is not None:
            text = carry_text + decoder.decode(chunk)
            if _DECL_TEXT.search(text):
                raise _entities(part)
            carry_text = text[-16:]
            if counter is not None:
                counter.feed(text.encode("utf-8"))
        else:
            buf = carry + chunk
            cut = buf.rfind(b">") + 1
            if cut <= 0:
                cut = max(len(buf) - 4096, 0)
            body, carry = buf[:cut], buf[cut:]
            if _DECL.search(body):
                raise _entities(part)
            if counter is not None:
                counter.feed(body)
        if counter is not None and counter.size() > limits.max_cells:
            raise _Refused(Code.DATEI_ZU_GROSS, f"mehr als {_num(limits.max_cells)} Zellen in {part}")
        chunk = fh.read(_CHUNK)
    if carry and _DECL.search(carry):
        raise _entities(part)


# --- CSV ----------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def csv_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark announces (``utf-8-sig``, ``utf-16``, ``utf-32``), else None."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    return None


def decode_text(data: bytes) -> str:
    """Decode a CSV file: by its BOM (UTF-8/16/32), else UTF-8, else Windows-1252, else Latin-1."""
    enc = csv_encoding(data[:4])
    if enc is not None:
        return data.decode(enc, errors="replace")
    for candidate in ("utf-8", "cp1252"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _screen_csv(path: Path, head: bytes, limits: Limits, clock: _Clock) -> None:
    if head.startswith(ZIP_MAGICS) or head.startswith(OLE_MAGIC):
        raise _Refused(Code.DATEI_UNLESBAR, "eine Excel-Arbeitsmappe mit der Endung .csv; bitte Endung .xlsx/.xls")
    if head.startswith(PDF_MAGIC):
        raise _Refused(Code.DATEI_UNLESBAR, "ein PDF-Dokument mit der Endung .csv, keine Tabelle")
    enc = csv_encoding(head)
    wide = enc in ("utf-16", "utf-32")
    if not wide and b"\x00" in head:
        raise _Refused(
            Code.DATEI_UNLESBAR, "Binärdaten oder UTF-16 ohne Byte-Order-Mark; bitte als CSV (UTF-8) speichern"
        )
    newline = b"\n"
    if wide:
        big = head.startswith((codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)) and not head.startswith(codecs.BOM_UTF32_LE)
        newline = "\n".encode(f"{enc}-{'be' if big else 'le'}")
    sample = decode_text(head)
    first = next((line for line in sample.splitlines() if line.strip()), "")
    fields_per_line = max(first.count(";"), first.count("\t"), first.count(",")) + 1
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            clock.check()
            lines += chunk.count(newline)
    cells = (lines + 1) * fields_per_line
    if cells > limits.max_cells:
        raise _Refused(Code.DATEI_ZU_GROSS, f"etwa {_num(cells)} Zellen > {_num(limits.max_cells)}")


# --------------------------------------------------------------------------------------------------
# the probe: open workbooks first in a child process with memory and time limits

PROBED_SUFFIXES = (".xls", ".ods")  # formats whose binary or XML structure the screening cannot bound
_PROBE_SUFFIXES_SMALL = (".xlsx", ".xltx")  # probed only up to ``Limits.probe_max_bytes``

_PROBE = """
import sys
from python_calamine import CalamineWorkbook
for path in sys.argv[1:]:
    try:
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        print("ok", flush=True)
    except BaseException as exc:
        print("err " + " ".join(str(exc).split())[:160], flush=True)
"""


def needs_probe(path: Path, limits: Limits) -> bool:
    """Tell whether a screened file is opened in the probe process before the reader opens it in-process."""
    suffix = path.suffix.lower()
    if suffix in PROBED_SUFFIXES:
        return True
    return suffix in _PROBE_SUFFIXES_SMALL and path.stat().st_size <= limits.probe_max_bytes


def probe_files(items: Sequence[tuple[Path, str]], limits: Limits) -> dict[Path, list[Finding]]:
    """Open each workbook in a child process under a memory cap and the time budget; findings per file.

    A parser that aborts, is killed by the memory cap, or runs past the time budget takes only the
    child down: the file in hand gets a finding and the remaining files are probed in a new child.
    An error the parser reports (a Rust panic included) becomes the finding the reader would make.
    """
    found: dict[Path, list[Finding]] = {}
    rest = list(items)
    while rest:
        done, outcome = _probe_batch([p for p, _ in rest], limits)
        if outcome is None:
            break
        path, name = rest[done]
        code, grund = outcome
        found[path] = [finding(code, SourceRef(name), grund=grund)]
        rest = rest[done + 1 :]
    return found


def _probe_batch(paths: list[Path], limits: Limits) -> tuple[int, tuple[Code, str] | None]:
    """Probe ``paths`` in one child; return how many passed before a failure, and the failure (or None)."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter with a fixed script and file paths
        [sys.executable, "-c", _PROBE, *map(str, paths)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=_memory_cap(limits.max_memory_bytes),  # noqa: PLW1509 - no threads hold locks here
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    assert proc.stdout is not None
    done = 0
    try:
        while done < len(paths):
            ready, _, _ = select.select([proc.stdout], [], [], limits.time_budget_s)
            if not ready:
                proc.kill()
                budget = f"Lesen dauert länger als das Zeitbudget von {limits.time_budget_s:g} s"
                return done, (Code.DATEI_ZU_GROSS, budget)
            line = proc.stdout.readline()
            if not line:  # the child died inside the parser: out of memory, abort or crash
                proc.wait()
                grund = "das Lesemodul ist an der Datei abgebrochen (beschädigt oder zu groß für den Speicher)"
                return done, (Code.DATEI_UNLESBAR, grund)
            text = line.decode("utf-8", "replace").strip()
            if text.startswith("err"):  # the parser refused it: the in-process reader would fail the same way
                grund = _short(text[3:], 160)
                if re.search(r"password|encrypt|passwort|verschl", grund, re.IGNORECASE):
                    return done, (Code.DATEI_VERSCHLUESSELT, "")
                return done, (Code.DATEI_UNLESBAR, grund)
            done += 1
        return done, None
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def _memory_cap(limit: int) -> Callable[[], None] | None:
    try:
        import resource
    except ImportError:  # not POSIX: the time budget still applies
        return None

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


# --------------------------------------------------------------------------------------------------
# the per-file time budget while a parser reads


class TimeBudgetExceeded(Exception):
    """Reading one file took longer than its time budget."""


@contextlib.contextmanager
def parse_budget(limits: Limits) -> Iterator[None]:
    """Raise :class:`TimeBudgetExceeded` in the block once it runs longer than the per-file time budget.

    Uses ``SIGALRM``, so it works only in the main thread of a POSIX process (elsewhere the block
    runs unbounded). Native parsers are interrupted when they next return to Python.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeBudgetExceeded(f"Lesen dauert länger als das Zeitbudget von {limits.time_budget_s:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limits.time_budget_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------------------------------
# helpers


def file_info(path: Path, name: str) -> InputFile:
    """Size and SHA-256 of a file that is refused or failed, for the Prüfprotokoll (no sheets)."""
    h = hashlib.sha256()
    size = 0
    try:
        with Path(path).open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                h.update(chunk)
    except OSError:
        return InputFile(name=name, path=Path(path), size=0, sha256="", sheets=())
    return InputFile(name=name, path=Path(path), size=size, sha256=h.hexdigest(), sheets=())


def _max_number(digits: tuple[bytes, ...] | list[bytes]) -> int:
    """The largest of many decimal numbers given as bytes, without converting each of them."""
    width = max(map(len, digits))
    return int(max(d for d in digits if len(d) == width))


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _entities(part: str) -> _Refused:
    return _Refused(Code.DATEI_UNLESBAR, f"XML mit DOCTYPE- oder ENTITY-Deklaration in {part} wird nicht geöffnet")


def _num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _span(a: int, b: int) -> int:
    return abs(b - a) + 1


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB".replace(".", ",")


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text[:n] or "unbekannter Fehler"


def _os_reason(exc: OSError) -> str:
    return _short(str(exc.strerror or exc), 120)

"""Screen every input file before a parser opens it: size, zip bombs, XML entities, encryption, macros, disguises."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import math
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from queue import Empty, SimpleQueue
from types import FrameType
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding
from kimrecon.inputs import InputFile
from kimrecon.read import fallback
from kimrecon.read.failure import failure_finding, is_old_biff, os_reason, technical

__all__ = [
    "GRENZEN_KEYS",
    "PROBED_SUFFIXES",
    "needs_probe",
    "ProbeOutcomes",
    "SCREEN_IN_CHILD_FROM",
    "check_in_order",
    "probe_files",
    "probe_memory",
    "fast_reader_failed",
    "forget_probe",
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
_XLSB = ".xlsb (Excel-Binärarbeitsmappe)"


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
    """One reason to refuse a file; carries its finding (``technisch``: a library's own text, never in the message)."""

    def __init__(self, code: Code, grund: str = "", technisch: str = "", **details: Any) -> None:
        super().__init__(grund)
        self.code = code
        self.grund = grund
        self.technisch = technisch
        self.details = details

    def finding(self, where: SourceRef) -> Finding:
        extra: dict[str, Any] = {"technisch": self.technisch} if self.technisch else {}
        return finding(self.code, where, grund=self.grund, **self.details, **extra)


class _Clock:
    def __init__(self, limits: Limits) -> None:
        self.limit = limits.time_budget_s
        self.start = time.monotonic()

    def check(self) -> None:
        if time.monotonic() - self.start > self.limit:
            raise _Refused(Code.DATEI_ZU_GROSS, f"Prüfung dauert länger als das Zeitbudget von {self.limit:g} s")


def screen_file(path: Path, limits: Limits | None = None, *, name: str | None = None,
                facts: dict[str, Any] | None = None) -> list[Finding]:
    """Findings that forbid opening ``path`` with a parser; an empty list means it is safe to open.

    Reads the file only through bounded, streaming reads (never decompresses more than the limits
    allow, never resolves XML entities) and never writes to it. ``name`` is the display name for
    the findings (the path relative to the case folder). Into ``facts`` go, for an OOXML workbook,
    the parts of it the reader's structure step needs (``structure_facts``), taken while screening.
    """
    limits = limits or Limits()
    where = SourceRef(name or path.name)
    try:
        _screen(Path(path), limits, facts)
    except _Refused as r:
        return [r.finding(where)]
    except OSError as exc:
        return [finding(Code.DATEI_UNLESBAR, where, grund=os_reason(exc), technisch=technical(exc))]
    except Exception as exc:  # noqa: BLE001 - screening must never crash the run
        if _IN_PROBE_CHILD and isinstance(exc, MemoryError):  # the probe's cap, not the file: the parent screens it
            raise
        return [finding(Code.DATEI_BESCHAEDIGT, where, grund="unerwarteter Aufbau", technisch=technical(exc))]
    return []


_IN_PROBE_CHILD = False  # set in the probe child, which screens under the probe's memory cap


def _screen(path: Path, limits: Limits, facts: dict[str, Any] | None = None) -> None:
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
        raise _Refused(Code.DATEI_FORMAT, format=_XLSB)
    if suffix == ".csv":
        _screen_csv(path, head, limits, clock)
        return
    if suffix in _WORKBOOK_SUFFIXES or suffix == ".ods":
        if head.startswith(OLE_MAGIC):
            if _ole_encrypted(path, clock):
                raise _Refused(Code.DATEI_VERSCHLUESSELT)
            raise _Refused(Code.DATEI_UNLESBAR, f"alte Excel-Datei (.xls) mit der Endung {suffix}")
        if not head.startswith(ZIP_MAGICS):
            raise _disguise(head, suffix)
        _screen_zip(path, suffix, limits, clock, facts)
        return
    if suffix == ".xls":
        if head.startswith(OLE_MAGIC):
            if _ole_encrypted(path, clock):
                raise _Refused(Code.DATEI_VERSCHLUESSELT)
            return
        if is_old_biff(head):  # Excel 2.x–4.0: the probe and the second reader (xlrd) read it
            return
        if head.startswith(ZIP_MAGICS):
            raise _Refused(Code.DATEI_UNLESBAR, "eine .xlsx-Arbeitsmappe mit der Endung .xls; bitte Endung .xlsx")
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            raise _Refused(Code.DATEI_FORMAT, format="XML-Tabelle (Excel 2003 XML) mit der Endung .xls")
        raise _disguise(head, suffix)
    raise _Refused(Code.DATEI_UNLESBAR, f"Dateiendung {suffix or '(keine)'} wird nicht unterstützt")


def _disguise(head: bytes, suffix: str) -> _Refused:
    """The refusal of a file that is not a workbook of its suffix: say what it really is, from its first bytes."""
    if head.startswith(b"PK") or b"PK\x03\x04".startswith(head[:4]):
        return _Refused(Code.DATEI_BESCHAEDIGT, "unvollständiges ZIP-Archiv")
    return _Refused(Code.DATEI_UNLESBAR, _what_it_is(head, suffix))


def _what_it_is(head: bytes, suffix: str) -> str:
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


def _screen_zip(path: Path, suffix: str, limits: Limits, clock: _Clock, facts: dict[str, Any] | None = None) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _Refused(Code.DATEI_BESCHAEDIGT, "unvollständiges ZIP-Archiv", technical(exc)) from None
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
        package = _Package(zf)
        if "[content_types].xml" in lower:
            sheets = _check_ooxml(package, lower["[content_types].xml"], suffix, limits)
            if suffix == ".ods":
                raise _Refused(Code.DATEI_UNLESBAR, "eine Excel-Arbeitsmappe mit der Endung .ods; bitte Endung .xlsx")
        elif "mimetype" in lower or "content.xml" in lower:
            sheets = _check_odf(package, lower, suffix)
        else:
            raise _Refused(Code.DATEI_UNLESBAR, "ein ZIP-Archiv, aber keine Arbeitsmappe")
        parts: dict[str, _PartFacts] | None = {} if facts is not None and "[content_types].xml" in lower else None
        _scan_members(package, infos, sheets, limits, clock, parts)
        if facts is not None and parts is not None:
            facts.update(structure_facts(package, names, total, parts))


class _Package:
    """A zip container while it is screened: each small structural part is decompressed and parsed once.

    The bytes of the parts parsed whole are kept for the streaming scan of every member
    (``_scan_members``), which then need not decompress them again.
    """

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.data: dict[str, bytes] = {}  # part -> its bytes (read whole, CRC checked)
        self.roots: dict[str, Element] = {}  # part -> its parsed XML

    def xml(self, part: str) -> Element:
        """The parsed part (``_small_xml``), parsed at most once."""
        root = self.roots.get(part)
        if root is None:
            root = self.roots[part] = _small_xml(self.zf, part, self.data)
        return root


_CT_OTHER = {"wordprocessingml": "ein Word-Dokument", "presentationml": "eine PowerPoint-Präsentation"}


def _check_ooxml(package: _Package, ct_name: str, suffix: str, limits: Limits) -> set[str]:
    """Check the content types of an OOXML package; return the names of its worksheet parts.

    A workbook is a macro file by what is there: a macro-enabled main part, an Override for a VBA
    or macro part, or a relationship to a VBA project. A ``<Default>`` entry only names the type
    of an extension (SheetJS declares ``bin`` as a macro-enabled type in every .xlsx), so it counts
    only for the main part itself.
    """
    zf = package.zf
    root = package.xml(ct_name)
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        ctype = (el.get("ContentType") or "").strip().lower()
        if tag == "Default":
            defaults[(el.get("Extension") or "").lower()] = ctype
        elif tag == "Override":
            overrides[(el.get("PartName") or "").lstrip("/").lower()] = ctype
    names = set(zf.NameToInfo)
    lower = {n.lower(): n for n in names}
    main = _main_part(package, lower)
    main_type = overrides.get(main.lower()) or defaults.get(main.rsplit(".", 1)[-1].lower(), "")
    if "binary.macroenabled.main" in main_type:
        raise _Refused(Code.DATEI_FORMAT, format=_XLSB)
    if "macroenabled" in main_type or any("vbaproject" in c or "macroenabled" in c for c in overrides.values()):
        raise _Refused(Code.DATEI_MAKRO)
    if "spreadsheetml.sheet.main+xml" not in main_type and "spreadsheetml.template.main+xml" not in main_type:
        types = [main_type, *overrides.values()]
        other = next((what for key, what in _CT_OTHER.items() if any(key in t for t in types)), None)
        if other or main.lower() not in lower:
            raise _Refused(Code.DATEI_UNLESBAR, f"{other or 'ein Office-Dokument'}, keine Excel-Arbeitsmappe")
    rels = main.rsplit("/", 1)[0] + "/_rels/" + main.rsplit("/", 1)[-1] + ".rels" if "/" in main else ""
    for part in ("_rels/.rels", rels):
        if part.lower() in lower:
            for el in package.xml(lower[part.lower()]).iter():
                if (el.get("Type") or "").lower().endswith("/vbaproject"):
                    raise _Refused(Code.DATEI_MAKRO)
    if main.lower() in lower:
        package.xml(lower[main.lower()])
    sheets = {n for n in names if overrides.get(n.lower(), "").endswith(("worksheet+xml", "spreadsheetml.sheet+xml"))}
    return sheets or {n for n in names if re.search(r"worksheets/[^/]+\.xml$", n)}


def _main_part(package: _Package, lower: dict[str, str]) -> str:
    """The package's main part (the workbook), from the officeDocument relationship of ``_rels/.rels``."""
    if "_rels/.rels" in lower:
        for el in package.xml(lower["_rels/.rels"]).iter():
            if (el.get("Type") or "").endswith("/officeDocument") and el.get("Target"):
                return (el.get("Target") or "").lstrip("/")
    return "xl/workbook.xml"


def _check_odf(package: _Package, lower: dict[str, str], suffix: str) -> set[str]:
    """Check an OpenDocument package: a spreadsheet, not encrypted, without macros."""
    zf = package.zf
    if "mimetype" in lower:
        with zf.open(lower["mimetype"]) as fh:
            mime = fh.read(200).decode("ascii", "replace").strip()
        if mime != "application/vnd.oasis.opendocument.spreadsheet":
            what = "ein OpenDocument-Text" if "text" in mime else "ein OpenDocument, aber keine Tabelle"
            raise _Refused(Code.DATEI_UNLESBAR, f"{what} ({_short(mime, 60)})")
    manifest = lower.get("meta-inf/manifest.xml")
    if manifest is not None:
        root = package.xml(manifest)
        if any(el.tag.endswith("encryption-data") for el in root.iter()):
            raise _Refused(Code.DATEI_VERSCHLUESSELT)
    if any(n.startswith(("basic/", "scripts/")) for n in lower):
        raise _Refused(Code.DATEI_MAKRO)
    if suffix != ".ods":
        raise _Refused(Code.DATEI_UNLESBAR, f"eine OpenDocument-Tabelle mit der Endung {suffix}; bitte Endung .ods")
    if "content.xml" not in lower:
        raise _Refused(Code.DATEI_TEIL_FEHLT, teil="content.xml")
    return {lower["content.xml"]}


def _small_xml(zf: zipfile.ZipFile, part: str, keep: dict[str, bytes]) -> Element:
    """Parse a small structural XML part with defusedxml (no DTD, no entities); refuse when it is odd.

    The part's bytes are put into ``keep`` once read whole (its CRC checked).
    """
    info = zf.getinfo(part)
    if info.file_size > _SMALL_XML_LIMIT:
        raise _Refused(Code.DATEI_ZU_GROSS, f"{part} ist {_mb(info.file_size)} groß")
    try:
        with zf.open(info) as fh:
            data = fh.read(_SMALL_XML_LIMIT + 1)
        keep[part] = data
        return safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise _entities(part) from None
    except ParseError as exc:
        raise _Refused(Code.DATEI_BESCHAEDIGT, f"fehlerhaftes XML in {part}", technical(exc)) from None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _Refused(Code.DATEI_BESCHAEDIGT, f"beschädigter Eintrag {part}", technical(exc)) from None


# --- streaming scan of every XML member --------------------------------------------------------------

_DECL = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECL_TEXT = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW_REF = re.compile(rb"row\b[^>]*?\br=\"(\d+)\"")  # <row r="…"> with or without a namespace prefix
EXCEL_ROWS = 1_048_576
EXCEL_COLS = 16_384
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table)\b([^>]*)>")
_ODS_VALUED = re.compile(rb"office:value-type=|table:formula=")
_ODS_ROWS = re.compile(rb"table:number-rows-repeated=\"(\d{1,12})\"")
_ODS_COLS = re.compile(rb"table:number-columns-repeated=\"(\d{1,12})\"")


class _PartFacts:
    """What the reader's structure step (``files._add_structure``) takes of one worksheet part, seen while screening.

    ``start``: the bytes before ``<sheetData`` when it begins within the first 64 KB after position 0
    (else None: the step reads the part itself); ``tail``: the bytes from the last ``</sheetData>`` on,
    at most 1 MB (else None); ``errors``: whether ``t="e"`` (an error cell) occurs.
    """

    HEAD = 1 << 16
    TAIL_MAX = 1 << 20
    _END = b"</sheetData>"
    _ERR = b't="e"'

    def __init__(self, size: int) -> None:
        self.size = size
        self.head = b""  # the first 64 KB
        self.tail: bytes | None = None
        self.overflow = False  # the tail grew past TAIL_MAX
        self.errors = False
        self.last = b""  # the end of the bytes so far: a token cut by a chunk's end

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < self.HEAD:
            self.head += chunk[: self.HEAD - len(self.head)]
        buf = self.last + chunk
        if not self.errors and self._ERR in buf:
            self.errors = True
        at = buf.rfind(self._END)
        if at >= 0:
            self.tail, self.overflow = buf[at:], False
        elif self.tail is not None and not self.overflow:
            self.tail += chunk
        if self.tail is not None and len(self.tail) > self.TAIL_MAX:
            self.tail, self.overflow = b"", True
        self.last = buf[-len(self._END):]

    def data(self) -> list[object]:
        cut = self.head.find(b"<sheetData")
        start = self.head[:cut] if cut > 0 else None
        tail = None if self.overflow or self.tail is None else self.tail
        return [self.size, _latin(start), _latin(tail), self.errors]


def _latin(data: bytes | None) -> str | None:
    return None if data is None else data.decode("latin-1")


def structure_facts(package: _Package, names: list[str], total: int, parts: dict[str, _PartFacts]) -> dict[str, Any]:
    """The facts of a screened OOXML workbook for the reader (JSON data; bytes as Latin-1 text).

    ``names``: the members; ``total``: their unpacked size; ``workbook``, ``rels``: the bytes of
    ``xl/workbook.xml`` and ``xl/_rels/workbook.xml.rels`` (None when missing); ``parts``: per
    worksheet part ``[size, start, tail, errors]`` (``_PartFacts``).
    """
    def whole(part: str) -> str | None:
        if part not in names:
            return None
        data = package.data.get(part)
        if data is None and package.zf.getinfo(part).file_size > _SMALL_XML_LIMIT:
            raise KeyError(part)  # not read whole while screening: the reader reads the file itself
        return _latin(data if data is not None else package.zf.read(part))

    try:
        workbook, rels = whole("xl/workbook.xml"), whole("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    return {"names": names, "total": total, "workbook": workbook, "rels": rels,
            "parts": {k: v.data() for k, v in parts.items()}}


class _SheetCount:
    """Cells of one worksheet that hold something: stored cells and the used range.

    Empty cells (a style only, as gnumeric and Excel for Mac write for formatted columns) and rows
    without cells are left out: the readers skip them too. ``<dimension>`` is never counted: it is
    a hint (LibreOffice writes ``A1:AMJ1048576`` for a few dozen values).
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
        self.empty: re.Pattern[bytes] | None = None

    def feed(self, buf: bytes) -> None:
        if self.prefix is None:
            m = _ROOT.search(buf)
            self.prefix = (m.group(1) or b"") if m else b""
            self.empty = _empty_elements(self.prefix)
        assert self.empty is not None
        if _may_hold_empty_elements(self.prefix, buf):
            buf, removed = self.empty.subn(b"", buf)  # empty cells (and rows) …
            if removed:
                buf = self.empty.sub(b"", buf)  # … then rows left without cells (none when nothing was removed)
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
        return max(self.cells, used)


def _empty_elements(prefix: bytes) -> re.Pattern[bytes]:
    """Cells and rows without content: ``<c r="B2" s="3"/>``, ``<c …></c>``, ``<row r="9" …/>``, ``<row …></row>``.

    Only those with a reference (``r="…"``): one without takes the next position, so it still counts.
    """
    p = re.escape(prefix)
    tag = rb"<%s(?:c|row)\b[^>]*?\sr=\"[^\"]*\"[^>]*" % p
    return re.compile(rb"%s/>|%s>\s*</%s(?:c|row)>" % (tag, tag, p))


@functools.lru_cache(maxsize=16)
def _empty_candidates(prefix: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Two patterns one of which finds something wherever ``_empty_elements(prefix)`` would (see below)."""
    p = re.escape(prefix)
    # ``[^>]*+`` stops before the tag's first ``>``, where ``[^>]*`` could also end: ``(?<=/)>`` there is ``/>``
    whole = re.compile(rb"<%s(?:c|row)\b[^>]*+(?:(?<=/)>|>\s*+</%s(?:c|row)>)" % (p, p))
    return whole, re.compile(rb'r="[^">]*>')


def _may_hold_empty_elements(prefix: bytes, buf: bytes) -> bool:
    """False only when ``_empty_elements(prefix)`` has no match in ``buf`` (then it need not run).

    A match of it is ``<c`` or ``<row``, a word boundary, x, a blank, ``r="``, v, ``"``, y, and ``/>`` or ``>``,
    blanks and a closing tag, where x and y hold no ``>`` and v no ``"``. If v holds a ``>``, then ``r="``
    and v up to its first ``>`` match ``r="[^">]*>``; if not, nothing between the tag's name and its
    ending is a ``>``, so the tag matches the first pattern, which is the same but without the ``r="…"``
    it asks for. The full pattern's lazy search costs more per cell than both of these together.
    """
    whole, value = _empty_candidates(prefix)
    return whole.search(buf) is not None or value.search(buf) is not None


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
    package: _Package, infos: list[zipfile.ZipInfo], sheets: set[str], limits: Limits, clock: _Clock,
    parts: dict[str, _PartFacts] | None = None,
) -> None:
    """Decompress every XML member once, bounded: CRC, DOCTYPE/ENTITY and cells per sheet.

    The structural parts already read whole (``_Package.data``) are scanned from their kept bytes.
    """
    for info in infos:
        lname = info.filename.lower()
        if info.is_dir() or not lname.endswith(_XML_SUFFIXES):
            continue
        counter: _SheetCount | _OdsCount | None = None
        if info.filename in sheets:
            counter = _OdsCount(info.filename) if lname.endswith("content.xml") else _SheetCount(info.filename)
        kept = package.data.get(info.filename)
        seen = None
        if parts is not None and isinstance(counter, _SheetCount):
            seen = parts[info.filename] = _PartFacts(info.file_size)
        try:
            with io.BytesIO(kept) if kept is not None else package.zf.open(info) as fh:
                _scan_stream(fh, info.filename, counter, limits, clock, seen)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
            raise _Refused(Code.DATEI_BESCHAEDIGT, f"beschädigter Eintrag {info.filename}", technical(exc)) from None


def _scan_stream(
    fh: IO[bytes], part: str, counter: _SheetCount | _OdsCount | None, limits: Limits, clock: _Clock,
    seen: _PartFacts | None = None,
) -> None:
    first = fh.read(_CHUNK)
    decoder = None
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(first) > 1 and first[1:2] == b"\x00"):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        seen = None  # the reader's structure step reads such a part itself
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
            if seen is not None:
                seen.feed(chunk)
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

# The child reads each file with the fast reader ("s"), and with the second reader when that fails or
# when the fast reader already killed a child on it ("f"). Per file it prints "ok" (fast reader),
# "fast <error>" then "fb" (second reader) or "err <error>" (no reader). The second reader is loaded
# from its file: importing kimrecon (pandas) would cost time and memory in every probe. A file given
# with "S" is screened first (``screen_file``): the screener child (``_SCREENER``) or, for a small case,
# this process (``_hand_verdicts``) writes the verdicts to the probe child's stdin, ahead of the probe
# child; the probe child prints "scr
# <findings as JSON>"; a refused file ends there, a file not to be probed (``needs_probe``) with "skip". A file
# given with "c" (or "C": screened first) is read as the in-process reader would read it whole
# (``cells``): the child prints "cells <n>" and n bytes of pickled sheets instead of "ok"; where that
# fails it probes the file as with "s".
_PROBE = """
import sys


def fast(path):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


def cells(path):
    import pickle
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    out = []
    for m in wb.sheets_metadata:
        if "chart" in str(m.typ).lower():
            wb.get_sheet_by_name(m.name).to_python()  # opened as by fast(), not kept
            continue
        rows = wb.get_sheet_by_name(m.name).to_python(skip_empty_area=False)
        out.append((m.name, rows, not str(m.visible).endswith(".Visible")))
    return pickle.dumps(out, protocol=5)


def send(blob):
    out = sys.stdout.buffer
    out.write(b"cells %d\\n" % len(blob))
    out.write(blob)
    out.flush()


def second(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("kimrecon_probe_fallback", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.read_rows(path)


def text(exc):
    return " ".join((type(exc).__name__ + ": " + str(exc)).split())[:300]


for arg in sys.argv[2:]:
    mode, path = arg[0], arg[2:]
    if mode in "SC":
        refused, probe = screen(path)
        print("scr " + refused, flush=True)
        if not refused.startswith("[]"):
            continue
        if not probe:
            print("skip", flush=True)
            continue
        mode = mode.lower()
    if mode == "c":
        try:
            blob = cells(path)
        except BaseException:
            blob = None  # probed as with "s" below
        if blob is not None:
            send(blob)
            continue
        mode = "s"
    if mode == "s":
        try:
            fast(path)
            print("ok", flush=True)
            continue
        except BaseException as exc:
            print("fast " + text(exc), flush=True)
    try:
        second(path)
        print("fb", flush=True)
    except BaseException as exc:
        print("err " + text(exc), flush=True)
"""

# The screener: screens the files of its arguments in order (the guard and its modules, without
# ``kimrecon.read``'s package module, which imports pandas) and prints per file its verdict line
# (``verdict_line``); ``{read_dir}`` and ``{limits}`` are filled in by ``_probe_script``.
_SCREENER = """
import json
import types
from pathlib import Path

_package = types.ModuleType("kimrecon.read")
_package.__path__ = [{read_dir!r}]
sys.modules["kimrecon.read"] = _package
from kimrecon.read import guard as _guard

_guard._IN_PROBE_CHILD = True
_limits = _guard.Limits(**{limits!r})
for path in sys.argv[1:]:
    facts = dict()
    found = _guard.screen_file(Path(path), _limits, facts=facts)
    print(_guard.verdict_line(Path(path), found, facts, _limits), end="", flush=True)
"""

# The probe child's ``screen``: the screener's next verdict, "<findings>" or "<findings>\\t<facts>" and
# whether to probe (the screener stopped: so does the child).
_SCREENED = """
def screen(path):
    line = sys.stdin.readline()
    if not line.endswith("\\n"):
        sys.exit(3)
    probe, _, refused = line[:-1].partition(" ")
    return refused, probe == "1"
"""

SCREEN_IN_CHILD_FROM = 48  # files: from this many on the probe child screens them too (its start, ≈ 60 ms, pays)


def finding_data(found: Finding) -> list[object]:
    """A screen finding as JSON data for the way from the probe child (its source is the file alone)."""
    return [found.code.name, found.severity.name, [list(d) for d in found.details], found.value]


def _screen_finding(data: list[Any], name: str) -> Finding:
    """The finding of ``finding_data`` again, for the file shown as ``name``."""
    code, severity, details, value = data
    return Finding(Code[code], Severity[severity], SourceRef(name), tuple((str(k), str(v)) for k, v in details), value)


_PROBE_BASE_MEMORY = 384 * MB  # address space of the probe process for the smallest file …
_PROBE_MEMORY_PER_BYTE = 64  # … plus this many bytes per byte of the largest file probed, up to max_speicher_mb


def needs_probe(path: Path, limits: Limits) -> bool:
    """Tell whether a screened file is opened in the probe process before the reader opens it in-process."""
    suffix = path.suffix.lower()
    if suffix in PROBED_SUFFIXES:
        return True
    return suffix in _PROBE_SUFFIXES_SMALL and path.stat().st_size <= limits.probe_max_bytes


def probe_memory(size: int, limits: Limits) -> int:
    """The memory cap of the probe for a file of ``size`` bytes: a few hundred MB for a small file."""
    return min(limits.max_memory_bytes, _PROBE_BASE_MEMORY + _PROBE_MEMORY_PER_BYTE * size)


# files on which the fast reader failed in the probe (key: path, size, mtime) -> its error text:
# the in-process reader goes straight to the second reader (the fast one might take the process down)
_FAST_FAILED: dict[tuple[str, int, int], str] = {}


def _identity(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(Path(path).resolve()), st.st_size, st.st_mtime_ns


def fast_reader_failed(path: Path) -> str | None:
    """The fast reader's error on ``path`` if it failed in the probe (then read it with the second reader)."""
    if not _FAST_FAILED:  # the usual case: no path to resolve, no stat per file
        return None
    try:
        return _FAST_FAILED.get(_identity(path))
    except OSError:
        return None


def forget_probe(path: Path) -> None:
    """Drop what the probe learnt about ``path`` once it is read."""
    if not _FAST_FAILED:
        return
    try:
        _FAST_FAILED.pop(_identity(path), None)
    except OSError:
        return


@dataclass
class _Probe:
    path: Path
    name: str
    mode: str = "s"  # "s": fast reader, then the second; "f": the second reader only; "S": screen, then as "s";
    # "c" / "C": as "s" / "S", and the child sends the cells it read (``ProbeOutcomes.cells``)
    fast_error: str = ""


def probe_files(items: Sequence[tuple[Path, str]], limits: Limits) -> dict[Path, list[Finding]]:
    """Open each workbook in a child process under a memory cap and the time budget; findings per file.

    The fast reader reads each file; where it fails, the second reader (``fallback``) tries, and a
    file is refused only when both fail. A reader that aborts, is killed by the memory cap or runs
    past the time budget takes only the child down: a crash of the fast reader sends the file to the
    second reader in a new child, a crash of the second reader refuses it. Files the second reader
    read are remembered (``fast_reader_failed``) so that the in-process reader uses it too.
    """
    return {path: found for path, found in _probe_run(items, limits) if found}


class ProbeOutcomes:
    """The probe of ``probe_files`` running while the caller reads: ``get(path)`` waits only for that file.

    The child opens the files in the given order; ``get`` returns a file's findings (the same as
    ``probe_files`` gives) as soon as the child is done with it, so the caller can read file i while
    the child opens file i + 1. ``get`` of a file not probed returns ``default`` at once. ``close``
    ends the child if the caller stops early (also when the object is collected).
    """

    def __init__(self, items: Sequence[tuple[Path, str]], limits: Limits, *, screen: str = "",
                 cells_up_to: int = -1) -> None:
        self._waiting = {Path(p) for p, _ in items}
        self._found: dict[Path, list[Finding]] = {}
        self._cells: dict[Path, bytes] = {}
        self._facts: dict[Path, str] = {}
        self._run = _probe_run(items, limits, screen=screen, cells_up_to=cells_up_to, sent=self._cells,
                               facts=self._facts)

    def cells(self, path: Path) -> list[tuple[str, list[list[object]], bool]] | None:
        """The sheets the child read of ``path`` (name, rows, hidden), once; None if it sent none (read it here).

        Call after ``get(path)``. The rows are what ``CalamineWorkbook.get_sheet_by_name(name).to_python(
        skip_empty_area=False)`` gives in this process, chart sheets left out: plain values only (the
        unpickler accepts no class but the dates and times of ``datetime``).
        """
        blob = self._cells.pop(Path(path), None)
        if blob is None:
            return None
        try:
            sheets: list[tuple[str, list[list[object]], bool]] = _CellsUnpickler(io.BytesIO(blob)).load()
        except Exception:  # noqa: BLE001 - not what the child sends: read the file here
            return None
        return sheets

    def facts(self, path: Path) -> dict[str, Any] | None:
        """What the screen saw of ``path`` for the reader's structure step (``structure_facts``), once; or None.

        Call after ``get(path)``; given only for a file whose cells the child sent (``cells``).
        """
        text = self._facts.pop(Path(path), None)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def get(self, path: Path, default: Sequence[Finding] = ()) -> list[Finding]:
        """The probe's findings on ``path`` (waiting for the child to be done with it), else ``default``."""
        path = Path(path)
        while path in self._waiting:
            done, found = next(self._run)  # the files come in order; each exactly once
            self._waiting.discard(done)
            if found:
                self._found[done] = found
            if not self._waiting:  # the last file: end the child and the thread now, not when collected
                self._run.close()
        return self._found.get(path) or list(default)

    def close(self) -> None:
        """End the child (files not yet probed are not opened)."""
        self._run.close()
        self._cells.clear()
        self._facts.clear()


class _CellsUnpickler(pickle.Unpickler):
    """Cell values from the probe child: builtins, and of classes only ``datetime``'s dates and times."""

    _CLASSES = {"date": dt.date, "datetime": dt.datetime, "time": dt.time, "timedelta": dt.timedelta}

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in self._CLASSES:
            return self._CLASSES[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def check_in_order(items: Sequence[tuple[Path, str]], limits: Limits, *, cells_up_to: int = -1) -> ProbeOutcomes:
    """Screen every file and probe those that need it (``needs_probe``); ``get(path)`` gives a file's refusal.

    A probed file of at most ``cells_up_to`` bytes is read by the child as the reader reads a small
    workbook whole; ``cells(path)`` hands its sheets over, so this process does not parse it again.

    With fewer than ``SCREEN_IN_CHILD_FROM`` files this process screens them all, while the probe
    child starts, and hands it its verdicts; the child opens a file only after its verdict. With more,
    a second child, the screener, screens them ahead of the probe child, so the caller reads file i
    while the children check the files after it on the other core. The findings are the same either
    way: the same ``screen_file`` on the same file (a child that stops before the verdict on a file,
    out of memory or time, leaves that file to this process).
    """
    return ProbeOutcomes(items, limits, screen="child" if len(items) >= SCREEN_IN_CHILD_FROM else "here",
                         cells_up_to=cells_up_to)


def _probe_run(items: Sequence[tuple[Path, str]], limits: Limits, *, screen: str = "", cells_up_to: int = -1,
               sent: dict[Path, bytes] | None = None,
               facts: dict[Path, str] | None = None) -> Generator[tuple[Path, list[Finding]], None, None]:
    """The probe of ``probe_files``: each file with its findings (none: opened), in order, as the child gets there.

    With ``screen`` ("here" or "child") each file is screened before the child probes it
    (``check_in_order``); files up to ``cells_up_to`` bytes the child reads whole and sends (into
    ``sent``, by path).
    """
    queue = [_Probe(Path(p), n, _mode(Path(p), bool(screen), cells_up_to)) for p, n in items]
    while queue:
        batch = _probe_batch(queue, limits, here=screen == "here", facts_sent=facts)
        done = 0
        try:
            while True:
                try:
                    outcome = next(batch)
                except StopIteration as end:
                    stop: str | None = end.value
                    break
                probe = queue[done]
                done += 1
                if isinstance(outcome, list):  # refused by the screen
                    yield probe.path, [_screen_finding(data, probe.name) for data in outcome]
                    continue
                if isinstance(outcome, bytes):  # read by the fast reader: its cells
                    if sent is not None:
                        sent[probe.path] = outcome
                    yield probe.path, []
                    continue
                if outcome == "fb":
                    _FAST_FAILED[_identity(probe.path)] = probe.fast_error
                elif outcome != "ok":
                    yield probe.path, [failure_finding(probe.name, [probe.fast_error, outcome], _head(probe.path))]
                    continue
                yield probe.path, []
        finally:
            batch.close()
        queue = queue[done:]
        if stop is None or not queue:
            break
        probe = queue[0]
        if probe.mode in "SC":  # the child stopped before its verdict on this file: screen it here, as without it
            found = screen_file(probe.path, limits, name=probe.name)
            if found or not needs_probe(probe.path, limits):
                yield probe.path, found
                queue = queue[1:]
            else:
                probe.mode = probe.mode.lower()  # a new child probes it and screens the rest
            continue
        if probe.mode == "c":  # died reading the cells to send: probe it as any other file
            probe.mode = "s"
            continue
        if stop == "died" and probe.mode == "s" and not probe.fast_error:  # the fast reader crashed: try the second
            probe.mode, probe.fast_error = "f", "fast reader crashed (aborted or out of memory)"
            continue
        cap = probe_memory(_size(probe.path), limits) // MB
        grund = (
            f"Lesen dauert länger als das Zeitbudget von {limits.time_budget_s:g} s"
            if stop == "timeout"
            else f"Lesen braucht mehr als {cap} MB Arbeitsspeicher (Grenze für eine Datei dieser Größe) oder bricht ab"
        )
        technisch = " | ".join(t for t in (probe.fast_error, f"probe {stop}") if t)
        yield probe.path, [finding(Code.DATEI_ZU_GROSS, SourceRef(probe.name), grund=grund, technisch=technisch)]
        queue = queue[1:]


def _probe_batch(queue: list[_Probe], limits: Limits, *, here: bool = False,
                 facts_sent: dict[Path, str] | None = None) -> Generator[str | list[Any] | bytes, None, str | None]:
    """Probe the files of ``queue`` in one child: yield the outcome of each file done, return why the child stopped.

    An outcome is "ok", "fb", the second reader's error text, the pickled sheets of a file read with
    "c" (bytes) or, for a file the child screened (mode "S") and refused, the list of its findings as
    data (``finding_data``); the stop reason is "died" or
    "timeout" for the file after the last one done (whose ``fast_error`` is set when the fast reader
    had already failed on it), or None when every file is done. A thread takes the child's lines as
    they come, with their time: each line must come within the time budget after the one before (or
    after the start), whenever the caller asks for it. The files in mode "S" or "C" are screened first:
    with ``here`` by this process, which hands its verdicts to the child as the screener would (the
    child starts meanwhile), else by the screener child.
    """
    cap = probe_memory(max(_probed_size(p, limits) for p in queue), limits)
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    unscreened = [p for p in queue if p.mode in "SC"]
    screener = subprocess.Popen(  # noqa: S603 - our own interpreter with a fixed script and file paths
        [sys.executable, "-S", "-c", _probe_script(cap, limits), *(str(p.path) for p in unscreened)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    ) if unscreened and not here else None
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter with a fixed script and file paths
        [sys.executable, "-S", "-c", _probe_script(cap), fallback.__file__, *(f"{p.mode}:{p.path}" for p in queue)],
        stdin=subprocess.PIPE if unscreened and here else subprocess.DEVNULL if screener is None else screener.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    if screener is not None and screener.stdout is not None:
        screener.stdout.close()  # the probe child's now: it sees the end when the screener stops
    last = time.monotonic()
    assert proc.stdout is not None
    lines: SimpleQueue[tuple[float, bytes, bytes]] = SimpleQueue()
    reader = threading.Thread(target=_take_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    if proc.stdin is not None:  # screened here while the child starts
        _hand_verdicts(proc.stdin, unscreened, limits)
    done = 0
    try:
        while done < len(queue):
            try:
                at, line, payload = lines.get(timeout=max(last + limits.time_budget_s - time.monotonic(), 0))
            except Empty:  # nothing within the budget
                at, line, payload = math.inf, b"", b""
            if at - last > limits.time_budget_s:  # also a line that came too late while the caller was busy
                proc.kill()
                return "timeout"
            last = at
            if not line:  # the child died inside a reader: out of memory, abort or crash
                proc.wait()
                return "died"
            text = line.decode("utf-8", "replace").strip()
            word, _, rest = text.partition(" ")
            if word == "fast":
                queue[done].fast_error = rest
                continue
            if word == "cells":
                done += 1
                yield payload
                continue
            if word == "scr":
                verdict, _, facts = rest.partition("\t")
                refused = json.loads(verdict)
                if facts and facts_sent is not None:
                    facts_sent[queue[done].path] = facts
                queue[done].mode = queue[done].mode.lower()  # screened: now probed (or skipped) as any other
                if not refused:
                    continue
                done += 1
                yield refused
                continue
            done += 1
            yield "ok" if word == "skip" else word if word in ("ok", "fb") else rest or "unbekannter Fehler"
        return None
    finally:
        for child in (proc, screener):
            if child is not None:
                if child.poll() is None:
                    child.kill()
                child.wait()
        reader.join()
        proc.stdout.close()


def verdict_line(path: Path, found: list[Finding], facts: dict[str, Any], limits: Limits) -> str:
    """The screener's line on one file, as the probe child reads it.

    "1 " (to be probed) or "0 ", the findings as JSON, then a tab and the structure facts as JSON
    when the file passed and has them (``structure_facts``).
    """
    probe = not found and needs_probe(path, limits)
    line = ("1 " if probe else "0 ") + json.dumps([finding_data(f) for f in found])
    return line + ("\t" + json.dumps(facts) if facts and not found else "") + "\n"


def _hand_verdicts(stdin: IO[bytes], probes: list[_Probe], limits: Limits) -> None:
    """Screen ``probes`` in this process and write each verdict to the probe child as the screener prints it."""
    try:
        for p in probes:
            facts: dict[str, Any] = {}
            found = screen_file(p.path, limits, name=p.name, facts=facts)
            stdin.write(verdict_line(p.path, found, facts, limits).encode())
            stdin.flush()  # the child opens this file while the next one is screened
        stdin.close()
    except OSError:  # the child is gone: the reading loop sees it stop
        with contextlib.suppress(OSError):
            stdin.close()


def _take_lines(stream: IO[bytes], lines: SimpleQueue[tuple[float, bytes, bytes]]) -> None:
    """Put each line of ``stream`` with the time it came into ``lines``; an empty line at the end.

    A line "cells <n>" comes with the n bytes after it (a shorter rest: the child died while sending).
    """
    for line in iter(stream.readline, b""):
        payload = b""
        if line.startswith(b"cells "):
            n = int(line[6:])
            payload = stream.read(n)
            if len(payload) < n:
                break
        lines.put((time.monotonic(), line, payload))
    lines.put((time.monotonic(), b"", b""))


def _probed_size(probe: _Probe, limits: Limits) -> int:
    """The size the memory cap is set for: a file only screened in the child (too large to probe) counts 0."""
    try:
        return _size(probe.path) if probe.mode not in "SC" or needs_probe(probe.path, limits) else 0
    except OSError:
        return 0


def _mode(path: Path, screen: bool, cells_up_to: int) -> str:
    """The child's mode for a file (see ``_Probe.mode``): with its cells when it is small enough to send them."""
    mode = "c" if 0 <= _size(path) <= cells_up_to else "s"
    return mode.upper() if screen else mode


def _probe_script(cap: int, screener: Limits | None = None) -> str:
    """The probe's script: first the memory cap and the interpreter's module path, then ``_PROBE``.

    The child starts without ``site`` (``-S``, a few ms less) and gets this process's module path
    instead, so it imports the same readers. The cap (POSIX) applies before it opens the first
    file: the child sets it itself, so no code runs between fork and exec (safe with threads).
    With ``screener`` (the limits) it is the screener's script instead (``_SCREENER``), under the same cap.
    """
    try:
        import resource  # noqa: F401 - only whether it exists
    except ImportError:  # not POSIX: the time budget still applies
        limit = ""
    else:
        limit = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n"
    path = [p for p in sys.path if isinstance(p, str) and p]
    head = f"import sys\nsys.path[1:1] = {path!r}\n{limit}"
    if screener is not None:
        return head + _SCREENER.format(read_dir=str(Path(__file__).parent), limits=asdict(screener))
    return head + _SCREENED + _PROBE


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(8)
    except OSError:
        return b""


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


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB".replace(".", ",")


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text[:n] or "unbekannter Fehler"

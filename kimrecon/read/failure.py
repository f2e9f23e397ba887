"""Why a workbook could not be read, in German: a reader's own error text becomes a finding code and details.

The readers' texts ("Cfb error: Codepage 8001 not found", "File not found 'xl/_rels/workbook.xml.rels'")
never reach the message; they are kept in the finding's ``technisch`` detail, which the German
message templates do not use and which renderers may show in a technical column or with ``--debug``.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kimrecon.findings import UNUSABLE, Code, Finding, SourceRef, finding
from kimrecon.inputs import SheetInfo

__all__ = ["BIFF_OLD", "failure_finding", "is_old_biff", "nothing_to_check", "os_reason", "technical"]

# Excel 2.x–4.0 worksheets are a bare BIFF stream (no OLE2 container): the BOF record comes first
BIFF_OLD = {b"\x09\x00": "Excel 2.x, BIFF2", b"\x09\x02": "Excel 3.0, BIFF3", b"\x09\x04": "Excel 4.0, BIFF4"}

_ENCRYPTED = re.compile(r"password|encrypt|passwort|verschl|filepass", re.IGNORECASE)
_CODEPAGE = re.compile(r"codepage\D{0,3}(\d+)", re.IGNORECASE)  # also xlrd's "unknown_codepage_8001"
_ENCODING = re.compile(r"unknown encoding:? '?([\w-]+)", re.IGNORECASE)
_MISSING = re.compile(
    r"(?:file not found|no item named|missing(?: part)?) ['\"]?([\w./\[\]-]+\.(?:xml|rels|bin))", re.IGNORECASE
)
_OLD = re.compile(r"biff ?version|biff4w|\bbiff[2-5]\b", re.IGNORECASE)
_ZIP = re.compile(r"zip|archive|deflate|crc|central directory|eocd", re.IGNORECASE)
_XML = re.compile(r"xml|expect|tag|syntax|element|attribute|token|utf-?8", re.IGNORECASE)


def technical(exc: BaseException) -> str:
    """The reader's own text of an exception, on one line and bounded (for ``technisch`` only)."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:300]


_OS_REASONS = {
    errno.ENOENT: "Datei nicht gefunden",
    errno.EACCES: "keine Leseberechtigung",
    errno.EPERM: "keine Leseberechtigung",
    errno.EISDIR: "ein Ordner, keine Datei",
}


def os_reason(exc: OSError) -> str:
    """The German reason for a file-system error (the system's own text goes to ``technisch``)."""
    return _OS_REASONS.get(exc.errno or 0, "Lesefehler des Dateisystems")


def is_old_biff(head: bytes) -> bool:
    """Tell whether a file starts like an Excel 2.x–4.0 worksheet (a bare BIFF2–4 stream)."""
    return head[:2] in BIFF_OLD and len(head) >= 4 and 2 <= int.from_bytes(head[2:4], "little") <= 20


def failure_finding(name: str, texts: Sequence[str], head: bytes = b"") -> Finding:
    """The finding for a workbook no reader could read: ``texts`` are the readers' errors, ``head`` its first bytes."""
    joined = " | ".join(t for t in texts if t)
    code, details = _classify(joined, head)
    return finding(code, SourceRef(name), **details, technisch=joined[:600])


def _classify(text: str, head: bytes) -> tuple[Code, dict[str, Any]]:
    if _ENCRYPTED.search(text):
        return Code.DATEI_VERSCHLUESSELT, {}
    m = _CODEPAGE.search(text)
    if m:
        return Code.DATEI_ZEICHENSATZ, {"zeichensatz": f"Codepage {m.group(1)}"}
    m = _ENCODING.search(text)
    if m:
        return Code.DATEI_ZEICHENSATZ, {"zeichensatz": m.group(1)}
    m = _MISSING.search(text)
    if m:
        return Code.DATEI_TEIL_FEHLT, {"teil": m.group(1)}
    if is_old_biff(head):
        return Code.DATEI_ALTES_FORMAT, {"format": BIFF_OLD[head[:2]]}
    if _OLD.search(text):
        return Code.DATEI_ALTES_FORMAT, {"format": "Excel 2.x bis Excel 95"}
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        grund = "beschädigte Excel-97-2003-Datei"
    elif _ZIP.search(text):
        grund = "beschädigtes ZIP-Archiv"
    elif _XML.search(text):
        grund = "fehlerhafter XML-Inhalt"
    else:
        grund = "unbekannter Lesefehler"
    return Code.DATEI_BESCHAEDIGT, {"grund": grund}


def nothing_to_check(findings: Sequence[Finding], sheets: Sequence[SheetInfo], paths: Sequence[Path]) -> list[Finding]:
    """A Fehler when the whole input holds no sheet of a known kind: nothing read is not success.

    Not added when a file was already refused or a sheet fits several kinds (those findings say what to do).
    """
    if sheets or any(f.code in UNUSABLE or f.code is Code.BLATT_MEHRDEUTIG for f in findings):
        return []
    where = ", ".join(Path(p).name for p in paths) or "Eingaben"
    return [finding(Code.KEINE_TABELLE, SourceRef(where))]

"""Uploaded files → staged files in a private folder: limits, zip content, safe names, the guard.

Nothing an upload names is used as a path before it passed ``safe_name`` (one plain file name,
no folder part); zip members are read through bounded streams, never extracted by name. Every
staged file passes the reader's guard (``screen_file``); one refused file refuses the whole upload
and the staging folder is removed, so nothing is left behind.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from kimrecon.findings import Finding
from kimrecon.read.guard import screen_file

MB = 1 << 20
MAX_FILES = 60  # files of one upload, zip members included
MAX_FILE_BYTES = 32 * MB  # one file (uploaded or unpacked from a zip)
MAX_REQUEST_BYTES = 128 * MB  # one request body
MAX_ZIP_UNPACKED = 256 * MB  # all members of one zip together
MAX_ZIP_RATIO = 100  # unpacked ÷ packed size of a member of at least 1 MB
_CHUNK = 1 * MB

_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class UploadError(Exception):
    """An upload that is refused as a whole: a German message, an HTTP status and the guard's findings."""

    def __init__(self, message: str, status: int = 400, befunde: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.befunde = tuple(befunde)


@dataclass(frozen=True, slots=True)
class StagedFile:
    """One accepted file in the staging folder, under the name it will have in the case."""

    name: str
    path: Path
    size: int
    sha256: str


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


@dataclass
class _Budget:
    files: int = 0
    names: set[str] = field(default_factory=set)


def safe_name(raw: str) -> str:
    """The file name an upload may have in a case, or UploadError: one component, no control characters."""
    name = unicodedata.normalize("NFC", raw or "").strip()
    shown = _FORBIDDEN.sub("?", name)[:80]
    if not name:
        raise UploadError("Eine Datei hat keinen Namen. Bitte die Datei mit Namen hochladen.")
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name.split("."):
        raise UploadError(f"Der Dateiname „{shown}“ enthält einen Ordnerpfad. Bitte nur Dateien ohne Pfad hochladen.")
    if _FORBIDDEN.search(name) or name.startswith(".") or name.endswith(".") or len(name) > 150:
        raise UploadError(
            f"Der Dateiname „{shown}“ ist nicht zulässig (Steuerzeichen, Sonderzeichen, führender Punkt "
            "oder länger als 150 Zeichen). Bitte die Datei umbenennen."
        )
    return name


def stage_uploads(uploads: Sequence[tuple[str, IO[bytes]]], staging: Path) -> list[StagedFile]:
    """Copy uploaded streams (and the members of uploaded .zip files) into ``staging`` and screen them.

    Raises UploadError (and removes ``staging``) when any limit is exceeded, a name is unsafe or
    the guard refuses a file.
    """
    staging.mkdir(parents=True, exist_ok=False)
    try:
        budget = _Budget()
        staged: list[StagedFile] = []
        for raw_name, stream in uploads:
            if raw_name.lower().endswith(".zip") and "/" not in raw_name and "\\" not in raw_name:
                staged.extend(_stage_zip(raw_name, stream, staging, budget))
            else:
                staged.append(_stage_one(safe_name(raw_name), stream, staging, budget, MAX_FILE_BYTES))
        if not staged:
            raise UploadError("Es wurde keine Datei übermittelt. Bitte mindestens eine Arbeitsmappe hochladen.")
        refused = [f for s in staged for f in screen_file(s.path, name=s.name)]
        if refused:
            raise UploadError(
                "Die Datei wurde nicht angenommen." if len(staged) == 1
                else "Die Dateien wurden nicht angenommen: mindestens eine ist nicht lesbar oder unzulässig.",
                422, refused,
            )
        return staged
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _stage_one(name: str, stream: _Readable, staging: Path, budget: _Budget, limit: int) -> StagedFile:
    key = name.casefold()
    if key in budget.names:
        raise UploadError(f"Die Datei „{name}“ kommt in dieser Sendung zweimal vor. Bitte nur einmal hochladen.")
    budget.names.add(key)
    budget.files += 1
    if budget.files > MAX_FILES:
        raise UploadError(f"Zu viele Dateien in einer Sendung (höchstens {MAX_FILES}).", 413)
    target = staging / f"{budget.files:03d}{Path(name).suffix.lower()}"  # never the uploaded name itself
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(
                    f"Die Datei „{name}“ ist größer als {limit // MB} MB. Bitte prüfen, ob die Datei beschädigt ist.",
                    413,
                )
            digest.update(chunk)
            out.write(chunk)
    return StagedFile(name=name, path=target, size=size, sha256=digest.hexdigest())


def _stage_zip(zip_name: str, stream: IO[bytes], staging: Path, budget: _Budget) -> list[StagedFile]:
    holder = _stage_one(safe_name(zip_name), stream, staging, _Budget(), MAX_REQUEST_BYTES)
    shown = holder.name
    try:
        archive = zipfile.ZipFile(holder.path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadError(f"„{shown}“ ist kein lesbares ZIP-Archiv. Bitte das Archiv neu erstellen.") from exc
    out: list[StagedFile] = []
    with archive:
        members = archive.infolist()
        if len(members) > MAX_FILES * 4:
            raise UploadError(f"„{shown}“ enthält zu viele Einträge (höchstens {MAX_FILES}).", 413)
        total = 0
        for info in members:
            parts = info.filename.split("/")
            if (
                info.filename.startswith("/") or "\\" in info.filename or ".." in parts
                or re.match(r"^[A-Za-z]:", info.filename)
            ):
                raise UploadError(
                    f"„{shown}“ enthält einen unzulässigen Pfad ({_FORBIDDEN.sub('?', info.filename)[:80]}). "
                    "Bitte das Archiv ohne „..“ und ohne absolute Pfade erstellen.",
                )
            if info.is_dir() or parts[0] == "__MACOSX" or parts[-1].startswith("."):
                continue
            if info.flag_bits & 0x1:
                raise UploadError(f"„{shown}“ ist verschlüsselt. Bitte das Archiv ohne Kennwort erstellen.")
            total += info.file_size
            ratio_bad = info.file_size >= MB and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)
            if info.file_size > MAX_FILE_BYTES or total > MAX_ZIP_UNPACKED or ratio_bad:
                raise UploadError(
                    f"„{shown}“ entpackt zu viel (mehr als {MAX_FILE_BYTES // MB} MB je Datei oder auffällig "
                    "stark gepackt). Bitte die Arbeitsmappen einzeln hochladen.", 413,
                )
            name = safe_name(parts[-1])
            try:
                with archive.open(info) as member:
                    # the stream's own limit guards against a member that lies about its size
                    out.append(_stage_one(name, _Capped(member, info.file_size), staging, budget, MAX_FILE_BYTES))
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
                raise UploadError(
                    f"„{name}“ in „{shown}“ kann nicht entpackt werden (beschädigt oder unbekanntes Verfahren). "
                    "Bitte das Archiv neu erstellen oder die Dateien einzeln hochladen."
                ) from exc
    holder.path.unlink()
    return out


class _Capped:
    """A read-only stream that refuses to deliver more than ``limit`` bytes."""

    def __init__(self, inner: _Readable, limit: int) -> None:
        self.inner = inner
        self.left = limit

    def read(self, n: int = -1, /) -> bytes:
        chunk = self.inner.read(n)
        self.left -= len(chunk)
        if self.left < 0:
            raise UploadError("Ein Eintrag im ZIP-Archiv ist größer als angegeben. Bitte das Archiv neu erstellen.",
                              413)
        return chunk

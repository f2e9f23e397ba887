"""Cases on disk: one folder of workbooks per case, beside it the case's outputs, archive and ledger.

Layout under the data folder (``--daten``)::

    faelle/<fall>/               the case folder: the uploaded workbooks, unchanged (what
                                 `kimrecon reconcile` would read), and ``.fall.json`` (name, date)
    verwaltung/<fall>/           outputs per month (ausgabe/JJJJ-MM/), replaced originals
                                 (archiv/), the ledger kimrecon.sqlite (unless --db), the towns'
                                 monthly lists and Nachweis markings (eingang/, see intake.py)
    tmp/                         staging of uploads; emptied at start

A case appears only by renaming its complete staging folder into ``faelle/``; a file is added by
renaming it into the case folder; a replaced original moves to ``archiv/`` first. A killed server
therefore leaves no half case; what is left in ``tmp/`` is removed on the next start.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kimrecon.web.uploads import StagedFile

if TYPE_CHECKING:
    from kimrecon.inputs import CaseInputs

META = ".fall.json"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_MONTH_DIR = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class Case:
    """One stored case."""

    id: str
    name: str
    angelegt: datetime
    ordner: Path  # the case folder with the workbooks
    kreis: str | None = None  # the Kreis of the account that created it (None: created without accounts)


def slug(name: str) -> str:
    """A case id stem from its name: lower-case ASCII letters, digits and dashes."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:40].strip("-") or "fall"


class Store:
    """The cases of one data folder, with one lock per case (runs and uploads of a case are serialised)."""

    def __init__(self, daten: Path) -> None:
        self.daten = Path(daten)
        self.faelle = self.daten / "faelle"
        self.verwaltung = self.daten / "verwaltung"
        self.tmp = self.daten / "tmp"
        for folder in (self.faelle, self.verwaltung, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        # case id → (names, sizes and times of its files; as read; checked): read once per change of the folder
        self._inputs: dict[str, tuple[tuple[object, ...], CaseInputs, CaseInputs | None]] = {}
        self.clean()

    # ---- finding cases

    def clean(self) -> None:
        """Remove what a killed server left: staging folders and hidden staging files in case folders."""
        for p in self.tmp.iterdir():
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        for case_dir in self.faelle.iterdir():
            for p in case_dir.glob(".upload-*"):
                p.unlink(missing_ok=True)

    def cases(self) -> list[Case]:
        """All cases, newest first."""
        found = [c for p in self.faelle.iterdir() if (c := self.case(p.name)) is not None]
        return sorted(found, key=lambda c: (c.angelegt, c.id), reverse=True)

    def case(self, fall: str) -> Case | None:
        """The case with this id, or None (also for any id that is not a plain case id)."""
        if not _ID.match(fall):
            return None
        folder = self.faelle / fall
        try:
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Case(fall, str(meta.get("name") or fall), datetime.fromisoformat(meta["angelegt"]), folder,
                    meta.get("kreis") or None)

    def lock(self, fall: str) -> threading.Lock:
        """The lock of one case."""
        with self._guard:
            return self._locks.setdefault(fall, threading.Lock())

    def staging(self) -> Path:
        """A fresh, not yet existing staging folder."""
        return self.tmp / secrets.token_hex(8)

    # ---- changing cases

    def create(self, name: str, files: Sequence[StagedFile], fall: str | None = None, kreis: str | None = None
               ) -> Case:
        """Create a case from staged files in one rename; ``fall`` fixes the id (the bundled example).

        ``kreis`` records the Kreis of the account that created it (who may see the case before its
        Bescheid names the Kreis).
        """
        fall = fall or f"{slug(name)}-{secrets.token_hex(3)}"
        folder = self.tmp / f"neu-{fall}"
        folder.mkdir()
        for f in files:
            os.replace(f.path, folder / f.name)
        meta: dict[str, str] = {"name": name, "angelegt": datetime.now(UTC).replace(microsecond=0).isoformat()}
        if kreis:
            meta["kreis"] = kreis
        (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.replace(folder, self.faelle / fall)
        created = self.case(fall)
        assert created is not None
        return created

    def add(self, case: Case, files: Sequence[StagedFile]) -> None:
        """Add or replace files of a case; a replaced original is kept in the case's archive."""
        for f in files:
            self.retire(case, f.name)
            os.replace(f.path, case.ordner / f.name)

    def retire(self, case: Case, name: str) -> None:
        """Move a file of the case (if there) into the case's archive; the name is never a path."""
        target = case.ordner / name
        if "/" in name or name.startswith(".") or not target.is_file():
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        archive = self.admin_dir(case) / "archiv"
        archive.mkdir(parents=True, exist_ok=True)
        os.replace(target, archive / f"{stamp}-{secrets.token_hex(2)}-{name}")

    # ---- reading

    def admin_dir(self, case: Case) -> Path:
        """Outputs, archive and ledger of a case (created on first use)."""
        folder = self.verwaltung / case.id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def out_dir(self, case: Case, month: str) -> Path:
        """The output folder of a month."""
        return self.admin_dir(case) / "ausgabe" / month

    def output(self, case: Case, month: str, name: str) -> Path | None:
        """An output file by month and name, found by listing the folder (the name is never a path)."""
        if not _MONTH_DIR.match(month):
            return None
        folder = self.verwaltung / case.id / "ausgabe" / month
        if not folder.is_dir():
            return None
        return next((p for p in folder.iterdir() if p.name == name and p.suffix == ".xlsx" and p.is_file()), None)

    def outputs(self, case: Case, month: str) -> list[Path]:
        """The finished output files of a month (no staging files)."""
        folder = self.verwaltung / case.id / "ausgabe" / month
        if not _MONTH_DIR.match(month) or not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix == ".xlsx" and not p.name.startswith("."))

    def read(self, case: Case) -> CaseInputs:
        """The case's files as ``read_case`` reads them, once per change of its folder (names, sizes, times).

        A run of the case passes this to the pipeline (``read=``) instead of reading the files again.
        """
        from kimrecon.read import read_case

        key = tuple(
            (p.name, st.st_size, st.st_mtime_ns)
            for p in sorted(case.ordner.iterdir())
            if not p.name.startswith(".") and (st := p.stat())
        )
        cached = self._inputs.get(case.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        read = read_case([case.ordner])
        self._inputs[case.id] = (key, read, None)
        return read

    def inputs(self, case: Case) -> CaseInputs:
        """The case's files read and checked (shape and domain rules), as ``kimrecon validate`` checks them."""
        from kimrecon.pipeline import prepare

        read = self.read(case)
        key, cached_read, checked = self._inputs[case.id]
        if checked is None or cached_read is not read:
            checked = prepare([case.ordner], read=read)[0]
            self._inputs[case.id] = (key, read, checked)
        return checked

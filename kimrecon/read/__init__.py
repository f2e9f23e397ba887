"""The read stage: case folders and files → canonical frames per sheet kind, with a source for every row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kimrecon.findings import Code, Finding, SourceRef, finding
from kimrecon.inputs import REQUIRED_KINDS, CaseInputs, InputFile, Kind, SheetInfo
from kimrecon.read.files import READER_ERRORS, discover, load_file, max_file_bytes, release
from kimrecon.read.sheet import empty_frame, read_sheet

__all__ = ["read_case"]


def read_case(paths: Sequence[Path]) -> CaseInputs:
    """Read files and/or case folders into canonical frames, sheet and file facts, and all findings.

    Never raises for bad data: unreadable, encrypted or macro files become findings (exit code 2
    in the CLI); inputs are opened read-only and never modified.
    """
    files, config, found, any_folder = discover([Path(p) for p in paths])
    infos: list[InputFile] = []
    sheets: list[SheetInfo] = []
    parts: dict[Kind, list[pd.DataFrame]] = {k: [] for k in Kind}
    findings: list[Finding] = list(found)
    for path, name in files:
        loaded = load_file(path, name, max_file_bytes(config))
        infos.append(loaded.info)
        findings.extend(loaded.findings)
        try:
            for raw in loaded.sheets:
                result = read_sheet(raw, name, len(sheets))
                findings.extend(result.findings)
                if result.info is not None and result.frame is not None and result.kind is not None:
                    sheets.append(result.info)
                    parts[result.kind].append(result.frame)
        except READER_ERRORS as exc:  # a reader failing inside a sheet makes the file unusable
            findings.append(finding(Code.DATEI_UNLESBAR, SourceRef(name), grund=" ".join(str(exc).split())[:160]))
        finally:
            release(path)
    frames: dict[Kind, pd.DataFrame] = {}
    for kind in Kind:
        chunks = [f for f in parts[kind] if len(f)]
        frames[kind] = pd.concat(chunks, ignore_index=True) if chunks else empty_frame(kind)
    if any_folder:
        present = {s.kind for s in sheets}
        for kind in REQUIRED_KINDS:
            if kind not in present:
                where = SourceRef(Path(paths[0]).name) if paths else None
                findings.append(finding(Code.BLATT_FEHLT, where, art=kind.label))
    return CaseInputs(
        files=tuple(infos),
        sheets=tuple(sheets),
        frames=frames,
        findings=tuple(findings),
        config=config,
    )

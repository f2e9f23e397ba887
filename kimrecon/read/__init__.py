"""The read stage: case folders and files → canonical frames per sheet kind, with a source for every row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kimrecon.findings import Code, Finding, SourceRef, finding
from kimrecon.inputs import REQUIRED_KINDS, CaseInputs, InputFile, Kind, SheetInfo
from kimrecon.read.files import discover, load_file, release
from kimrecon.read.guard import (
    TimeBudgetExceeded,
    file_info,
    limits_from_config,
    needs_probe,
    parse_budget,
    probe_files,
    screen_file,
)
from kimrecon.read.sheet import empty_frame, read_sheet

__all__ = ["read_case"]


def read_case(paths: Sequence[Path]) -> CaseInputs:
    """Read files and/or case folders into canonical frames, sheet and file facts, and all findings.

    Never raises for bad data: unreadable, encrypted or macro files become findings (exit code 2
    in the CLI); inputs are opened read-only and never modified.
    """
    files, config, found, any_folder = discover([Path(p) for p in paths])
    limits, bad_limits = limits_from_config(config)
    infos: list[InputFile] = []
    sheets: list[SheetInfo] = []
    parts: dict[Kind, list[pd.DataFrame]] = {k: [] for k in Kind}
    findings: list[Finding] = list(found) + bad_limits
    screened = {path: screen_file(path, limits, name=name) for path, name in files}  # before any parser
    probed = probe_files([(p, n) for p, n in files if not screened[p] and needs_probe(p, limits)], limits)
    for path, name in files:
        refused = screened[path] or probed.get(path, [])  # zip bombs, entities, macros, parser crashes …
        if refused:
            infos.append(file_info(path, name))
            findings.extend(refused)
            continue
        info: InputFile | None = None
        file_sheets: list[SheetInfo] = []
        file_parts: list[tuple[Kind, pd.DataFrame]] = []
        file_findings: list[Finding] = []
        try:
            with parse_budget(limits):
                loaded = load_file(path, name, limits.max_file_bytes)
                info = loaded.info
                file_findings.extend(loaded.findings)
                for raw in loaded.sheets:
                    result = read_sheet(raw, name, len(sheets) + len(file_sheets))
                    file_findings.extend(result.findings)
                    if result.info is not None and result.frame is not None and result.kind is not None:
                        file_sheets.append(result.info)
                        file_parts.append((result.kind, result.frame))
        except TimeBudgetExceeded as exc:
            file_findings.append(finding(Code.DATEI_ZU_GROSS, SourceRef(name), grund=str(exc)))
            file_sheets, file_parts = [], []
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - any failure inside one file (also a Rust panic) is a finding
            grund = " ".join(str(exc).split())[:160] or type(exc).__name__
            file_findings.append(finding(Code.DATEI_UNLESBAR, SourceRef(name), grund=grund))
            file_sheets, file_parts = [], []
        finally:
            release(path)
        infos.append(info if info is not None else file_info(path, name))
        findings.extend(file_findings)
        sheets.extend(file_sheets)
        for kind, frame in file_parts:
            parts[kind].append(frame)
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

"""The read stage: case folders and files → canonical frames per sheet kind, with a source for every row."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kimrecon.findings import Code, Finding, SourceRef, finding
from kimrecon.inputs import REQUIRED_KINDS, CaseInputs, InputFile, Kind, SheetInfo
from kimrecon.read.failure import nothing_to_check
from kimrecon.read.files import EAGER_MAX_BYTES, Sheets, discover, load_file, release
from kimrecon.read.guard import (
    Limits,
    TimeBudgetExceeded,
    check_in_order,
    file_info,
    limits_from_config,
    parse_budget,
)
from kimrecon.read.sheet import (
    SheetResult,
    canonical_of_many,
    deferred_parsing,
    empty_frame,
    finish_pending,
    finish_sheet,
    parse_pending,
    read_sheet,
)
from kimrecon.read.versions import SheetFacts, settle_lists

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
    facts: dict[int, SheetFacts] = {}  # sheet index -> Stand, title, layout
    findings: list[Finding] = list(found) + bad_limits
    # screened before any parser opens them, probed in a child while this process reads: get(path) waits for one file
    checked = check_in_order(files, limits, cells_up_to=EAGER_MAX_BYTES)  # small ones: the child's cells
    chunk: list[_FileRead] = []
    chunk_rows = chunk_sheets = 0

    def commit(recs: list[_FileRead]) -> None:
        try:
            done, chunk_parts = _finish_files(recs)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:  # noqa: BLE001 - batched parsing failed: read these files one by one, as ever
            base = len(sheets)
            done, chunk_parts = [], []
            for rec in recs:
                deferred = any(isinstance(it, SheetResult) and it.pending for it in rec.items)
                again = _read_file(rec.path, rec.name, limits, [], base, defer=False) if deferred else rec
                one, one_parts = _finish_files([again])
                done.extend(one)
                chunk_parts.extend(one_parts)
                base += len(one[0][2])
        for info, file_findings, file_sheets, file_facts in done:
            infos.append(info)
            findings.extend(file_findings)
            facts.update({len(sheets) + i: f for i, f in enumerate(file_facts) if f is not None})
            sheets.extend(file_sheets)
        for kind, frame in chunk_parts:
            parts[kind].append(frame)

    try:
        for path, name in files:
            refused = checked.get(path, [])  # zip bombs, entities, macros, parser crashes …
            rec = _read_file(path, name, limits, refused, len(sheets) + chunk_sheets, defer=True,
                             cells=checked.cells(path), facts=checked.facts(path))
            chunk.append(rec)
            chunk_rows += rec.rows
            chunk_sheets += rec.n_sheets
            if chunk_rows >= CHUNK_ROWS:
                commit(chunk)
                chunk, chunk_rows, chunk_sheets = [], 0, 0
    finally:
        checked.close()  # stopped before the last file (e.g. Ctrl+C): end the child now, not when collected
    commit(chunk)
    frames: dict[Kind, pd.DataFrame] = {}
    for kind in Kind:
        chunks = [f for f in parts[kind] if len(f)]
        frames[kind] = pd.concat(chunks, ignore_index=True) if chunks else empty_frame(kind)
    findings.extend(settle_lists(frames, sheets, infos, facts, config))
    sheets = [dataclasses.replace(s, stand=facts[i].stand) if i in facts and facts[i].stand else s
              for i, s in enumerate(sheets)]
    if any_folder:
        present = {s.kind for s in sheets}
        for kind in REQUIRED_KINDS:
            if kind not in present:
                where = SourceRef(Path(paths[0]).name) if paths else None
                findings.append(finding(Code.BLATT_FEHLT, where, art=kind.label))
    findings.extend(nothing_to_check(findings, sheets, paths))
    return CaseInputs(
        files=tuple(infos),
        sheets=tuple(sheets),
        frames=frames,
        findings=tuple(findings),
        config=config,
    )


CHUNK_ROWS = 100_000  # rows of pending sheets parsed together (bounds the raw cells held at once)


@dataclass
class _FileRead:
    """One file after finding its sheets' headers and rows: findings and sheets in file order."""

    path: Path
    name: str
    info: InputFile
    items: list[Finding | SheetResult]
    n_sheets: int  # sheets that will be read (each gets the next sheet index)
    rows: int  # rows still to parse


def _read_file(path: Path, name: str, limits: Limits, refused: list[Finding], base: int, *,
               defer: bool, cells: Sheets | None = None, facts: dict[str, Any] | None = None) -> _FileRead:
    """Load one file and read its sheets; with ``defer`` the column parsing is left to ``_finish_files``.

    ``cells``: the workbook's sheets as the probe child read them (``ProbeOutcomes.cells``), if it did;
    ``facts``: what the screen saw of its parts (``ProbeOutcomes.facts``).
    """
    if refused:
        return _FileRead(path, name, file_info(path, name), list(refused), 0, 0)
    info: InputFile | None = None
    items: list[Finding | SheetResult] = []
    n_sheets = rows = 0
    try:
        with parse_budget(limits):
            loaded = load_file(path, name, limits.max_file_bytes, cells=cells, facts=facts)
            info = loaded.info
            items.extend(loaded.findings)
            for raw in loaded.sheets:
                if defer:
                    with deferred_parsing():
                        result = read_sheet(raw, name, base + n_sheets)
                else:
                    result = read_sheet(raw, name, base + n_sheets)
                items.append(result)
                if result.pending is not None:
                    n_sheets += 1
                    rows += len(result.pending.in_wanted) + len(result.pending.summen)
                elif result.info is not None and result.frame is not None and result.kind is not None:
                    n_sheets += 1
    except TimeBudgetExceeded as exc:
        items = [*_findings_only(items), finding(Code.DATEI_ZU_GROSS, SourceRef(name), grund=str(exc))]
        n_sheets = rows = 0
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure inside one file (also a Rust panic) is a finding
        grund = " ".join(str(exc).split())[:160] or type(exc).__name__
        items = [*_findings_only(items), finding(Code.DATEI_UNLESBAR, SourceRef(name), grund=grund)]
        n_sheets = rows = 0
    finally:
        release(path)
    return _FileRead(path, name, info if info is not None else file_info(path, name), items, n_sheets, rows)


def _findings_only(items: list[Finding | SheetResult]) -> list[Finding]:
    """The findings of a file's sheets read before it failed (its sheets are dropped)."""
    out: list[Finding] = []
    for item in items:
        if isinstance(item, Finding):
            out.append(item)
        elif item.pending is not None:
            p = item.pending
            out.extend(finish_sheet(p, parse_pending([p])[0]).findings)
        else:
            out.extend(item.findings)
    return out


def _finish_files(
    recs: list[_FileRead],
) -> tuple[list[tuple[InputFile, list[Finding], list[SheetInfo], list[SheetFacts | None]]],
           list[tuple[Kind, pd.DataFrame]]]:
    """Parse the pending sheets of these files together, then finish every file in order.

    Returns per file its facts, findings, sheets and the sheets' facts, and the canonical frames of all these files
    (per kind, in sheet order: one frame per kind when every sheet was deferred).
    """
    pendings = [it.pending for rec in recs for it in rec.items if isinstance(it, SheetResult) and it.pending]
    parsed = dict(zip([id(p) for p in pendings], parse_pending(pendings), strict=True)) if pendings else {}
    # a sheet parsed on its own (a large one) keeps per-sheet frames for the whole chunk, in sheet order
    batch = not any(isinstance(it, SheetResult) and it.frame is not None for rec in recs for it in rec.items)
    out = []
    chunk_parts: list[tuple[Kind, pd.DataFrame]] = []
    by_kind: dict[Kind, list[tuple[int, pd.Index, dict[str, pd.Series]]]] = {}
    for rec in recs:
        file_findings: list[Finding] = []
        file_sheets: list[SheetInfo] = []
        file_facts: list[SheetFacts | None] = []
        for item in rec.items:
            if isinstance(item, Finding):
                file_findings.append(item)
                continue
            if item.pending and batch:
                p = item.pending
                found, info, cols = finish_pending(p, parsed[id(p)])
                file_findings.extend(found)
                file_sheets.append(info)
                file_facts.append(p.facts)
                by_kind.setdefault(p.spec.kind, []).append((p.sheet_index, p.keep, cols))
                continue
            result = finish_sheet(item.pending, parsed[id(item.pending)]) if item.pending else item
            file_findings.extend(result.findings)
            if result.info is not None and result.frame is not None and result.kind is not None:
                file_sheets.append(result.info)
                file_facts.append(result.facts)
                chunk_parts.append((result.kind, result.frame))
        out.append((rec.info, file_findings, file_sheets, file_facts))
    for kind, many in by_kind.items():
        chunk_parts.append((kind, canonical_of_many(kind, many)))
    return out, chunk_parts

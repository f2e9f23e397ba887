"""One run end to end: read → validate → engine (allocate, entitle, settle) → ledger → write.

The library entry points the CLI calls. Outputs are staged as hidden temporary files in the
output folder and renamed into place only inside the ledger's transaction, so a failed or killed
run leaves neither a half-written workbook nor a partial run in the ledger.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kimrecon.findings import Code, Finding, Severity, finding, has_errors, is_unusable
from kimrecon.inputs import CaseInputs
from kimrecon.month import Month, as_month
from kimrecon.result import Deadline, Result, RunStatus

if TYPE_CHECKING:
    from kimrecon.parameters import Params

Progress = Callable[[str], None]
STAGING_PREFIX = ".~kimrecon-"


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced: the result (if any), the findings and the files written."""

    month: Month
    lauf_id: str
    result: Result | None  # None: the run was refused (Fehler, unusable input, unknown recipient)
    findings: tuple[Finding, ...]
    written: tuple[Path, ...] = ()
    repeat_of: str | None = None

    @property
    def status(self) -> RunStatus:
        """ok | abweichungen | fehler."""
        return self.result.status if self.result is not None else RunStatus.FEHLER

    @property
    def exit_code(self) -> int:
        """The CLI contract, in one place (spec §6a).

        0 reconciled without differences, 1 findings or differences, 2 the requested run could not
        be done (unusable input, or Fehler that stopped it).
        """
        if self.result is None or self.result.status is RunStatus.FEHLER:
            return 2
        if self.result.status is RunStatus.ABWEICHUNGEN:
            return 1
        return 1 if any(f.severity is not Severity.HINWEIS for f in self.findings) else 0


def validation_exit_code(findings: Sequence[Finding]) -> int:
    """Exit code of ``kimrecon validate``: 0 clean (Hinweise only), 1 Fehler or Warnungen, 2 unusable input."""
    if is_unusable(findings):
        return 2
    return 1 if any(f.severity is not Severity.HINWEIS for f in findings) else 0


def run_time() -> datetime:
    """The run's time: ``SOURCE_DATE_EPOCH`` if set (reproducible builds), else now (UTC, whole seconds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).replace(tzinfo=None)
    return datetime.now(tz=UTC).replace(microsecond=0, tzinfo=None)


def make_run_id(inputs: CaseInputs | None, month: Month, when: datetime, outputs: str = "") -> str:
    """A run id from the time and a digest of month, inputs, parameters and requested outputs (stable for a repeat)."""
    digest = hashlib.sha256(f"{month}\0{outputs}".encode() if outputs else str(month).encode())
    if inputs is not None:
        for f in sorted(inputs.files, key=lambda f: f.name):
            digest.update(f"{f.name}\0{f.sha256}\0".encode())
        digest.update(repr(sorted(inputs.config.items(), key=lambda kv: kv[0])).encode())
    return f"{when:%Y%m%d-%H%M%S}-{digest.hexdigest()[:8]}"


def prepare(paths: Sequence[Path], progress: Progress | None = None, *, domain: bool = True,
            read: CaseInputs | None = None) -> tuple[CaseInputs, Params | None]:
    """Read the inputs, check them and load the parameters once for the run.

    With ``domain`` the engine's domain rules run too (``kimrecon validate``); a reconcile runs
    them itself. The findings are collected on the inputs; the parameters are None for unusable input.
    ``read`` is what ``read_case(paths)`` returned for these very files (a long-running process keeps
    it while the files do not change); it is then not read again.
    """
    if read is None:
        from kimrecon.read import read_case

        _tell(progress, "Einlesen")
        read = read_case(list(paths))
    inputs = read
    if is_unusable(inputs.findings):
        return inputs, None
    _tell(progress, "Prüfen")
    return check_inputs(inputs, domain=domain)


def check_inputs(inputs: CaseInputs, *, domain: bool = True) -> tuple[CaseInputs, Params]:
    """Load the parameters and check the inputs: the shape of every sheet, with ``domain`` the engine's rules.

    The findings are added to the inputs' findings.
    """
    from kimrecon.validate import validate_case

    params, param_findings = _parameters(inputs.config)
    found = (*inputs.findings, *param_findings, *validate_case(inputs))
    inputs = dataclasses.replace(inputs, findings=found)
    if domain:
        from kimrecon.engine import check

        inputs = dataclasses.replace(inputs, findings=found + check(inputs, params))
    return inputs, params


_PARAMS: dict[object, tuple[Params, tuple[Finding, ...]]] = {}  # per process: the shipped files are read once


def _parameters(config: Mapping[str, object]) -> tuple[Params, tuple[Finding, ...]]:
    """``load_parameters`` once per process and case configuration (a warm web process reconciles many runs).

    Params and findings are frozen, so runs with an equal ``kimrecon.toml`` share them.
    """
    from kimrecon.parameters import load_parameters

    key = _frozen(config)
    if key not in _PARAMS:
        if len(_PARAMS) >= 64:  # many different configurations: stay bounded
            _PARAMS.clear()
        _PARAMS[key] = load_parameters(config)
    return _PARAMS[key]


def _frozen(value: object) -> object:
    """A hashable key for a parsed TOML value that tells types apart (1 vs 1.0 vs "1", a date vs its text)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(v) for v in value))
    return (type(value).__name__, repr(value))


def read_and_validate(paths: Sequence[Path], progress: Progress | None = None) -> CaseInputs:
    """Read the input files and run every check (shape and domain rules); the findings are on the inputs."""
    return prepare(paths, progress)[0]


def reconcile_case(
    case_dir: Path,
    month: Month | str,
    *,
    out_dir: Path,
    db_url: str | None = None,
    use_ledger: bool = True,
    ledger_dir: Path | None = None,
    nachweis_for: Sequence[tuple[int, str | None]] = (),
    abgleich: bool = True,
    progress: Progress | None = None,
    read: CaseInputs | None = None,
) -> RunOutcome:
    """Reconcile one case folder up to ``month`` and write the Abgleich (and requested Nachweise).

    On a Fehler only the Fehlerbericht is written. ``nachweis_for`` lists (year, recipient) pairs
    for Verwendungsnachweis workbooks written in the same run; recipient None means every
    recipient with a settled edge in that year. ``read``: the case folder as ``read_case`` read it,
    if the caller holds it for the folder's current files (see :func:`prepare`).
    """
    from kimrecon.engine import reconcile

    month = as_month(month)  # library callers may pass "YYYY-MM"; the CLI parses it at its edge
    when = run_time()
    fall = case_dir.resolve().name
    inputs, params = prepare([case_dir], progress, domain=False, read=read)
    # two runs of one case in one second differ by what they write (a report per recipient)
    lauf_id = make_run_id(inputs, month, when, "" if abgleich and not nachweis_for else repr((abgleich, nachweis_for)))
    out_dir = Path(out_dir)
    if params is None or has_errors(inputs.findings):
        if params is not None:  # the Fehlerbericht lists the domain rules' findings too
            from kimrecon.engine import check

            inputs = dataclasses.replace(inputs, findings=inputs.findings + check(inputs, params))
        return _reject(month, lauf_id, inputs.findings, out_dir, inputs, when, fall)

    _tell(progress, "Berechnen")
    result = reconcile(inputs, month, params=params, lauf_id=lauf_id, zeitpunkt=when, fall=fall)
    if result.status is RunStatus.FEHLER:
        return _reject(month, lauf_id, result.befunde, out_dir, inputs, when, fall)

    nachweise, unknown = _resolve_nachweise(result, nachweis_for)
    if unknown:
        bad = tuple(finding(Code.NAME_UNBEKANNT, None, name=name) for name in unknown)
        return RunOutcome(month, lauf_id, None, tuple(result.befunde) + bad)

    ledger = None
    repeat_of = None
    if use_ledger:
        from kimrecon.ledger import open_ledger

        _tell(progress, "Laufbuch")
        if ledger_dir is not None:
            ledger_dir.mkdir(parents=True, exist_ok=True)
        ledger = open_ledger(db_url, ledger_dir or case_dir)
        repeat_of = ledger.find_repeat(result)
        if repeat_of is None:
            result = dataclasses.replace(result, korrekturen=ledger.corrections(result))

    _tell(progress, "Schreiben")
    try:
        staged = _stage_outputs(result, out_dir, abgleich=abgleich, nachweis_for=nachweise)
    except BaseException:
        if ledger is not None:
            ledger.close()
        raise
    # the very same run again (same inputs, parameters, outputs and second, e.g. SOURCE_DATE_EPOCH): it is
    # recorded already under this id, so only its files are published again
    record = ledger is not None and not ledger.has_run(result.lauf_id)
    journal = _journal(out_dir, result.lauf_id, staged) if record else None

    def publish() -> None:
        for tmp, target in staged:
            os.replace(tmp, target)

    try:
        if record and ledger is not None:
            ledger.record(result, publish=publish)
        else:
            publish()
        if journal is not None:
            journal.unlink(missing_ok=True)  # recorded: the published files belong to a run in the ledger
            recover_unrecorded(out_dir, ledger, keep={target.name for _, target in staged})
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                tmp.unlink()
        if ledger is not None:
            ledger.close()  # a long-running web process must not keep a connection per run
    return RunOutcome(
        month, lauf_id, result, tuple(result.befunde), tuple(t for _, t in staged), repeat_of=repeat_of
    )


def _resolve_nachweise(
    result: Result, wanted: Sequence[tuple[int, str | None]]
) -> tuple[list[tuple[int, str]], list[str]]:
    """Resolve requested Nachweise to recipients as written in the Zuweisung; also list unknown names.

    (year, None) means every recipient with a settled edge in that year; a name matches after
    ``normalize_name`` ("kamen" → "Stadt Kamen").
    """
    resolved: list[tuple[int, str]] = []
    unknown: list[str] = []
    if not wanted:  # the usual run: no Verwendungsnachweis, so its writer is not imported
        return resolved, unknown
    from kimrecon.names import normalize_name
    from kimrecon.write.nachweis import nachweis_empfaenger

    for year, name in wanted:
        candidates = nachweis_empfaenger(result, year)
        if name is None:
            resolved.extend((year, n) for n in candidates)
            continue
        match = next((n for n in candidates if normalize_name(n) == normalize_name(name)), None)
        if match is None:
            unknown.append(name)
        else:
            resolved.append((year, match))
    return resolved, unknown


def safe_filename_part(text: str) -> str:
    """A name as a portable file-name part: ASCII letters, digits and hyphens joined by "_"."""
    from kimrecon.write.xlsx import ascii_name

    return re.sub(r"[^A-Za-z0-9-]+", "_", ascii_name(text)).strip("_")[:80] or "Fall"


def abgleich_filename(result: Result) -> str:
    """File name of the Abgleich workbook: the Kreis and the month (two Kreise never share one)."""
    return f"Abgleich_{safe_filename_part(result.kreis)}_{result.monat}.xlsx"


def fehlerbericht_filename(fall: str, month: Month | None) -> str:
    """File name of the Fehlerbericht of a run of a case folder."""
    return f"Fehlerbericht_{safe_filename_part(fall)}" + (f"_{month}.xlsx" if month else ".xlsx")


def _stage_outputs(
    result: Result, out_dir: Path, *, abgleich: bool, nachweis_for: Sequence[tuple[int, str]]
) -> list[tuple[Path, Path]]:
    """Write every output to a hidden temporary file in ``out_dir``; return (temp, target) pairs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale(out_dir)
    staged: list[tuple[Path, Path]] = []
    try:
        if abgleich:
            from kimrecon.write.abgleich import write_abgleich

            target = out_dir / abgleich_filename(result)
            tmp = _staging_name(target)
            write_abgleich(result, tmp)
            staged.append((tmp, target))
        for year, name in nachweis_for:
            from kimrecon.write.nachweis import nachweis_filename, write_nachweis

            target = out_dir / nachweis_filename(year, name)
            tmp = _staging_name(target)
            write_nachweis(result, year, name, tmp)
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    return staged


JOURNAL_PREFIX = ".~kimrecon-lauf-"


def _journal(out_dir: Path, lauf_id: str, staged: Sequence[tuple[Path, Path]]) -> Path:
    """Note, before publishing, which files a run is about to rename into place (with their SHA-256).

    Removed once the run is recorded in the ledger. A journal left behind means the process died
    between renaming and the ledger's COMMIT; ``recover_unrecorded`` settles it on the next run.
    """
    import json

    from kimrecon.write.atomic import write_text_atomic

    files = [{"name": target.name, "sha256": hashlib.sha256(tmp.read_bytes()).hexdigest()} for tmp, target in staged]
    path = out_dir / f"{JOURNAL_PREFIX}{lauf_id}.json"
    write_text_atomic(path, json.dumps({"lauf_id": lauf_id, "dateien": files}))
    return path


def recover_unrecorded(out_dir: Path, ledger: object, keep: frozenset[str] | set[str] = frozenset()) -> list[Path]:
    """Close the window between publishing and the ledger's COMMIT of a killed run, by its run id.

    A run whose id is in the ledger is rolled forward (its files stay, the journal goes); a run
    that never reached the ledger is rolled back: each file it published is removed if it is still
    exactly the file that run wrote (same SHA-256) and not one a recorded run just published
    (``keep``). Returns the files removed.
    """
    import json

    removed: list[Path] = []
    for journal in sorted(Path(out_dir).glob(f"{JOURNAL_PREFIX}*.json")):
        try:
            note = json.loads(journal.read_text(encoding="utf-8"))
            lauf_id, files = str(note["lauf_id"]), list(note["dateien"])
        except (OSError, ValueError, KeyError, TypeError):
            journal.unlink(missing_ok=True)  # unreadable: a journal is only ever written atomically
            continue
        if ledger.run(lauf_id) is None:  # type: ignore[attr-defined]
            for item in files:
                target = Path(out_dir) / Path(str(item["name"])).name
                mine = target.name not in keep and target.is_file()
                if mine and hashlib.sha256(target.read_bytes()).hexdigest() == item["sha256"]:
                    target.unlink()
                    removed.append(target)
        journal.unlink(missing_ok=True)
    return removed


def _staging_name(target: Path) -> Path:
    return target.with_name(f"{STAGING_PREFIX}{os.getpid()}-{target.name}")


def _clean_stale(out_dir: Path) -> None:
    """Remove staging files left by runs that were killed (their process no longer exists)."""
    for p in out_dir.glob(f"{STAGING_PREFIX}*"):
        pid_text = p.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reject(
    month: Month, lauf_id: str, findings: Sequence[Finding], out_dir: Path, inputs: CaseInputs | None,
    when: datetime | None, fall: str,
) -> RunOutcome:
    """Write only the Fehlerbericht for a rejected run."""
    from kimrecon.write.fehlerbericht import write_fehlerbericht

    path = out_dir / fehlerbericht_filename(fall, month)
    if out_dir.is_dir():
        _clean_stale(out_dir)
    write_fehlerbericht(
        list(findings), path, dateien=list(inputs.files) if inputs else [], zeitpunkt=when, lauf_id=lauf_id
    )
    return RunOutcome(month, lauf_id, None, tuple(findings), (path,))


def deadline_list(case_dir: Path, on: date) -> tuple[CaseInputs, tuple[Deadline, ...]]:
    """Read a case and list its deadlines on a date (R9)."""
    from kimrecon.engine import deadlines

    inputs, params = prepare([case_dir])
    if params is None or has_errors(inputs.findings):
        return inputs, ()
    return inputs, deadlines(inputs, on, params=params)


def _tell(progress: Progress | None, stage: str) -> None:
    if progress is not None:
        progress(stage)



def restore_outcome(
    case_dir: Path, month: Month | str, *, out_dir: Path, db_url: str | None = None, ledger_dir: Path | None = None,
    read: CaseInputs | None = None,
) -> RunOutcome | None:
    """The outcome of the month's latest recorded run, computed again without writing or recording anything.

    A long-running process (the web server) keeps outcomes in memory; after a restart its result
    pages come from here. The engine is deterministic, so with the inputs and parameters the ledger's
    fingerprint names, at the run's own time, it gives the recorded figures again. None when no run
    of the month is recorded, the latest one was refused, or the inputs or parameters changed since
    (then the month has to be run again). ``written`` lists the files the run published in ``out_dir``;
    ``read`` as for :func:`prepare`.
    """
    from kimrecon.engine import reconcile
    from kimrecon.ledger import LedgerError, open_ledger

    month = as_month(month)
    fall = case_dir.resolve().name
    try:
        ledger = open_ledger(db_url, ledger_dir or case_dir, create=False)
    except LedgerError:
        return None  # no ledger yet: never run
    with ledger:
        runs = [r for r in ledger.runs(str(month)) if r.fall == fall]
        latest = runs[-1] if runs else None
        if latest is None or latest.status == RunStatus.FEHLER.value:
            return None
        inputs, params = prepare([case_dir], domain=False, read=read)
        if params is None or has_errors(inputs.findings):
            return None
        when = latest.zeitpunkt.astimezone(UTC).replace(tzinfo=None)  # as run_time() gave it
        result = reconcile(inputs, month, params=params, lauf_id="", zeitpunkt=when, fall=fall)
        if ledger.find_repeat(result) != (latest.wiederholung_von or latest.lauf_id):
            return None  # the inputs or parameters are no longer those of the latest run
        detail = ledger.run(latest.lauf_id)
    result = dataclasses.replace(result, lauf_id=latest.lauf_id, korrekturen=detail.korrekturen if detail else ())
    published = latest.zeitpunkt.timestamp() - 1  # files of earlier runs of the month are older than this run
    written = tuple(sorted(p for p in Path(out_dir).glob("*.xlsx")
                           if not p.name.startswith(".") and p.stat().st_mtime >= published))
    return RunOutcome(month, latest.lauf_id, result, tuple(result.befunde), written, repeat_of=latest.wiederholung_von)

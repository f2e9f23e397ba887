"""The thin command line (German): demo, validate, reconcile, report, history, deadlines, template.

Exit codes (spec §6a): 0 everything reconciles, 1 findings or differences, 2 the run could not
be done (unreadable input, bad arguments, internal error).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from kimrecon import __version__
from kimrecon.month import Month
from kimrecon.write.terminal import plain_text
from kimrecon.write.terminal import safe_text as escape  # markup and control characters from inputs

app = typer.Typer(
    name="kimrecon",
    help="Abgleich weitergeleiteter KIM-Fördermittel (Baustein II): Kreis → Kommunen.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


class _LazyConsole:
    """A rich Console created on first use, so that `--json` runs never import rich (start-up time)."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: object | None = None

    def __getattr__(self, name: str) -> object:
        if self._console is None:
            from rich.console import Console

            console = Console(stderr=self._stderr, highlight=False, emoji=False)  # ":x:" in a name stays text
            if not console.is_terminal:  # files and pipes: no wrapping at 80 columns
                console = Console(stderr=self._stderr, highlight=False, emoji=False, width=200)
            self._console = console
        return getattr(self._console, name)


out_console: Any = _LazyConsole(stderr=False)
err_console: Any = _LazyConsole(stderr=True)

OutOpt = Annotated[Path, typer.Option("--out", help="Ausgabeordner.")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="KIMRECON_DB", help="Laufbuch (SQLAlchemy-URL); Vorgabe: kimrecon.sqlite im Fall."),
]


class UsageError(Exception):
    """A wrong argument, reported in German with exit code 2."""


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Bei internen Fehlern den Python-Traceback zeigen.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Version anzeigen.")] = False,
) -> None:
    """Abgleich weitergeleiteter KIM-Fördermittel (Baustein II): Kreis → Kommunen."""
    _state["debug"] = debug
    if version:
        out_console.print(f"kimrecon {__version__}")
        raise typer.Exit(0)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[object]:
    """A spinner on the terminal (stderr); silent when not a terminal or for --json."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console,
                  transient=True) as bar:
        task = bar.add_task("Start", total=None)
        yield lambda stage: bar.update(task, description=stage)


def _month(text: str) -> Month:
    from kimrecon.month import parse_month

    month = parse_month(text)
    if month is None:
        raise UsageError(f"„{text}“ ist kein Monat. Bitte als JJJJ-MM angeben, z. B. 2023-12.")
    return month


def _case_dir(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"Der Ordner „{path}“ existiert nicht.")
    if not path.is_dir():
        raise UsageError(f"„{path}“ ist kein Ordner. Bitte den Fallordner mit den Arbeitsmappen angeben.")
    return path


def _print_written(paths: tuple[Path, ...]) -> None:
    for p in paths:
        out_console.print(f"geschrieben: {escape(str(p))}")


def _finish_outcome(outcome: object, *, as_json: bool, what: str = "Der Abgleich wurde nicht durchgeführt") -> int:
    from kimrecon.pipeline import RunOutcome
    from kimrecon.write import terminal
    from kimrecon.write.json_out import dumps, failure_json, result_json

    assert isinstance(outcome, RunOutcome)
    if as_json:
        if outcome.result is not None:
            obj = result_json(outcome.result)
            if outcome.repeat_of:
                obj["wiederholung_von"] = outcome.repeat_of
        else:
            obj = failure_json(str(outcome.month), outcome.lauf_id, outcome.findings)
        sys.stdout.write(dumps(obj) + "\n")
        return outcome.exit_code
    if outcome.result is None:
        terminal.print_findings(out_console, outcome.findings)
        where = f"; siehe Fehlerbericht {outcome.written[0]}" if outcome.written else ""
        err_console.print(f"[red]{what}{where}.[/red]")
    else:
        if outcome.findings:
            terminal.print_findings(out_console, outcome.findings, limit=20)
        terminal.print_summary(out_console, outcome.result)
        if outcome.repeat_of:
            out_console.print(f"Wiederholung von Lauf {outcome.repeat_of}: gleiche Eingaben, gleiche Ergebnisse.")
    _print_written(outcome.written)
    return outcome.exit_code


@app.command()
def demo(out: OutOpt = Path("out")) -> None:
    """Das mitgelieferte Beispiel „Kreis Unna 2023“ vollständig abgleichen."""
    from kimrecon.pipeline import reconcile_case
    from kimrecon.resources import example_case

    case = example_case()
    out_console.print(f"Beispiel: {escape(str(case))}")
    with _progress(True) as tell:
        outcome = reconcile_case(
            case, Month(2023, 12), out_dir=out, use_ledger=True, ledger_dir=out,
            nachweis_for=[(2023, "Stadt Kamen")], progress=tell,  # type: ignore[arg-type]
        )
    code = _finish_outcome(outcome, as_json=False)
    raise typer.Exit(0 if outcome.result is not None else code)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Arbeitsmappen oder Fallordner.")],
    report: Annotated[Path | None, typer.Option("--report", help="Fehlerbericht als .xlsx schreiben.")] = None,
) -> None:
    """Eingaben prüfen und Befunde mit Datei, Blatt und Zelle ausgeben."""
    from kimrecon.findings import Severity, is_unusable
    from kimrecon.pipeline import read_and_validate
    from kimrecon.write import terminal

    for p in paths:
        if not p.exists():
            raise UsageError(f"„{p}“ existiert nicht.")
    inputs = read_and_validate(paths)
    findings = list(inputs.findings)
    terminal.print_findings(out_console, findings, limit=None)
    if report is not None:
        from kimrecon.write.fehlerbericht import write_fehlerbericht

        write_fehlerbericht(findings, report, dateien=list(inputs.files))
        out_console.print(f"geschrieben: {escape(str(report))}")
    if is_unusable(findings):
        raise typer.Exit(2)
    raise typer.Exit(1 if any(f.severity is Severity.FEHLER for f in findings) else 0)


@app.command()
def reconcile(
    case_dir: Annotated[Path, typer.Argument(help="Fallordner mit den Arbeitsmappen.")],
    month: Annotated[str, typer.Option("--month", help="Abrechnungsmonat JJJJ-MM.")],
    out: OutOpt = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="Ergebnis als JSON auf stdout.")] = False,
    db: DbOpt = None,
    no_ledger: Annotated[bool, typer.Option("--ohne-laufbuch", help="Den Lauf nicht im Laufbuch festhalten.")] = False,
) -> None:
    """Monatsabgleich eines Falls: Abgleich-Arbeitsmappe, Zusammenfassung oder JSON."""
    from kimrecon.pipeline import reconcile_case

    m = _month(month)
    case = _case_dir(case_dir)
    with _progress(not as_json) as tell:
        outcome = reconcile_case(case, m, out_dir=out, db_url=db, use_ledger=not no_ledger,
                                 progress=tell)  # type: ignore[arg-type]
    raise typer.Exit(_finish_outcome(outcome, as_json=as_json))


@app.command()
def report(
    case_dir: Annotated[Path, typer.Argument(help="Fallordner mit den Arbeitsmappen.")],
    year: Annotated[int, typer.Option("--year", help="Bezugsjahr JJJJ.")],
    recipient: Annotated[str | None, typer.Option("--recipient", help="Nur diesen Empfänger.")] = None,
    out: OutOpt = Path("out"),
) -> None:
    """Verwendungsnachweis je Empfänger und Jahr schreiben."""
    from kimrecon.pipeline import reconcile_case

    case = _case_dir(case_dir)
    if not 2000 <= year <= 2100:
        raise UsageError(f"„{year}“ ist kein plausibles Jahr.")
    with _progress(True) as tell:
        outcome = reconcile_case(case, Month(year, 12), out_dir=out, use_ledger=False, abgleich=False,
                                 nachweis_for=[(year, recipient)], progress=tell)  # type: ignore[arg-type]
    if outcome.result is None:
        raise typer.Exit(_finish_outcome(outcome, as_json=False, what="Der Verwendungsnachweis wurde nicht erstellt"))
    _print_written(outcome.written)
    raise typer.Exit(0)


@app.command()
def history(
    db: DbOpt = None,
    fall: Annotated[Path, typer.Option("--fall", help="Fallordner (Ort des Laufbuchs kimrecon.sqlite).")] = Path("."),
    month: Annotated[str | None, typer.Option("--month", help="Nur Läufe dieses Monats (JJJJ-MM).")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Einen Lauf mit Eingaben und Befunden zeigen.")] = None,
) -> None:
    """Frühere Läufe aus dem Laufbuch anzeigen."""
    from kimrecon.ledger import open_ledger, render_history, render_run

    ledger = open_ledger(db, fall, create=False)
    if run:
        detail = ledger.run(run)
        if detail is None:
            err_console.print(f"Lauf „{escape(run)}“ ist im Laufbuch nicht vorhanden.")
            raise typer.Exit(1)
        sys.stdout.write(plain_text(render_run(detail)) + "\n")
        raise typer.Exit(0)
    sys.stdout.write(plain_text(render_history(ledger.runs(str(_month(month)) if month else None))) + "\n")


@app.command()
def deadlines(
    case_dir: Annotated[Path, typer.Argument(help="Fallordner mit den Arbeitsmappen.")],
    on: Annotated[str | None, typer.Option("--on", help="Stichtag TT.MM.JJJJ oder JJJJ-MM-TT; Vorgabe: heute.")] = None,
) -> None:
    """Nachweisfristen: fällig, bald fällig (≤ 30 Tage) und versäumt."""
    from kimrecon.pipeline import deadline_list
    from kimrecon.write import terminal

    day = _parse_day(on) if on else date.today()
    inputs, items = deadline_list(_case_dir(case_dir), day)
    from kimrecon.findings import has_errors

    if has_errors(inputs.findings):
        terminal.print_findings(out_console, inputs.findings)
        raise typer.Exit(1)
    from rich.table import Table

    table = Table(title=f"Nachweisfristen am {day:%d.%m.%Y}")
    for col in ("Empfänger", "an", "Jahr", "Frist", "Status", "Tage"):
        table.add_column(col)
    late = False
    for d in sorted(items, key=lambda d: (d.frist, d.empfaenger)):
        status = d.status.value
        late = late or status in ("versäumt", "nahe")
        style = {"versäumt": "red", "nahe": "yellow", "verspätet eingegangen": "yellow"}.get(status, "")
        table.add_row(escape(d.empfaenger), escape(d.geber), str(d.jahr), f"{d.frist:%d.%m.%Y}",
                      f"[{style}]{status}[/{style}]" if style else status, str(d.tage_bis))
    out_console.print(table)
    raise typer.Exit(1 if late else 0)


@app.command()
def template(
    kind: Annotated[str, typer.Argument(help="Art: bescheid, zuweisung, schluessel, besetzung, zahlungen, "
                                             "rueckforderungen, vertrag.")],
    out: Annotated[Path, typer.Option("--out", help="Zieldatei .xlsx.")],
) -> None:
    """Leere Eingabevorlage einer Tabellenart schreiben."""
    from kimrecon.templates import TEMPLATE_KINDS, write_template

    key = kind.strip().lower()
    if key not in TEMPLATE_KINDS:
        raise UsageError(f"Unbekannte Art „{kind}“. Möglich: {', '.join(TEMPLATE_KINDS)}.")
    write_template(TEMPLATE_KINDS[key], out)
    out_console.print(f"geschrieben: {escape(str(out))}")


def _parse_day(text: str) -> date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UsageError(f"„{text}“ ist kein Datum. Bitte als TT.MM.JJJJ angeben.")


_CLICK_DE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Missing option '([^']+)'.*"), "Die Option „{0}“ fehlt."),
    (re.compile(r"Missing argument '([^']+)'.*"), "Das Argument „{0}“ fehlt."),
    (re.compile(r"No such command '([^']+)'\.(?: Did you mean '([^']+)'\?)?"), "Unbekannter Befehl „{0}“."),
    (re.compile(r"No such option: (\S+).*"), "Unbekannte Option „{0}“."),
    (re.compile(r"Invalid value for '([^']+)'.*", re.S), "Ungültiger Wert für „{0}“."),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "Unerwartete zusätzliche Argumente: {0}."),
    (re.compile(r"Missing command\.?"), "Bitte einen Befehl angeben."),
]


def german_usage_message(message: str) -> str:
    """Translate the argument parser's English messages into German (unknown ones pass through)."""
    for pattern, template in _CLICK_DE:
        m = pattern.fullmatch(message.strip())
        if m:
            text = template.format(*(g or "" for g in m.groups()))
            if len(m.groups()) > 1 and m.group(2):
                text += f" Meinten Sie „{m.group(2)}“?"
            return text
    return message


def main() -> None:
    """Console entry point: run the app, turning errors into German messages and exit codes."""
    try:
        rv = app(standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except UsageError as exc:
        err_console.print(f"[red]Fehler:[/red] {escape(str(exc))}")
        sys.exit(2)
    except OSError as exc:
        reason, where = escape(str(exc.strerror or exc)), escape(str(exc.filename or ""))
        err_console.print(f"[red]Datei- oder Ordnerfehler:[/red] {reason} ({where})")
        err_console.print("Bitte Pfad und Schreibrechte prüfen; Eingaben wurden nicht verändert.")
        sys.exit(2)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err_console.print("Abgebrochen.")
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback for users
        from typer.exceptions import Abort, TyperException

        if type(exc).__name__ == "NoArgsIsHelpError":
            out_console.print(exc.format_message())  # type: ignore[attr-defined]
            sys.exit(0)
        if isinstance(exc, TyperException):
            err_console.print(
                f"[red]Fehler in den Argumenten:[/red] {escape(german_usage_message(exc.format_message()))}"
            )
            err_console.print("Hilfe: kimrecon --help")
            sys.exit(2)
        if isinstance(exc, Abort):
            sys.exit(2)
        from kimrecon.ledger import LedgerError

        if isinstance(exc, LedgerError):
            err_console.print(f"[red]Laufbuch:[/red] {escape(str(exc))}")
            sys.exit(2)
        if _state["debug"]:
            raise
        _internal_error(exc)
    except BaseException as exc:  # noqa: BLE001 - a Rust panic in a parser (pyo3 PanicException) is no Exception
        if _state["debug"]:
            raise
        _internal_error(exc)


def _internal_error(exc: BaseException) -> None:
    """Report an unexpected error in one German line (text from inputs escaped) and exit with code 2."""
    err_console.print(f"[red]Interner Fehler:[/red] {type(exc).__name__}: {escape(str(exc))}")
    err_console.print("Mit --debug erneut ausführen, um Details zu sehen; Eingaben wurden nicht verändert.")
    sys.exit(2)


if __name__ == "__main__":
    main()

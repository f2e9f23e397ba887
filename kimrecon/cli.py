"""The thin command line (German): demo, validate, reconcile, report, history, deadlines, template, serve, benutzer.

Built on ``argparse`` (standard library, quick to import) with a German help frame and German argument
errors. Exit codes: 0 reconciled without differences, 1 findings or differences, 2 the requested run
could not be done (unusable input, wrong arguments, a Fehler that stopped the run, internal error).
Runs take their code from ``RunOutcome.exit_code``, validate from ``validation_exit_code`` (both in
the pipeline) and deadlines from :func:`deadline_exit_code`.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from kimrecon import __version__

if TYPE_CHECKING:  # imported on use: start-up time of --help
    from kimrecon.month import Month
    from kimrecon.result import Deadline

DESCRIPTION = "Abgleich weitergeleiteter KIM-Fördermittel (Baustein II): Kreis → Kommunen."
EXIT_CODES = """\
Rückgabewerte:
  0  abgeglichen, keine Abweichungen (validate: keine Befunde; deadlines: nichts fällig)
  1  Befunde oder Abweichungen (deadlines: eine Frist versäumt oder in Kürze fällig)
  2  Lauf nicht möglich: unbrauchbare Eingabe, falsche Argumente oder ein Fehler in den Eingaben"""


OS_ERRORS = {  # the system's own text is English on most servers
    errno.ENOENT: "Datei oder Ordner nicht gefunden",
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "keine Berechtigung",
    errno.ENOSPC: "kein Speicherplatz mehr auf dem Laufwerk",
    errno.EROFS: "das Laufwerk ist schreibgeschützt",
    errno.EISDIR: "ein Ordner, keine Datei",
    errno.ENOTDIR: "ein Teil des Pfads ist kein Ordner",
    errno.EEXIST: "es gibt dort schon eine Datei oder einen Ordner dieses Namens",
    errno.ENAMETOOLONG: "der Name ist zu lang",
}


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


def escape(text: object) -> str:
    """Text from an input for the terminal: markup escaped, control characters shown as hex codes."""
    from kimrecon.write.terminal import safe_text  # imported on use: start-up time of --help

    return safe_text(text)


class UsageError(Exception):
    """A wrong argument, reported in German with exit code 2 (``hilfe``: the command whose help to point to)."""

    def __init__(self, message: str, *, hilfe: str | None = None) -> None:
        super().__init__(message)
        self.hilfe = hilfe


# ------------------------------------------------------------------------------------------------
# the German argparse frame


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """German usage prefix; required options say so."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Aufruf: " if prefix is None else prefix)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.nargs == argparse.PARSER:  # argparse measures command names one indent short
            self._action_max_length = max(self._action_max_length, *(len(n) + 4 for n in action.choices or ()))

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.required and action.option_strings:
            text = text.removesuffix(".") + " (erforderlich)."
        return text


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser with German headings, a German help option and German errors."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(formatter_class=_Formatter, add_help=False, allow_abbrev=False, **kwargs)
        self._positionals.title = "Argumente"
        self._optionals.title = "Optionen"
        self.add_argument("-h", "--help", action="help", help="Diese Hilfe anzeigen und beenden.")

    def error(self, message: str) -> NoReturn:
        raise UsageError(german_usage_message(message), hilfe=self.prog)


def _typed(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a converter that raises UsageError (its German text becomes the error)."""

    def wrapped(text: str) -> Any:
        try:
            return convert(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    wrapped.__name__ = convert.__name__
    return wrapped


def _month(text: str) -> Month:
    from kimrecon.month import parse_month

    month = parse_month(text)
    if month is None:
        raise UsageError(f"„{text}“ ist kein Monat. Bitte als JJJJ-MM angeben, z. B. 2023-12.")
    return month


def _parse_day(text: str) -> date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UsageError(f"„{text}“ ist kein Datum. Bitte als TT.MM.JJJJ angeben.")


def _year(text: str) -> int:
    if not text.strip().isdigit() or not 2000 <= int(text) <= 2100:
        raise UsageError(f"„{text}“ ist kein plausibles Jahr. Bitte als JJJJ angeben, z. B. 2023.")
    return int(text)


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise UsageError(f"„{text}“ ist keine gültige Portnummer (1 bis 65535).")
    return int(text)


def _quote(names: Sequence[str]) -> str:
    return ", ".join(f"„{n}“" for n in names)


def _required(names: str) -> str:
    parts = [n.strip() for n in names.split(", ") if n.strip()]
    return " ".join(f"Die Option „{n}“ fehlt." if n.startswith("-") else f"Das Argument „{n}“ fehlt." for n in parts)


def _invalid_choice(name: str, value: str, choices: str) -> str:
    options = re.findall(r"'([^']*)'", choices)
    text = f"Unbekannter Befehl „{value}“." if name == "BEFEHL" else f"Ungültiger Wert „{value}“ für „{name}“."
    close = difflib.get_close_matches(value, options, n=1)
    return text + (f" Meinten Sie „{close[0]}“?" if close else f" Möglich: {', '.join(options)}.")


def _unrecognized(tokens: str) -> str:
    parts = tokens.split()
    options = [p for p in parts if p.startswith("-")]  # an unknown option's value follows it
    if options:
        return f"Unbekannte Option{'' if len(options) == 1 else 'en'} {_quote(options)}."
    return f"Unerwartete zusätzliche Argumente: {' '.join(parts)}."


_ARGPARSE_DE: list[tuple[re.Pattern[str], Callable[..., str]]] = [
    (re.compile(r"the following arguments are required: (.*)"), _required),
    (re.compile(r"argument (\S+): expected (?:one|at least one) argument"),
     "Die Option „{}“ braucht einen Wert.".format),
    (re.compile(r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)"), _invalid_choice),
    (re.compile(r"argument (\S+): invalid \S+ value: '(.*)'"), "Ungültiger Wert „{1}“ für „{0}“.".format),
    (re.compile(r"argument (\S+): ignored explicit argument '(.*)'"), "Die Option „{}“ nimmt keinen Wert an.".format),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"),
     "Die Optionen „{}“ und „{}“ schließen einander aus.".format),
    (re.compile(r"unrecognized arguments: (.*)"), _unrecognized),
    (re.compile(r"ambiguous option: (\S+) could match .*"), "Die Option „{}“ ist mehrdeutig.".format),
    (re.compile(r"argument (\S+): (.*)"), "Ungültiger Wert für „{}“: {}".format),  # our converters' German text
]


def german_usage_message(message: str) -> str:
    """Translate argparse's English error messages into German (an unknown one passes through)."""
    for pattern, render in _ARGPARSE_DE:
        m = pattern.fullmatch(message.strip())
        if m:
            return render(*m.groups())
    return message


def _parser() -> _Parser:
    """The whole command line: one German parser per command."""
    top = _Parser(prog="kimrecon", description=DESCRIPTION, epilog=EXIT_CODES)
    top.add_argument("--version", action="version", version=f"kimrecon {__version__}",
                     help="Version anzeigen und beenden.")
    top.add_argument("--debug", action="store_true",
                     help="Bei internen Fehlern die vollständige Python-Aufrufliste zeigen.")
    sub = top.add_subparsers(title="Befehle", dest="befehl", metavar="BEFEHL", parser_class=_Parser)

    def command(name: str, summary: str, handler: Callable[[argparse.Namespace], int], text: str = "") -> _Parser:
        p: _Parser = sub.add_parser(name, help=summary, description=textwrap.fill(f"{summary} {text}".strip(), 78))
        p.set_defaults(handler=handler)
        return p

    def out_option(p: _Parser) -> None:
        p.add_argument("--out", type=Path, default=Path("out"), metavar="ORDNER",
                       help="Ausgabeordner (Vorgabe: %(default)s).")

    def db_option(p: _Parser, where: str = "im Fall") -> None:
        p.add_argument("--db", metavar="URL", help="Laufbuch als SQLAlchemy-URL (Vorgabe: Umgebungsvariable "
                                                   f"KIMRECON_DB, sonst kimrecon.sqlite {where}).")

    p = command("demo", "Das mitgelieferte Beispiel „Kreis Unna 2023“ vollständig abgleichen.", _cmd_demo)
    out_option(p)

    p = command("validate", "Eingaben prüfen und Befunde mit Datei, Blatt und Zelle ausgeben.", _cmd_validate,
                "Rückgabewert 0 ohne Befunde, 1 mit Befunden, 2 bei unbrauchbaren Eingaben.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PFAD", help="Arbeitsmappen oder Fallordner.")
    p.add_argument("--report", type=Path, metavar="DATEI", help="Fehlerbericht als .xlsx schreiben.")
    p.add_argument("--json", dest="as_json", action="store_true",
                   help="Befunde als JSON auf der Standardausgabe (status, befunde).")

    p = command("reconcile", "Monatsabgleich eines Falls: Abgleich-Arbeitsmappe, Zusammenfassung oder JSON.",
                _cmd_reconcile, "Rückgabewert 0 ohne Abweichungen, 1 mit Befunden oder Abweichungen, 2 wenn der "
                                "Abgleich nicht möglich war.")
    p.add_argument("case_dir", type=Path, metavar="FALLORDNER", help="Fallordner mit den Arbeitsmappen.")
    p.add_argument("--month", type=_typed(_month), required=True, metavar="MONAT", help="Abrechnungsmonat JJJJ-MM.")
    out_option(p)
    p.add_argument("--json", dest="as_json", action="store_true", help="Ergebnis als JSON auf der Standardausgabe.")
    db_option(p)
    p.add_argument("--ohne-laufbuch", dest="no_ledger", action="store_true",
                   help="Den Lauf nicht im Laufbuch festhalten.")

    p = command("report", "Verwendungsnachweis je Empfänger und Jahr schreiben.", _cmd_report,
                "Rückgabewert 0, wenn die Nachweise geschrieben wurden, sonst 2.")
    p.add_argument("case_dir", type=Path, metavar="FALLORDNER", help="Fallordner mit den Arbeitsmappen.")
    p.add_argument("--year", type=_typed(_year), required=True, metavar="JAHR", help="Bezugsjahr JJJJ.")
    p.add_argument("--recipient", metavar="NAME", help="Nur diesen Empfänger (Vorgabe: alle).")
    out_option(p)
    db_option(p)
    p.add_argument("--ohne-laufbuch", dest="no_ledger", action="store_true",
                   help="Den Lauf nicht im Laufbuch festhalten (die Lauf-ID ist dann in keinem Laufbuch zu finden).")
    p.add_argument("--pdf", action="store_true",
                   help="Neben jede Arbeitsmappe eine PDF-Datei schreiben (mit LibreOffice, falls installiert).")

    p = command("history", "Frühere Läufe aus dem Laufbuch anzeigen.", _cmd_history)
    db_option(p)
    p.add_argument("--fall", type=Path, default=Path("."), metavar="FALLORDNER",
                   help="Fallordner, in dem das Laufbuch kimrecon.sqlite liegt (Vorgabe: aktueller Ordner).")
    p.add_argument("--month", type=_typed(_month), metavar="MONAT", help="Nur Läufe dieses Monats (JJJJ-MM).")
    p.add_argument("--run", dest="lauf", metavar="LAUF", help="Einen Lauf mit Eingaben und Befunden zeigen.")

    p = command("deadlines", "Nachweisfristen: fällig, bald fällig und versäumt.", _cmd_deadlines,
                "Rückgabewert 0, wenn keine Frist versäumt oder in Kürze fällig ist, sonst 1; 2 wenn die Eingaben "
                "Fehler enthalten.")
    p.add_argument("case_dir", type=Path, metavar="FALLORDNER", help="Fallordner mit den Arbeitsmappen.")
    p.add_argument("--on", type=_typed(_parse_day), metavar="DATUM",
                   help="Stichtag TT.MM.JJJJ oder JJJJ-MM-TT (Vorgabe: heute).")
    p.add_argument("--json", dest="as_json", action="store_true",
                   help="Fristen als JSON-Liste auf der Standardausgabe.")

    p = command("template", "Leere Eingabevorlage einer Tabellenart schreiben.", _cmd_template)
    p.add_argument("kind", metavar="ART", help="Tabellenart: bescheid, zuweisung, schluessel, besetzung, zahlungen, "
                                               "rueckforderungen, vertrag, nachweise.")
    p.add_argument("--out", type=Path, required=True, metavar="DATEI", help="Zieldatei .xlsx.")

    p = command("serve", "Die Weboberfläche starten (im Browser unter http://127.0.0.1:8000).", _cmd_serve)
    p.add_argument("--host", default="127.0.0.1", metavar="ADRESSE",
                   help="Adresse des Servers (Vorgabe: %(default)s).")
    p.add_argument("--port", type=_typed(_port), default=8000, metavar="PORT", help="Port (Vorgabe: %(default)s).")
    p.add_argument("--daten", type=Path, metavar="ORDNER",
                   help="Ordner für Fälle und Laufbuch (Vorgabe: Datenordner des Benutzers).")
    db_option(p, "im Datenordner")
    p.add_argument("--beispiel", action="store_true", help="Das Beispiel „Kreis Unna 2023“ vorab laden.")
    p.add_argument("--hostname", action="append", default=[], metavar="NAME",
                   help="Host-Name, unter dem der Server erreichbar ist (z. B. kim.kreis-unna.de; mehrfach möglich).")
    p.add_argument("--https", action="store_true",
                   help="Der Server steht hinter einem TLS-Proxy: Sitzungs-Cookies nur über HTTPS senden.")
    p.add_argument("--proxy", action="append", default=[], metavar="ADRESSE",
                   help="Adresse oder Netz eines vertrauenswürdigen Reverse-Proxys (X-Forwarded-For, "
                        "Anmeldekopfzeile; mehrfach möglich).")
    p.add_argument("--sso-kopfzeile", metavar="NAME",
                   help="Kopfzeile, in der ein vertrauenswürdiger Proxy den angemeldeten Benutzer nennt "
                        "(z. B. X-Remote-User; nur zusammen mit --proxy).")
    p.add_argument("--sitzung-minuten", type=_typed(_minutes), default=30, metavar="N",
                   help="Abmeldung nach so vielen Minuten ohne Anfrage (Vorgabe: %(default)s).")

    _benutzer_parser(command)
    return top


def _minutes(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 24 * 60:
        raise UsageError(f"„{text}“ ist keine gültige Minutenzahl (1 bis 1440).")
    return int(text)


def _benutzer_parser(command: Callable[..., _Parser]) -> None:
    """`kimrecon benutzer …`: the accounts of the web server."""
    top = command("benutzer", "Benutzerkonten der Weboberfläche verwalten.", _cmd_benutzer,
                  "Sobald ein Konto besteht, verlangt der Server für jede Seite und jede API-Anfrage eine Anmeldung. "
                  "Passwörter werden nie als Argument übergeben: sie werden abgefragt oder von der Standardeingabe "
                  "gelesen.")
    sub = top.add_subparsers(title="Aktionen", dest="aktion", metavar="AKTION", parser_class=_Parser)

    def action(name: str, summary: str, with_name: bool = True) -> _Parser:
        p: _Parser = sub.add_parser(name, help=summary, description=summary)
        if with_name:
            p.add_argument("name", metavar="NAME", help="Benutzername.")
        p.add_argument("--daten", type=Path, metavar="ORDNER",
                       help="Datenordner des Servers (wie bei „kimrecon serve“; Vorgabe: Datenordner des Benutzers).")
        p.add_argument("--db", metavar="URL",
                       help="Datenbank als SQLAlchemy-URL, wie bei „kimrecon serve“ (Vorgabe: Umgebungsvariable "
                            "KIMRECON_DB, sonst kimrecon.sqlite im Datenordner).")
        return p

    p = action("anlegen", "Ein Konto anlegen; das Passwort wird abgefragt oder von der Standardeingabe gelesen.")
    p.add_argument("--rolle", required=True, choices=["kreis", "kommune", "pruefer"],
                   help="kreis, kommune oder pruefer.")
    p.add_argument("--stelle", metavar="STELLE",
                   help="Die Stelle, wie sie in den Tabellen heißt, z. B. „Stadt Kamen“ (für kommune erforderlich).")
    action("liste", "Alle Konten mit Rolle, Stelle, Sperre und letzter Anmeldung.", with_name=False)
    action("sperren", "Ein Konto sperren; seine Sitzungen enden sofort.")
    action("entsperren", "Ein gesperrtes Konto wieder freigeben.")
    action("passwort", "Ein neues Passwort setzen; die Sitzungen des Kontos enden.")
    action("token", "Ein neues persönliches API-Token ausgeben (nur dieses eine Mal sichtbar; das alte wird ungültig).")
    p = action("protokoll", "Das Protokoll anzeigen, neueste Einträge zuerst.", with_name=False)
    p.add_argument("--seite", type=_typed(_page), default=1, metavar="N", help="Seite (je 50 Einträge).")


def _page(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise UsageError(f"„{text}“ ist keine gültige Seitenzahl.")
    return int(text)


# ------------------------------------------------------------------------------------------------
# exit codes and shared output


def deadline_exit_code(items: Sequence[Deadline], *, stopped: bool) -> int:
    """Exit code of deadlines: 2 not computed (Fehler in the inputs), 1 a deadline missed or near, 0 otherwise."""
    from kimrecon.result import DeadlineStatus

    if stopped:
        return 2
    return 1 if any(d.status in (DeadlineStatus.VERSAEUMT, DeadlineStatus.NAHE) for d in items) else 0


def _written_exit_code(outcome: Any) -> int:
    """demo and report: 0 once the outputs were written, else the run's own code."""
    return 0 if outcome.result is not None else int(outcome.exit_code)


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


def _case_dir(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"Der Ordner „{path}“ existiert nicht.")
    if not path.is_dir():
        raise UsageError(f"„{path}“ ist kein Ordner. Bitte den Fallordner mit den Arbeitsmappen angeben.")
    return path


def _db(value: str | None) -> str | None:
    return value or os.environ.get("KIMRECON_DB") or None


def _print_written(paths: Sequence[Path]) -> None:
    for p in paths:
        out_console.print(f"geschrieben: {escape(str(p))}")


def _print_json(obj: object) -> None:
    from kimrecon.write.json_out import dumps

    sys.stdout.write(dumps(obj) + "\n")  # type: ignore[arg-type]


def _findings_json(status: str, findings: Sequence[Any]) -> dict[str, Any]:
    from kimrecon.write.json_out import finding_json

    return {"status": status, "befunde": [finding_json(f) for f in findings]}


def _finish_outcome(outcome: Any, *, as_json: bool, what: str = "Der Abgleich wurde nicht durchgeführt") -> int:
    from kimrecon.write import terminal
    from kimrecon.write.json_out import failure_json, result_json

    if as_json:
        if outcome.result is not None:
            obj = result_json(outcome.result)
            if outcome.repeat_of:
                obj["wiederholung_von"] = outcome.repeat_of
        else:
            obj = failure_json(outcome.month, outcome.lauf_id, outcome.findings)
        _print_json(obj)
        return int(outcome.exit_code)
    if outcome.result is None:
        terminal.print_findings(out_console, outcome.findings)
        where = f"; siehe Fehlerbericht {escape(str(outcome.written[0]))}" if outcome.written else ""
        err_console.print(f"[red]{what}{where}.[/red]")
    else:
        if outcome.findings:
            terminal.print_findings(out_console, outcome.findings, limit=20)
        terminal.print_summary(out_console, outcome.result)
        if outcome.repeat_of:
            out_console.print(f"Wiederholung von Lauf {outcome.repeat_of}: gleiche Eingaben, gleiche Ergebnisse.")
    _print_written(outcome.written)
    return int(outcome.exit_code)


# ------------------------------------------------------------------------------------------------
# commands


def _cmd_demo(a: argparse.Namespace) -> int:
    from kimrecon.month import Month
    from kimrecon.pipeline import reconcile_case
    from kimrecon.resources import example_case

    case = example_case()
    out_console.print(f"Beispiel: {escape(str(case))}")
    with _progress(True) as tell:
        outcome = reconcile_case(
            case, Month(2023, 12), out_dir=a.out, use_ledger=True, ledger_dir=a.out,
            nachweis_for=[(2023, "Stadt Kamen")], progress=tell,  # type: ignore[arg-type]
        )
    _finish_outcome(outcome, as_json=False)
    return _written_exit_code(outcome)


def _cmd_validate(a: argparse.Namespace) -> int:
    from kimrecon.pipeline import read_and_validate, validation_exit_code

    for p in a.paths:
        if not p.exists():
            raise UsageError(f"„{p}“ existiert nicht.")
    inputs = read_and_validate(a.paths)
    findings = list(inputs.findings)
    code = validation_exit_code(findings)
    if a.as_json:
        _print_json(_findings_json({0: "ok", 1: "befunde", 2: "unbrauchbar"}[code], findings))
    else:
        from kimrecon.write import terminal

        terminal.print_findings(out_console, findings, limit=None)
    if a.report is not None:
        from kimrecon.write.fehlerbericht import write_fehlerbericht

        write_fehlerbericht(findings, a.report, dateien=list(inputs.files))
        (err_console if a.as_json else out_console).print(f"geschrieben: {escape(str(a.report))}")
    return code


def _cmd_reconcile(a: argparse.Namespace) -> int:
    from kimrecon.pipeline import reconcile_case

    case = _case_dir(a.case_dir)
    with _progress(not a.as_json) as tell:
        outcome = reconcile_case(case, a.month, out_dir=a.out, db_url=_db(a.db), use_ledger=not a.no_ledger,
                                 progress=tell)  # type: ignore[arg-type]
    return _finish_outcome(outcome, as_json=a.as_json)


def _cmd_report(a: argparse.Namespace) -> int:
    from kimrecon.month import Month
    from kimrecon.pipeline import reconcile_case

    case = _case_dir(a.case_dir)
    with _progress(True) as tell:
        # written through the ledger like a reconcile: the Lauf-ID on every Nachweis is found by `history --run`
        outcome = reconcile_case(case, Month(a.year, 12), out_dir=a.out, db_url=_db(a.db), use_ledger=not a.no_ledger,
                                 abgleich=False, nachweis_for=[(a.year, a.recipient)],
                                 progress=tell)  # type: ignore[arg-type]
    if outcome.result is None:
        _finish_outcome(outcome, as_json=False, what="Der Verwendungsnachweis wurde nicht erstellt")
        return _written_exit_code(outcome)
    _print_written(outcome.written)
    if a.pdf:
        from kimrecon.write.pdf import PdfFehler, to_pdf

        try:
            _print_written(to_pdf(outcome.written))
        except PdfFehler as exc:  # German message; the workbooks are written
            err_console.print(f"[yellow]Hinweis:[/yellow] {escape(str(exc))}")
    return _written_exit_code(outcome)


def _cmd_history(a: argparse.Namespace) -> int:
    from kimrecon.ledger import open_ledger, render_history, render_run
    from kimrecon.write.terminal import plain_text

    ledger = open_ledger(_db(a.db), a.fall, create=False)
    if a.lauf:
        detail = ledger.run(a.lauf)
        if detail is None:
            raise UsageError(f"Lauf „{a.lauf}“ ist im Laufbuch nicht vorhanden.", hilfe="kimrecon history")
        sys.stdout.write(plain_text(render_run(detail)) + "\n")
        return 0
    sys.stdout.write(plain_text(render_history(ledger.runs(str(a.month) if a.month else None))) + "\n")
    return 0


def _cmd_deadlines(a: argparse.Namespace) -> int:
    from kimrecon.findings import has_errors
    from kimrecon.pipeline import deadline_list
    from kimrecon.write import terminal

    day = a.on or date.today()
    inputs, found = deadline_list(_case_dir(a.case_dir), day)
    stopped = has_errors(inputs.findings)
    items = sorted(found, key=lambda d: (d.frist, d.empfaenger))
    code = deadline_exit_code(items, stopped=stopped)
    if a.as_json:
        from kimrecon.write.json_out import deadline_json

        _print_json(_findings_json("fehler", inputs.findings) if stopped else [deadline_json(d) for d in items])
        return code
    if stopped:
        terminal.print_findings(out_console, inputs.findings)
        err_console.print("[red]Die Fristen wurden nicht berechnet: die Eingaben enthalten Fehler.[/red]")
        return code
    from rich.table import Table

    table = Table(title=f"Nachweisfristen am {day:%d.%m.%Y}")
    for col in ("Empfänger", "an", "Jahr", "Frist", "Status", "Tage"):
        table.add_column(col)
    for d in items:
        status = d.status.value
        style = {"versäumt": "red", "nahe": "yellow", "verspätet eingegangen": "yellow"}.get(status, "")
        table.add_row(escape(d.empfaenger), escape(d.geber), str(d.jahr), f"{d.frist:%d.%m.%Y}",
                      f"[{style}]{status}[/{style}]" if style else status, str(d.tage_bis))
    out_console.print(table)
    return code


def _cmd_template(a: argparse.Namespace) -> int:
    from kimrecon.write.templates import TEMPLATE_KINDS, write_template

    key = a.kind.strip().lower()
    if key not in TEMPLATE_KINDS:
        raise UsageError(f"Unbekannte Art „{a.kind}“. Möglich: {', '.join(TEMPLATE_KINDS)}.", hilfe="kimrecon template")
    write_template(TEMPLATE_KINDS[key], a.out)
    out_console.print(f"geschrieben: {escape(str(a.out))}")
    return 0


def _cmd_serve(a: argparse.Namespace) -> int:
    try:
        from kimrecon.web.server import serve
    except ImportError:
        if a.debug:
            raise
        err_console.print("[red]Fehler:[/red] Die Weboberfläche ist unvollständig installiert. Bitte kimrecon "
                          "neu installieren: pip install --force-reinstall kimrecon.")
        return 2
    if a.sso_kopfzeile and not a.proxy:
        raise UsageError("--sso-kopfzeile braucht mindestens eine --proxy-Adresse.", hilfe="kimrecon serve")
    import gc

    gc.set_threshold(*SERVER_GC_THRESHOLD)  # a long-lived process: collect regularly again …
    gc.freeze()  # … but never rescan what start-up loaded (modules, schemas, templates)
    try:
        return int(serve(host=a.host, port=a.port, daten=a.daten, db=_db(a.db), beispiel=a.beispiel,
                         hostnames=a.hostname, https=a.https, proxies=a.proxy, sso_header=a.sso_kopfzeile,
                         sitzung_minuten=a.sitzung_minuten))
    except ValueError as exc:  # serve's own argument checks (e.g. a non-loopback host), German text
        raise UsageError(str(exc), hilfe="kimrecon serve") from exc


def _read_password(*, ask: str = "Passwort") -> str:
    """A password from standard input (first line) or, on a terminal, asked twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"{ask}: ")
    if getpass.getpass(f"{ask} wiederholen: ") != first:
        raise UsageError("Die beiden Eingaben stimmen nicht überein; es wurde nichts geändert.")
    return first


def _cmd_benutzer(a: argparse.Namespace) -> int:
    from kimrecon.accounts import Konten, KontoFehler
    from kimrecon.web.server import default_data_dir

    if a.aktion is None:
        _parser().parse_args(["benutzer", "--help"])
    try:
        with Konten.open(a.daten or default_data_dir(), _db(a.db)) as konten:
            return _benutzer_action(a, konten)
    except KontoFehler as exc:
        raise UsageError(str(exc)) from None


def _benutzer_action(a: argparse.Namespace, konten: Any) -> int:
    if a.aktion == "anlegen":
        from kimrecon.accounts import check_account

        name, _, _ = check_account(a.name, a.rolle, a.stelle)  # before asking for the password
        if konten.konto(name) is not None:
            raise UsageError(f"Das Benutzerkonto „{name}“ gibt es schon.")
        konto = konten.anlegen(name, a.rolle, a.stelle, _read_password())
        out_console.print(f"Konto „{escape(konto.name)}“ ({konto.rolle.value}) angelegt.")
    elif a.aktion == "liste":
        _print_accounts(konten.liste())
    elif a.aktion in ("sperren", "entsperren"):
        konten.sperren(a.name, a.aktion == "sperren")
        out_console.print(f"Konto „{escape(a.name)}“ {'gesperrt' if a.aktion == 'sperren' else 'entsperrt'}.")
    elif a.aktion == "passwort":
        konten.vorhanden(a.name)  # before asking for the password
        konten.passwort_setzen(a.name, _read_password(ask="Neues Passwort"))
        out_console.print(f"Passwort von „{escape(a.name)}“ geändert; offene Sitzungen sind beendet.")
    elif a.aktion == "token":
        token = konten.token_erzeugen(a.name)
        sys.stdout.write(token + "\n")
        err_console.print("Das Token wird nur jetzt angezeigt; ein früheres Token dieses Kontos gilt nicht mehr. "
                          "Senden als Kopfzeile „Authorization: Bearer TOKEN“.")
    elif a.aktion == "protokoll":
        eintraege, total = konten.protokoll(a.seite)
        _print_log(eintraege, total, a.seite)
    return 0


def _print_accounts(konten: Sequence[Any]) -> None:
    if not konten:
        out_console.print("Noch kein Benutzerkonto. Anlegen mit: kimrecon benutzer anlegen NAME --rolle kreis")
        return
    from rich.table import Table

    table = Table(title="Benutzerkonten")
    for col in ("Name", "Rolle", "Stelle", "gesperrt", "letzte Anmeldung (UTC)"):
        table.add_column(col)
    for k in konten:
        last = f"{k.letzte_anmeldung:%d.%m.%Y %H:%M}" if k.letzte_anmeldung else "–"
        table.add_row(escape(k.name), k.rolle.value, escape(k.stelle or "–"), "ja" if k.gesperrt else "nein", last)
    out_console.print(table)


def _print_log(eintraege: Sequence[Any], total: int, seite: int) -> None:
    from rich.table import Table

    table = Table(title=f"Protokoll ({total} Einträge, Seite {seite}, neueste zuerst)")
    for col in ("Zeitpunkt (UTC)", "Benutzer", "Aktion", "Gegenstand", "Fall"):
        table.add_column(col)
    for e in eintraege:
        table.add_row(f"{e.zeitpunkt:%d.%m.%Y %H:%M:%S}", escape(e.benutzer or "Kommandozeile"), escape(e.aktion),
                      escape(e.gegenstand), escape(e.fall or "–"))
    out_console.print(table)


# ------------------------------------------------------------------------------------------------
# entry point


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code: errors become German messages, never a traceback."""
    debug = False
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        debug = args.debug
        if args.befehl is None:
            parser.print_help()
            return 0
        return int(args.handler(args))
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except UsageError as exc:
        if exc.hilfe is None:
            err_console.print(f"[red]Fehler:[/red] {escape(str(exc))}")
        else:
            err_console.print(f"[red]Fehler in den Argumenten:[/red] {escape(str(exc))}")
            err_console.print(f"Hilfe: {escape(exc.hilfe)} --help")
        return 2
    except OSError as exc:
        if debug:
            raise
        reason = escape(OS_ERRORS.get(exc.errno or 0, str(exc.strerror or exc)))
        where = escape(str(exc.filename or ""))
        err_console.print(f"[red]Datei- oder Ordnerfehler:[/red] {reason} ({where})")
        err_console.print("Bitte Pfad und Schreibrechte prüfen; Eingaben wurden nicht verändert.")
        return 2
    except KeyboardInterrupt:
        err_console.print("Abgebrochen.")
        return 2
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback for users
        from kimrecon.ledger import LedgerError

        if isinstance(exc, LedgerError):
            err_console.print(f"[red]Laufbuch:[/red] {escape(str(exc))}")
            return 2
        if debug:
            raise
        return _internal_error(exc)
    except BaseException as exc:  # noqa: BLE001 - a Rust panic in a parser (pyo3 PanicException) is no Exception
        if debug:
            raise
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """Report an unexpected error in one German line (text from inputs escaped); exit code 2."""
    err_console.print(f"[red]Interner Fehler:[/red] {type(exc).__name__}: {escape(str(exc))}")
    err_console.print("Mit --debug erneut ausführen, um Details zu sehen; Eingaben wurden nicht verändert.")
    return 2


def main() -> None:
    """Console entry point: tune the collector for a short-lived process, run, and leave without teardown."""
    _tune_gc()
    code = run()
    _leave(code)


# The collector's defaults (a young-generation pass every 700 new container objects) make importing pandas
# and reading a case run ~250 young and one full collection, ≈ 0.05 s of a Kreis run; a short-lived
# command frees its memory at exit anyway. mypy's command line does the same. Long-lived servers keep
# a bounded threshold (``serve`` freezes what start-up loaded instead).
GC_THRESHOLD = (100_000, 50, 100)
SERVER_GC_THRESHOLD = (700, 10, 10)  # CPython's defaults


def _tune_gc() -> None:
    import gc

    gc.set_threshold(*GC_THRESHOLD)


def _leave(code: int) -> NoReturn:
    """Exit with ``code`` without the interpreter's module teardown (≈ 0.05 s with pandas loaded).

    Exit handlers still run (logging is flushed, temporary folders removed) and the standard streams
    are flushed first; outputs were already written atomically and closed by then. With threads still
    running (only ``serve`` starts any), the normal exit joins them instead.
    """
    import atexit
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    try:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BaseException:  # noqa: BLE001 - e.g. a closed pipe: fall back to the normal exit and its messages
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    main()

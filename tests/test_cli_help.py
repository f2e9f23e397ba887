"""The command line's frame is German: help of every command, --version, the serve wiring."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from kimrecon import __version__
from kimrecon.cli import run

COMMANDS = ("demo", "validate", "reconcile", "report", "history", "deadlines", "template", "serve", "benutzer")
ENGLISH = (
    "usage", "options", "optional", "arguments", "positional", "commands", "command", "show", "this", "message",
    "exit", "required", "default", "defaults", "case_dir", "env", "var", "path", "str", "int", "help", "the",
    "and", "or", "of", "to", "file", "folder", "directory", "month", "year", "recipient", "kind", "output",
    "traceback", "error", "missing", "invalid", "choose", "from", "paths", "db", "run",
)


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert run([*argv, "--help"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def _words(text: str) -> set[str]:
    """Words of a help text, without option names (--month) and command names (kept as they are)."""
    text = re.sub(r"(?<![\w])--?[\w-]+", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    words = {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß_]+", text)}
    return words - set(COMMANDS)


@pytest.mark.parametrize("command", ("", *COMMANDS))
def test_every_help_is_german(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, *([command] if command else []))
    assert text.startswith(f"Aufruf: kimrecon {command}".rstrip()), text
    assert "Optionen:" in text
    assert re.search(r"-h, --help +Diese Hilfe anzeigen und beenden\.", text), text
    english = sorted(_words(text) & set(ENGLISH))
    assert english == [], (english, text)


def test_frame_names_commands_arguments_defaults_and_required(capsys: pytest.CaptureFixture[str]) -> None:
    top = _help(capsys)
    assert "Befehle:" in top and "BEFEHL" in top
    assert all(re.search(rf"^    {c} +\S", top, re.M) for c in COMMANDS), top  # each command with its summary
    assert "Rückgabewerte:" in top
    rec = _help(capsys, "reconcile")
    assert "Argumente:" in rec and "FALLORDNER" in rec
    assert re.search(r"--month MONAT +Abrechnungsmonat JJJJ-MM \(erforderlich\)\.", rec), rec
    assert "--out ORDNER" in rec and "(Vorgabe: out)" in rec
    assert "PFAD [PFAD ...]" in _help(capsys, "validate")
    assert "ART" in _help(capsys, "template")
    serve = _help(capsys, "serve")
    assert "(Vorgabe: 127.0.0.1)" in serve and "(Vorgabe: 8000)" in serve


def test_no_command_shows_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([]) == 0
    assert capsys.readouterr().out.startswith("Aufruf: kimrecon")


def test_version_through_the_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "kimrecon.cli", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"kimrecon {__version__}\n", "")


def test_version_is_the_package_version() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{__version__}"' in text


# ------------------------------------------------------------------------------------------------
# serve: the CLI only passes its options on; the web module is another's


def _fake_web(monkeypatch: pytest.MonkeyPatch, serve: object) -> None:
    package = types.ModuleType("kimrecon.web")
    server = types.ModuleType("kimrecon.web.server")
    server.serve = serve  # type: ignore[attr-defined]
    package.server = server  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kimrecon.web", package)
    monkeypatch.setitem(sys.modules, "kimrecon.web.server", server)


def test_serve_passes_its_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, object]] = []

    def serve(**kwargs: object) -> int:
        calls.append(kwargs)
        return 0

    _fake_web(monkeypatch, serve)
    monkeypatch.delenv("KIMRECON_DB", raising=False)
    assert run(["serve"]) == 0
    signin = {"hostnames": [], "https": False, "proxies": [], "sso_header": None, "sitzung_minuten": 30}
    assert calls[-1] == {"host": "127.0.0.1", "port": 8000, "daten": None, "db": None, "beispiel": False, **signin}
    assert run(["serve", "--host", "127.0.0.2", "--port", "8123", "--daten", str(tmp_path), "--db",
                "sqlite:///x.sqlite", "--beispiel"]) == 0
    assert calls[-1] == {"host": "127.0.0.2", "port": 8123, "daten": tmp_path, "db": "sqlite:///x.sqlite",
                         "beispiel": True, **signin}
    assert run(["serve", "--host", "0.0.0.0", "--hostname", "kim.kreis-unna.de", "--https", "--proxy", "10.0.0.5",
                "--sso-kopfzeile", "X-Remote-User", "--sitzung-minuten", "20"]) == 0
    assert {k: calls[-1][k] for k in signin} == {"hostnames": ["kim.kreis-unna.de"], "https": True,
                                                "proxies": ["10.0.0.5"], "sso_header": "X-Remote-User",
                                                "sitzung_minuten": 20}
    monkeypatch.setenv("KIMRECON_DB", "postgresql+psycopg://k@h/db")
    assert run(["serve"]) == 0
    assert calls[-1]["db"] == "postgresql+psycopg://k@h/db"


def test_serve_returns_the_servers_code(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_web(monkeypatch, lambda **_: 3)
    assert run(["serve"]) == 3


def test_serve_value_error_is_a_german_argument_error(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def serve(**_: object) -> int:
        raise ValueError("Ohne Benutzerkonten bindet der Server nur an 127.0.0.1.")

    _fake_web(monkeypatch, serve)
    assert run(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "Fehler in den Argumenten: Ohne Benutzerkonten bindet der Server nur an 127.0.0.1." in err
    assert "Hilfe: kimrecon serve --help" in err and "Traceback" not in err


def test_serve_without_the_web_part(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "kimrecon.web.server", None)  # import fails as if not installed
    assert run(["serve"]) == 2
    err = capsys.readouterr().err
    assert "Die Weboberfläche ist unvollständig installiert" in err and "Traceback" not in err


def test_json_runs_and_help_never_import_rich(tmp_path: Path) -> None:
    """Start-up time: rich is imported only when something is printed for people."""
    example = Path(__file__).resolve().parent.parent / "workbooks" / "beispiel-kreis-unna-2023"
    script = (
        "import sys\n"
        "from kimrecon.cli import run\n"
        f"code = run(['reconcile', {str(example)!r}, '--month', '2023-12', '--json', '--ohne-laufbuch',"
        f" '--out', {str(tmp_path / 'aus')!r}])\n"
        "try:\n"
        "    run(['--help'])\n"
        "finally:\n"
        "    print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'typer', 'click')),"
        " file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.stderr.strip() == "1 []", proc.stderr

"""`kimrecon benutzer …`: accounts from the command line, passwords only from stdin or the prompt."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from kimrecon.accounts import Konten
from kimrecon.cli import run

PW = "Ein-langes-Passwort-1"


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, daten: Path, *argv: str,
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = run(["benutzer", *argv, "--daten", str(daten)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_list_lock_and_change_password(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    daten = tmp_path / "daten"
    monkeypatch.delenv("KIMRECON_DB", raising=False)
    assert _run(capsys, monkeypatch, daten, "anlegen", "Stadt Kamen", "--rolle", "kommune", "--stelle", "Stadt Kamen",
                stdin=PW + "\n")[:2] == (0, "Konto „Stadt Kamen“ (kommune) angelegt.\n")
    assert _run(capsys, monkeypatch, daten, "anlegen", "RPA", "--rolle", "pruefer", stdin=PW + "\n")[0] == 0
    code, out, _ = _run(capsys, monkeypatch, daten, "liste")
    assert code == 0
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    assert rows == [["RPA", "pruefer", "–", "nein", "–"], ["Stadt Kamen", "kommune", "Stadt Kamen", "nein", "–"]]
    assert "argon2" not in out and PW not in out

    assert _run(capsys, monkeypatch, daten, "sperren", "Stadt Kamen")[:2] == (0, "Konto „Stadt Kamen“ gesperrt.\n")
    assert "│ ja " in _run(capsys, monkeypatch, daten, "liste")[1]
    assert _run(capsys, monkeypatch, daten, "entsperren", "Stadt Kamen")[0] == 0

    new = "Ein-neues-Passwort-22"
    code, out, _ = _run(capsys, monkeypatch, daten, "passwort", "Stadt Kamen", stdin=new + "\n")
    assert (code, new in out) == (0, False)
    with Konten.open(daten, None) as konten:
        assert konten.anmelden("Stadt Kamen", PW, "x") is None
        assert konten.anmelden("Stadt Kamen", new, "x") is not None
    stored = (daten / "kimrecon.sqlite").read_bytes()
    assert PW.encode() not in stored and new.encode() not in stored

    code, out, _ = _run(capsys, monkeypatch, daten, "protokoll")
    assert code == 0
    for aktion in ("Benutzerkonto angelegt", "gesperrt", "entsperrt", "Passwort geändert"):
        assert aktion in out


def test_refusals_are_german_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    daten = tmp_path / "daten"
    code, _, err = _run(capsys, monkeypatch, daten, "anlegen", "Kreis Unna", "--rolle", "kreis", stdin="elf-Zeichen\n")
    assert (code, "Das Passwort ist zu kurz: bitte mindestens 12 Zeichen." in err) == (2, True)  # 11 < 12
    code, _, err = _run(capsys, monkeypatch, daten, "anlegen", "Stadt Kamen", "--rolle", "kommune", stdin=PW + "\n")
    assert (code, "braucht die Stelle" in err) == (2, True)
    assert _run(capsys, monkeypatch, daten, "anlegen", "Kreis Unna", "--rolle", "kreis", stdin=PW + "\n")[0] == 0
    code, _, err = _run(capsys, monkeypatch, daten, "anlegen", "Kreis Unna", "--rolle", "kreis", stdin=PW + "\n")
    assert (code, "gibt es schon" in err) == (2, True)
    for action in ("sperren", "passwort", "token"):
        code, _, err = _run(capsys, monkeypatch, daten, action, "Niemand", stdin=PW + "\n")
        assert (code, "Es gibt kein Benutzerkonto „Niemand“" in err) == (2, True), action
    code, _, err = _run(capsys, monkeypatch, daten, "anlegen", "X", "--rolle", "chef")
    assert (code, "Ungültiger Wert „chef“ für „--rolle“" in err) == (2, True)
    code, _, err = _run(capsys, monkeypatch, daten, "anlegen", "X", "--rolle", "kreis", PW)
    assert code == 2 and "Unerwartete zusätzliche Argumente" in err  # never a password as an argument


def test_on_a_terminal_the_password_is_asked_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    daten = tmp_path / "daten"
    answers = iter([PW, "etwas-anderes-123"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    assert run(["benutzer", "anlegen", "Kreis Unna", "--rolle", "kreis", "--daten", str(daten)]) == 2
    assert "stimmen nicht überein" in capsys.readouterr().err
    answers = iter([PW, PW])
    assert run(["benutzer", "anlegen", "Kreis Unna", "--rolle", "kreis", "--daten", str(daten)]) == 0


def test_token_is_shown_once_and_replaces_the_old_one(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "zentral.sqlite"
    monkeypatch.setenv("KIMRECON_DB", f"sqlite:///{db}")  # as serve: --db, else KIMRECON_DB, else the data folder
    daten = tmp_path / "daten"
    assert _run(capsys, monkeypatch, daten, "anlegen", "Kreis Unna", "--rolle", "kreis", stdin=PW + "\n")[0] == 0
    code, first, err = _run(capsys, monkeypatch, daten, "token", "Kreis Unna")
    assert code == 0 and "nur jetzt angezeigt" in err
    second = _run(capsys, monkeypatch, daten, "token", "Kreis Unna")[1]
    first, second = first.strip(), second.strip()
    assert first.startswith("kim_") and second.startswith("kim_") and first != second
    assert not (daten / "kimrecon.sqlite").exists()
    with sqlite3.connect(db) as conn:
        hashes = [r[0] for r in conn.execute("SELECT hash FROM api_token")]
    assert len(hashes) == 1 and first not in hashes and second not in hashes
    with Konten.open(daten, f"sqlite:///{db}") as konten:
        assert konten.per_token(first) is None
        assert konten.per_token(second) is not None

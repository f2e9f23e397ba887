import subprocess
import sys

import pytest

from kimrecon.cli import german_usage_message, run


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("the following arguments are required: --month", "Die Option „--month“ fehlt."),
        ("the following arguments are required: FALLORDNER, --month",
         "Das Argument „FALLORDNER“ fehlt. Die Option „--month“ fehlt."),
        ("argument BEFEHL: invalid choice: 'reconcil' (choose from 'demo', 'validate', 'reconcile')",
         "Unbekannter Befehl „reconcil“. Meinten Sie „reconcile“?"),
        ("argument BEFEHL: invalid choice: 'xyz' (choose from 'demo', 'validate')",
         "Unbekannter Befehl „xyz“. Möglich: demo, validate."),
        ("unrecognized arguments: --bogus", "Unbekannte Option „--bogus“."),
        ("unrecognized arguments: a b", "Unerwartete zusätzliche Argumente: a b."),
        ("argument --month: expected one argument", "Die Option „--month“ braucht einen Wert."),
        ("argument --port: invalid int value: 'x'", "Ungültiger Wert „x“ für „--port“."),
        ("argument --json: ignored explicit argument 'ja'", "Die Option „--json“ nimmt keinen Wert an."),
        ("argument --year: „abc“ ist kein plausibles Jahr.",
         "Ungültiger Wert für „--year“: „abc“ ist kein plausibles Jahr."),
    ],
)
def test_argument_errors_are_german(english, german):
    assert german_usage_message(english) == german


def test_missing_month_exit_2_in_german(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kimrecon.cli", "reconcile", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Fehler in den Argumenten: Die Option „--month“ fehlt." in proc.stderr
    assert "Hilfe: kimrecon reconcile --help" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reconcil"], "Unbekannter Befehl „reconcil“. Meinten Sie „reconcile“?"),
        (["reconcile", "x", "--month", "2023-12", "--bogus"], "Unbekannte Option „--bogus“."),
        (["reconcile", "x", "--month"], "Die Option „--month“ braucht einen Wert."),
        (["reconcile", "x", "--month", "Dezember"], "„Dezember“ ist kein Monat. Bitte als JJJJ-MM angeben"),
        (["report", "x", "--year", "20x3"], "„20x3“ ist kein plausibles Jahr."),
        (["report", "x", "--year", "1999"], "„1999“ ist kein plausibles Jahr."),
        (["deadlines", "x", "--on", "31.02.2024"], "„31.02.2024“ ist kein Datum. Bitte als TT.MM.JJJJ angeben."),
        (["serve", "--port", "70000"], "„70000“ ist keine gültige Portnummer (1 bis 65535)."),
        (["template"], "Das Argument „ART“ fehlt. Die Option „--out“ fehlt."),
        (["validate"], "Das Argument „PFAD“ fehlt."),
        (["reconcile", "x", "--month", "2023-12", "--ou", "o"], "Unbekannte Option „--ou“."),  # no abbreviations
    ],
)
def test_wrong_arguments_exit_2_with_a_german_message(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert "Fehler in den Argumenten:" in err and message in err, err
    assert "usage" not in err.lower() and "error" not in err.lower()


def test_missing_folder_is_a_plain_german_error(tmp_path, capsys):
    assert run(["reconcile", str(tmp_path / "fehlt"), "--month", "2023-12"]) == 2
    err = capsys.readouterr().err
    assert "Fehler: Der Ordner" in err and "existiert nicht." in err


def test_file_errors_in_german(tmp_path, capsys):
    blocker = tmp_path / "datei"
    blocker.write_text("x")
    assert run(["template", "bescheid", "--out", str(blocker / "vorlage.xlsx")]) == 2  # a file where a folder must be
    err = capsys.readouterr().err
    assert f"Datei- oder Ordnerfehler: es gibt dort schon eine Datei oder einen Ordner dieses Namens ({blocker})" in err
    assert "Bitte Pfad und Schreibrechte prüfen" in err and "Traceback" not in err

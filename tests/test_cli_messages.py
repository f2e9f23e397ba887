import subprocess
import sys

import pytest

from kimrecon.cli import german_usage_message


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("Missing option '--month'.", "Die Option „--month“ fehlt."),
        ("Missing argument 'case_dir'.", "Das Argument „case_dir“ fehlt."),
        ("No such command 'reconcil'. Did you mean 'reconcile'?",
         "Unbekannter Befehl „reconcil“. Meinten Sie „reconcile“?"),
        ("No such option: --bogus (Possible options: --out)", "Unbekannte Option „--bogus“."),
        ("Invalid value for '--year': Input should be a valid integer", "Ungültiger Wert für „--year“."),
    ],
)
def test_argument_errors_are_german(english, german):
    assert german_usage_message(english) == german


def test_missing_month_exit_2_in_german(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kimrecon.cli", "reconcile", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Die Option „--month“ fehlt." in proc.stderr

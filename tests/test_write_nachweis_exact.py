"""Part-time VzÄ in the Verwendungsnachweis are exact fractions, so an auditor's sum hits the cent."""

import subprocess
import sys

import openpyxl
from acceptance_cases import case_coesfeld


def test_nottuln_30_of_39_hours_as_exact_fraction(tmp_path):
    case = case_coesfeld(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "kimrecon.cli", "report", str(case), "--year", "2023", "--recipient", "Nottuln",
         "--out", str(tmp_path / "rp")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = (tmp_path / "rp").iterdir()
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    ws_f, ws_v = formulas.worksheets[0], values.worksheets[0]
    fractions = [(c.coordinate, c.value) for row in ws_f.iter_rows() for c in row
                 if isinstance(c.value, str) and c.value == "=10/13"]
    assert len(fractions) == 12  # every month 30/39 = 10/13 VzÄ, not a rounded 0,7692
    total_row = next(r for r in ws_v.iter_rows() if r[0].value == "Summe (VzÄ-Monate, förderfähig)")
    vzae_months = total_row[2].value
    assert abs(vzae_months - 120 / 13) < 1e-9
    # the auditor's recomputation: Pauschale × Σ VzÄ-Monate / 12, rounded once
    assert round(57_000 * vzae_months / 12, 2) == 43_846.15
    assert total_row[3].value == 43_846.15

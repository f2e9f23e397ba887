"""Property: the same staffing written as employment rows and as a month grid gives the same monthly figures."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimrecon.pipeline import reconcile_case
from tests.layouts_support import MONTHS, base_case
from tests.messy import write_sheet

SHARES = st.sampled_from([None, 0, 0.25, 0.5, 0.75, 1])
STAFF = st.lists(st.lists(SHARES, min_size=12, max_size=12), min_size=1, max_size=3)


def _kamen_months(case: Path, out: Path) -> list[tuple[int, int, int]]:
    outcome = reconcile_case(case, "2023-12", out_dir=out, use_ledger=False, abgleich=False)
    assert outcome.result is not None, [str(f) for f in outcome.findings]
    m = outcome.result.monate
    kamen = m[m["empfaenger"] == "Stadt Kamen"].sort_values("monat")
    return list(zip(kamen["monat"].tolist(), kamen["vzae_besetzt_e4"].tolist(), kamen["foerderfaehig_cent"].tolist(),
                    strict=True))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(staff=STAFF)
def test_rows_and_grid_give_the_same_monthly_figures(tmp_path_factory, staff: list[list[float | None]]) -> None:
    root = tmp_path_factory.mktemp("gleich")
    # as employment rows: one row per person and staffed month, from its first to its last day
    rows = [["Stadt Kamen", f"S{p}", f"P{p}", dt.date(2023, m, 1), dt.date(2023, m, calendar.monthrange(2023, m)[1]),
             v] for p, months in enumerate(staff) for m, v in enumerate(months, start=1) if v]
    write_sheet(base_case(root / "zeilen") / "besetzung.xlsx",
                ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Stellenanteil"], rows)
    # as a month grid: one row per person, a column per month
    write_sheet(base_case(root / "gitter") / "besetzung.xlsx", ["Kommune", "Personal-ID", *MONTHS],
                [["Stadt Kamen", f"P{p}", *months] for p, months in enumerate(staff)], title="Stellenanteile 2023")
    by_rows = _kamen_months(root / "zeilen", root / "aus1")
    by_grid = _kamen_months(root / "gitter", root / "aus2")
    assert by_rows == by_grid
    assert len(by_rows) == 12

"""The naive pipeline a capable analyst would write: pandas.read_excel (openpyxl), floats, to_excel (openpyxl).

Usage: ``python -m benchmarks.contenders.naive CASE_DIR OUT.xlsx [--no-detail]``. It knows the layout
(title block of three rows, the file name says the kind), computes the Monatsprinzip the simple
way (a person counts in a month unless an unpaid interruption covers the whole report row; per
person the highest row of the month; capped at the allotment; amounts as floats), settles every
edge per year and writes the month matrix, the edges, the payments and (like kimrecon's Abgleich)
the staffing rows with ``DataFrame.to_excel``; ``--no-detail`` leaves the staffing rows out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HEADER = 3  # the header is on Excel row 4


def load(case: Path, prefix: str) -> pd.DataFrame:
    """All workbooks of one kind (by file name), concatenated, without Summe and footnote rows."""
    frames = [pd.read_excel(p, header=HEADER, engine="openpyxl") for p in sorted(case.glob(f"{prefix}_*.xlsx"))]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return df


def main(argv: list[str]) -> int:
    """Read, compute, write."""
    case, out = Path(argv[0]), Path(argv[1])
    detail = "--no-detail" not in argv
    bescheid = load(case, "Bescheid").dropna(subset=["Zuwendungsempfänger"])
    zuw = load(case, "Zuweisung")
    zuw = zuw[zuw["Jahr"].notna()].copy()
    staff = load(case, "Besetzung").dropna(subset=["Personal-ID"]).copy()
    pay = load(case, "Zahlungen")
    pay = pay[pay["Zahler"].notna()].copy()

    rate = bescheid.groupby(bescheid["Zeitraum von"].dt.year)["Pauschale je VzÄ"].first()
    kreis_of_year = bescheid.groupby(bescheid["Zeitraum von"].dt.year)["Zuwendungsempfänger"].first()

    # staffing: hours / tariff hours; an unpaid interruption over the whole row zeroes it
    hours = pd.to_numeric(staff["Wochenstunden"].astype(str).str.replace(",", ".", regex=False), errors="coerce")
    staff["vz"] = hours / pd.to_numeric(staff["Tarifstunden"], errors="coerce").fillna(39.0)
    unpaid = staff["Unterbrechung von"].notna() & (staff["Entgeltanspruch"].astype(str) == "nein")
    whole = unpaid & (pd.to_datetime(staff["Unterbrechung von"]) <= staff["Beginn"]) & (
        pd.to_datetime(staff["Unterbrechung bis"]) >= staff["Ende"])
    staff.loc[whole, "vz"] = 0.0
    staff["Jahr"] = staff["Beginn"].dt.year
    staff["Monat"] = staff["Beginn"].dt.month
    person = staff.groupby(["Kommune", "Personal-ID", "Jahr", "Monat"], as_index=False)["vz"].max()
    town = person.groupby(["Kommune", "Jahr", "Monat"], as_index=False)["vz"].sum()

    # month matrix: every recipient × month of its years, capped at the allotment (R4b)
    zuw["Jahr"] = zuw["Jahr"].astype(int)
    months = pd.DataFrame({"Monat": range(1, 13)})
    matrix = zuw[["Jahr", "Empfänger", "weitergeleitet über", "VzÄ"]].merge(months, how="cross")
    matrix = matrix.merge(town.rename(columns={"Kommune": "Empfänger"}), on=["Empfänger", "Jahr", "Monat"], how="left")
    matrix["vz"] = matrix["vz"].fillna(0.0)
    matrix["VzÄ besetzt"] = matrix[["vz", "VzÄ"]].min(axis=1)
    matrix["Pauschale"] = matrix["Jahr"].map(rate)
    matrix["förderfähig"] = matrix["Pauschale"] * matrix["VzÄ besetzt"] / 12
    pay["Jahr"] = pay["Jahr"].astype(int)
    pay["Monat"] = pay["Datum (Wertstellung)"].dt.month
    paid_m = pay.groupby(["Empfänger", "Jahr", "Monat"], as_index=False)["Betrag"].sum()
    matrix = matrix.merge(paid_m, on=["Empfänger", "Jahr", "Monat"], how="left")
    matrix["ausgezahlt"] = matrix["Betrag"].fillna(0.0)
    matrix = matrix.sort_values(["Empfänger", "Jahr", "Monat"])
    grp = matrix.groupby(["Empfänger", "Jahr"])
    matrix["förderfähig kumuliert"] = grp["förderfähig"].cumsum()
    matrix["ausgezahlt kumuliert"] = grp["ausgezahlt"].cumsum()
    matrix["Saldo kumuliert"] = matrix["ausgezahlt kumuliert"] - matrix["förderfähig kumuliert"]

    # edges: eligible of the subtree (own + children, up to three levels), paid, balance (R5)
    own = matrix.groupby(["Empfänger", "Jahr"])["förderfähig"].sum()
    parent = zuw.set_index(["Empfänger", "Jahr"])["weitergeleitet über"]
    subtree = own.copy()
    level = own.copy()
    for _ in range(3):
        up = level.rename(index=lambda k: k).reset_index()
        up["parent"] = [parent.get((e, j)) for e, j in zip(up["Empfänger"], up["Jahr"], strict=True)]
        up = up.dropna(subset=["parent"])
        level = up.groupby(["parent", "Jahr"])["förderfähig"].sum().rename_axis(["Empfänger", "Jahr"])
        subtree = subtree.add(level, fill_value=0.0)
    edges = zuw[["Jahr", "Empfänger", "weitergeleitet über", "VzÄ"]].copy()
    edges["Geber"] = edges["weitergeleitet über"].fillna(edges["Jahr"].map(kreis_of_year))
    edges["förderfähig Teilbaum"] = [subtree.get((e, j), 0.0) for e, j in
                                     zip(edges["Empfänger"], edges["Jahr"], strict=True)]
    paid = pay.groupby(["Zahler", "Empfänger", "Jahr"])["Betrag"].sum()
    edges["ausgezahlt"] = [paid.get((g, e, j), 0.0) for g, e, j in
                           zip(edges["Geber"], edges["Empfänger"], edges["Jahr"], strict=True)]
    edges["Saldo"] = edges["ausgezahlt"] - edges["förderfähig Teilbaum"]

    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        edges.to_excel(xw, sheet_name="Kanten", index=False)
        matrix.drop(columns=["vz", "Betrag"]).to_excel(xw, sheet_name="Monatsmatrix", index=False)
        pay.to_excel(xw, sheet_name="Zahlungen", index=False)
        if detail:
            staff.to_excel(xw, sheet_name="Besetzung", index=False)
    print(f"{len(staff)} staffing rows, {len(matrix)} matrix rows, {len(edges)} edges; "
          f"Saldo gesamt {edges['Saldo'].sum():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

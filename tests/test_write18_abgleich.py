"""The Abgleich's per-sheet shortcuts: the last month per recipient, payments per edge, integer columns."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
from write_support import HUB, KAMEN, build_result

from kimrecon.result import PaymentKind
from kimrecon.write.abgleich import kanten
from kimrecon.write.abgleich.book import ints


def test_last_month_per_recipient_and_year() -> None:
    mat = pd.DataFrame({
        "empfaenger": ["A", "A", "B", "A", "A"],
        "jahr": [2023, 2023, 2023, 2024, 2023],
        "monat": [11, 12, 3, 1, 12],  # A 2023 has month 12 twice: the later row counts
        "foerderfaehig_kumuliert_cent": [100, 200, 50, 7, 250],
        "foerderfaehig_teilbaum_kumuliert_cent": [110, 220, 55, 8, 260],
    })
    book = SimpleNamespace(mat=mat)
    assert kanten._last_months(book) == {  # type: ignore[arg-type]
        ("A", 2023): (12, 250, 260), ("B", 2023): (3, 50, 55), ("A", 2024): (1, 7, 8),
    }
    assert kanten._last_months(SimpleNamespace(mat=mat.iloc[:0])) == {}  # type: ignore[arg-type]


def test_payments_summed_per_edge_up_to_the_stichtag() -> None:
    r = build_result()  # Bergkamen pays Kamen four quarters of 14.250,00 €; a Rückzahlung after the Stichtag
    p = next(x for x in r.zahlungen if x.kante_empfaenger == KAMEN and x.kind is PaymentKind.ZAHLUNG)
    late = replace(p, betrag_cent=999, nach_stichtag=True)  # after the Stichtag: listed, never counted
    upper = replace(p, betrag_cent=1, geber=HUB.upper(), kante_empfaenger=KAMEN.upper())  # names compare casefolded
    book = SimpleNamespace(r=replace(r, zahlungen=(*r.zahlungen, late, upper)))
    paid = kanten._paid(book)  # type: ignore[arg-type]
    assert paid[(PaymentKind.ZAHLUNG, 2023, HUB.casefold(), KAMEN.casefold())] == 4 * 1_425_000 + 1
    assert paid[(PaymentKind.ZAHLUNG, 2023, "kreis unna", HUB.casefold())] == 3_562_500
    assert (PaymentKind.RUECKZAHLUNG, 2023, HUB.casefold(), KAMEN.casefold()) not in paid  # only after the Stichtag


def test_integer_columns() -> None:
    frame = pd.DataFrame({"a": [1, -2, 3], "b": [1.0, None, 2.0], "c": ["4", "x", None]})
    assert ints(frame, "a") == [1, -2, 3]
    assert ints(frame, "b") == [1, 0, 2]  # missing counts as 0
    assert ints(frame, "c") == [4, 0, 0]
    assert ints(frame, "d") == [0, 0, 0]
    assert all(type(v) is int for v in ints(frame, "a"))

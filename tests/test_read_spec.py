from __future__ import annotations

from pathlib import Path

import pytest

from kimrecon.inputs import COLUMNS, Kind
from kimrecon.spec import common_spec, fold, kind_spec

DOC = Path(__file__).resolve().parents[1] / "docs" / "eingabe.md"


@pytest.mark.parametrize("kind", list(Kind))
def test_schema_covers_every_canonical_column(kind: Kind) -> None:
    spec = kind_spec(kind)
    filled = {t for c in spec.columns.values() for t in c.canonical}
    assert filled == set(COLUMNS[kind])


@pytest.mark.parametrize("kind", list(Kind))
def test_no_alias_is_personal_data(kind: Kind) -> None:
    common = common_spec()
    for col in kind_spec(kind).columns.values():
        for alias in (col.header, *col.aliases):
            assert not common.is_personal(alias), (kind, alias)


TYPE_LABELS = {"text": "Text", "ags": "AGS (8 Ziffern)", "date": "Datum", "int": "Jahr", "cent": "Betrag (€)",
               "e4": "VzÄ / Anteil", "h100": "Stunden", "bool": "ja/nein", "tagmonat": "TT.MM."}


def test_user_doc_tables_match_the_schemas() -> None:
    text = DOC.read_text(encoding="utf-8")
    for kind in Kind:
        spec = kind_spec(kind)
        section = text.split(f"### {spec.label}\n", 1)[1].split("###", 1)[0]
        for col in spec.columns.values():
            choices = f" ({', '.join(col.choices)})" if col.choices else ""
            line = (f"| {col.header} | {'ja' if col.required else ''} | {TYPE_LABELS[col.type]}{choices} | "
                    f"{', '.join(col.aliases)} |")
            assert line in section, line


def test_fold() -> None:
    assert fold("VzÄ¹") == fold("vzae") == fold("V Z Ä") == "vzae"
    assert fold("Entgelt-\nanspruch") == "entgeltanspruch"
    assert fold("Gläubiger") == fold("Glaeubiger")

"""Excel's limits on headers, footers and document properties: long texts are cut visibly, never refused.

An NRW case names 53 Kreise; its Abgleich footer and its "Kreis" property would exceed 255 characters,
which Excel refuses to open as written (xlsxwriter only warns and drops or keeps the text).
"""

from __future__ import annotations

import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import xlsxwriter

from kimrecon.write import xlsx

KREISE = ", ".join(f"Kreis Nummer {i:02d} & Co" for i in range(53))  # 53 × 24 − 2 = 1.270 characters


def test_a_footer_and_a_property_of_53_kreise_stay_within_excels_limits(tmp_path: Path) -> None:
    path = tmp_path / "lang.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns about texts beyond the limits
        wb = xlsxwriter.Workbook(str(path))
        xlsx.set_properties(wb, title="t", subject="s", created=datetime(2024, 1, 1), extra=(("Kreis", KREISE),))
        ws = wb.add_worksheet("Kanten")
        ws.write(0, 0, "x")
        xlsx.print_setup(ws, f"Lauf-ID 20240101-000000-abcdef12 · {KREISE} · 2023-12", [10, 10])
        wb.close()
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        custom = z.read("docProps/custom.xml").decode()
    footer = sheet.split("<oddFooter>")[1].split("</oddFooter>")[0].replace("&amp;", "&")
    assert len(footer) <= 255
    assert footer.startswith("&L&8Lauf-ID 20240101-000000-abcdef12 · Kreis Nummer 00 && Co")
    assert footer.endswith("…&R&8Seite &P von &N")
    value = custom.split('name="Kreis"')[1].split("<vt:lpwstr>")[1].split("</vt:lpwstr>")[0].replace("&amp;", "&")
    assert len(value) == 255 and value.endswith("…") and value.startswith("Kreis Nummer 00 & Co, Kreis Nummer 01")


def test_short_texts_are_kept_whole() -> None:
    assert xlsx.hf_fit("Lauf-ID 1 · Kreis Unna & Co · 2023-12", 232) == "Lauf-ID 1 · Kreis Unna && Co · 2023-12"
    assert xlsx.shorten("Kreis Unna", 255) == "Kreis Unna"

"""Blank input templates per sheet kind, generated from ``schemas/`` (header, drop-downs, formats, example row)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

from kimrecon.inputs import Kind
from kimrecon.read.spec import ColumnSpec, kind_spec
from kimrecon.write.atomic import write_atomic

TEMPLATE_KINDS: dict[str, Kind] = {
    "bescheid": Kind.BESCHEID,
    "zuweisung": Kind.ZUWEISUNG,
    "schluessel": Kind.SCHLUESSEL,
    "besetzung": Kind.BESETZUNG,
    "zahlungen": Kind.ZAHLUNGEN,
    "rueckforderungen": Kind.RUECKFORDERUNGEN,
    "vertrag": Kind.VERTRAG,
    "nachweise": Kind.NACHWEISE,
}

EXAMPLE_SHEET = "Beispiel"  # the reader skips sheets whose name starts with "Beispiel"
HEADER_ROW = 3  # 0-based row of the header: a title and a "Stand:" line above it
DATA_ROWS = 2000  # rows that carry drop-downs and formats

_FORMATS = {
    "cent": '#,##0.00 "€"',
    "e4": "0.0###",
    "h100": "0.00",
    "int": "0",
    "date": "DD.MM.YYYY",
    "text": "@",
    "ags": "@",
    "bool": "@",
    "tagmonat": "@",
}
_WIDTH = {"date": 13, "cent": 16, "e4": 10, "h100": 13, "int": 8, "bool": 15, "tagmonat": 14}
_HELP = {
    "cent": "Betrag in Euro, z. B. 57.000,00",
    "e4": "Vollzeitäquivalente, z. B. 0,5",
    "h100": "Stunden je Woche, z. B. 19,5",
    "int": "Jahr, z. B. 2023",
    "date": "Datum TT.MM.JJJJ",
    "tagmonat": "Tag und Monat, z. B. 31.03.",
    "bool": "ja oder nein",
    "ags": "Amtlicher Gemeindeschlüssel, 8 Ziffern",
}


def _example_value(col: ColumnSpec) -> object:
    text = col.example
    if text == "":
        return None
    if col.type == "date":  # ISO (2023-03-01) or German (28.03.2024), as the schema writes it
        if "." in text:
            return dt.datetime.strptime(text, "%d.%m.%Y")
        return dt.datetime.fromisoformat(text)
    if col.type in ("cent", "e4", "h100"):
        return float(Decimal(text))  # a short decimal: its float's repr is the same number
    if col.type == "int":
        return int(text)
    return text


def _validation(col: ColumnSpec) -> dict[str, object] | None:
    message = _HELP.get(col.type, "")
    base: dict[str, object] = {"input_title": col.header[:32], "input_message": message[:255]} if message else {}
    if col.choices:
        return {
            **base,
            "validate": "list",
            "source": list(col.choices),
            "error_type": "warning",
            "error_message": "Bitte einen Wert aus der Liste wählen: " + ", ".join(col.choices),
        }
    if col.type == "date":
        return {
            **base,
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_message": "Bitte ein Datum im Format TT.MM.JJJJ eintragen.",
        }
    if col.type in ("cent", "e4", "h100"):
        return {
            **base,
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_message": "Bitte eine Zahl ab 0 eintragen.",
        }
    if col.type == "int":
        return {
            **base,
            "validate": "integer",
            "criteria": "between",
            "minimum": 2020,
            "maximum": 2100,
            "error_message": "Bitte ein Jahr eintragen, z. B. 2023.",
        }
    return {**base, "validate": "any"} if base else None


def _produce(kind: Kind, path: Path) -> None:
    import xlsxwriter

    spec = kind_spec(kind)
    cols = list(spec.columns.values())
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties(
        {"title": f"kimrecon-Vorlage {spec.label}", "author": "kimrecon", "created": dt.datetime(2024, 1, 1)}
    )
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    note_fmt = wb.add_format({"italic": True, "font_color": "#555555"})
    head_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    req_fmt = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "top"})
    formats = {t: wb.add_format({"num_format": f}) for t, f in _FORMATS.items()}
    for sheet_name, example in ((spec.label[:31], False), (EXAMPLE_SHEET, True)):
        ws = wb.add_worksheet(sheet_name)
        title = f"{spec.label} – Beispiel" if example else f"{spec.label} – Vorlage (kimrecon)"
        ws.write_string(0, 0, title, title_fmt)
        ws.write_string(
            1,
            0,
            "Pflichtspalten sind orange. Dieses Blatt wird beim Einlesen nicht ausgewertet."
            if example
            else "Stand: TT.MM.JJJJ – Pflichtspalten sind orange; eine Zeile je Eintrag, ab Zeile 5.",
            note_fmt,
        )
        for j, col in enumerate(cols):
            ws.write_string(HEADER_ROW, j, col.header, req_fmt if col.required else head_fmt)
            ws.set_column(j, j, max(_WIDTH.get(col.type, 18), len(col.header) + 2), formats[col.type])
            if not example:
                rule = _validation(col)
                if rule:
                    ws.data_validation(HEADER_ROW + 1, j, HEADER_ROW + DATA_ROWS, j, rule)
        ws.freeze_panes(HEADER_ROW + 1, 0)
        if example:
            for j, col in enumerate(cols):
                value = _example_value(col)
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    ws.write_datetime(HEADER_ROW + 1, j, value, formats["date"])
                elif isinstance(value, (int, float)):
                    ws.write_number(HEADER_ROW + 1, j, value, formats[col.type])
                else:
                    ws.write_string(HEADER_ROW + 1, j, str(value), formats[col.type])
    wb.close()


def write_template(kind: Kind, path: Path) -> Path:
    """Write the blank template of one sheet kind to ``path`` atomically and return the path."""
    out = write_atomic(Path(path), lambda tmp: _produce(kind, tmp))
    umask = os.umask(0)
    os.umask(umask)
    out.chmod(0o666 & ~umask)  # a template is a normal document, not a private temp file
    return out

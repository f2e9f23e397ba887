"""The Diagramme sheet: per recipient two live line charts over the Monatsmatrix, never split across pages."""

from __future__ import annotations

from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_DIA, S_MAT, Book
from kimrecon.write.abgleich.monatsmatrix import COLUMNS as MAT

MAX_CHART_RECIPIENTS = 40
CHART_ROWS = 16  # rows per chart line (a 300-pixel chart plus a gap)
WIDTHS = [145.0]  # two charts side by side, about 1 060 pixels
PAGE_HEIGHT_PX = (8.27 - 1.5) * 96  # landscape A4 without top and bottom margins


def write(book: Book) -> None:
    """Write the Diagramme sheet."""
    fm = book.fm
    ws = book.wb.add_worksheet(S_DIA)
    ws.write_string(0, 0, "Diagramme (live aus dem Blatt Monatsmatrix)", fm.title)
    m = book.mat
    if len(m) == 0 or book.layout.mat_split:
        ws.write_string(1, 0, "Keine Diagramme: keine Monatswerte." if len(m) == 0 else
                        "Keine Diagramme: die Monatsmatrix ist auf mehrere Blätter verteilt.", fm.note)
        xlsx.protect_sheet(ws)
        return
    jahr = book.r.jahr
    if jahr not in set(int(x) for x in m["jahr"].tolist()):
        jahr = int(m["jahr"].max())
    groups: list[tuple[str, int, int]] = []  # (empfaenger, first row, last row) 0-based
    first_row = xlsx.HEADER_ROW + 1
    for i, (e, j) in enumerate(zip(m["empfaenger"].tolist(), [int(x) for x in m["jahr"].tolist()], strict=True)):
        if j != jahr:
            continue
        if groups and groups[-1][0] == e and groups[-1][2] == first_row + i - 1:
            groups[-1] = (e, groups[-1][1], first_row + i)
        else:
            groups.append((e, first_row + i, first_row + i))
    shown = groups[:MAX_CHART_RECIPIENTS]
    note = f"Jahr {jahr}: je Empfänger links VzÄ zugeteilt und besetzt, rechts förderfähig (Teilbaum) und " \
           "ausgezahlt, kumuliert."
    if len(groups) > len(shown):
        note += f" Gezeigt werden die ersten {len(shown)} von {len(groups)} Empfängern (Reihenfolge wie in der " \
                "Monatsmatrix); die übrigen Werte stehen im Blatt Monatsmatrix."
    ws.write_string(1, 0, note, fm.note)
    col = MAT.index
    for k, (e, a, b) in enumerate(shown):
        top = 3 + k * CHART_ROWS
        geber = book.geber_of.get((e, jahr), "")
        vzae = (((col("VzÄ zugeteilt"), "VzÄ zugeteilt", "#1F4E79"), (col("VzÄ besetzt"), "VzÄ besetzt", "#C55A11")),
                f"{e} {jahr}: VzÄ zugeteilt und besetzt", "VzÄ", "0.0#", 480)
        money = (((col("Förderfähig Teilbaum kumuliert"), "Förderfähig kumuliert", "#548235"),
                  (col("Ausgezahlt kumuliert"), "Ausgezahlt kumuliert", "#7030A0")),
                 f"{geber} → {e} {jahr}: förderfähig und ausgezahlt", "Euro", '#,##0 "€"', 560)
        for first_col, (series, title, y_name, y_format, width) in ((0, vzae), (8, money)):
            chart = book.wb.add_chart({"type": "line"})
            for c, label, color in series:
                chart.add_series({"name": label, "categories": [S_MAT, a, col("Monat"), b, col("Monat")],
                                  "values": [S_MAT, a, c, b, c],
                                  "line": {"color": color, "width": 2.25}, "marker": {"type": "circle", "size": 4}})
            chart.set_title({"name": title, "name_font": {"size": 10}})
            chart.set_x_axis({"name": "Monat"})
            chart.set_y_axis({"name": y_name, "num_format": y_format, "min": 0})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": width, "height": 300})
            ws.insert_chart(top, first_col, chart)
    scale = xlsx.print_setup(ws, book.footer, WIDTHS)
    # a page break between chart lines, never through a chart: as many lines per page as fit at this scale
    per_page = max(1, int(PAGE_HEIGHT_PX / (20 * scale / 100)) // CHART_ROWS)
    ws.set_h_pagebreaks([3 + k * CHART_ROWS for k in range(per_page, len(shown), per_page)])
    ws.print_area(0, 0, 3 + len(shown) * CHART_ROWS, 15)
    xlsx.protect_sheet(ws)

"""The I/O floor: read the case's input cells with fastexcel, write the same output cells with xlsxwriter.

No validation and no computation: the least any tool must spend to read these workbooks and write
this Abgleich. Usage: ``python -m benchmarks.contenders.io_floor CASE_DIR OUT.xlsx [CELLS.pkl]``.

The output cells come from ``CELLS.pkl``, taken (outside the timing) from the Abgleich workbook a
kimrecon run wrote for the same case: every sheet, every cell with its value, formula (with its
cached value) and number format class, streamed chunk by chunk. Without it, the floor writes the naive pipeline's output
shape (month matrix per recipient) from the input frames.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

TITLE_ROWS = 3


def read_inputs(case: Path) -> dict[str, object]:
    """Every sheet of every workbook into a pandas frame (fastexcel, header under the title block)."""
    import logging

    import fastexcel

    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # mixed-type columns fall back to text
    frames: dict[str, object] = {}
    for p in sorted(case.glob("*.xlsx")):
        reader = fastexcel.read_excel(str(p))
        for name in reader.sheet_names:
            frames[f"{p.name}:{name}"] = reader.load_sheet(name, header_row=TITLE_ROWS).to_pandas()
    return frames


Cells = list[list[tuple[str, object, object]]]


def stream(path: Path) -> Iterator[tuple[str, Cells]]:
    """(sheet title, chunk of rows) from the streamed reference file written by ``benchmarks.run``."""
    with path.open("rb") as fh:
        title = ""
        while True:
            try:
                tag, payload = pickle.load(fh)
            except EOFError:
                return
            if tag == "sheet":
                title = str(payload)
                yield title, []
            else:
                yield title, payload


def write_cells(chunks: Iterable[tuple[str, Cells]], out: Path) -> int:
    """Write (kind, value, cached) cells row by row with xlsxwriter's constant_memory mode."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    fmt = {"date": wb.add_format({"num_format": "DD.MM.YYYY"}), "eur": wb.add_format({"num_format": '#,##0.00 "€"'}),
           "num": None, "str": None, "bool": None}
    n = 0
    ws = None
    title = None
    r = -1
    for chunk_title, rows in chunks:
        if chunk_title != title or ws is None:
            ws = wb.add_worksheet(chunk_title)
            title, r = chunk_title, -1
        for row in rows:
            r += 1
            for c, (kind, value, cached) in enumerate(row):
                if value is None:
                    continue
                n += 1
                if kind == "formula":
                    ws.write_formula(r, c, str(value), fmt["eur"], cached)
                elif kind == "date":
                    ws.write_datetime(r, c, value, fmt["date"])
                elif kind in ("num", "eur"):
                    ws.write_number(r, c, value, fmt[kind])
                elif kind == "bool":
                    ws.write_boolean(r, c, bool(value))
                else:
                    ws.write_string(r, c, str(value))
    wb.close()
    return n


def synthetic_output(frames: dict[str, object]) -> list[tuple[str, Cells]]:
    """Without reference cells: one row per recipient and month with eight numbers (the month matrix)."""
    import pandas as pd

    staff = [f for k, f in frames.items() if k.startswith("Besetzung_")]
    rows: list[list[tuple[str, object, object]]] = [[("str", h, None) for h in
                                                     ("Empfänger", "Monat", "VzÄ zugeteilt", "VzÄ besetzt",
                                                      "förderfähig", "ausgezahlt", "Saldo", "kumuliert")]]
    if staff:
        df = pd.concat(staff, ignore_index=True)  # type: ignore[arg-type]
        keys = df[["Kommune", "Beginn"]].dropna().drop_duplicates()
        for town, start in zip(keys["Kommune"].tolist(), keys["Beginn"].tolist(), strict=True):
            row: list[tuple[str, object, object]] = [("str", town, None), ("date", start, None)]
            rows.append(row + [("num", 0.0, None)] * 6)
    return [("Monatsmatrix", rows)]


def main(argv: list[str]) -> int:
    """Read, then write; print rows read, cells written and the CPU seconds of each half as JSON."""
    import json
    import time

    case, out = Path(argv[0]), Path(argv[1])
    t0 = time.process_time()
    frames = read_inputs(case)
    t1 = time.process_time()
    chunks = stream(Path(argv[2])) if len(argv) > 2 and Path(argv[2]).exists() else synthetic_output(frames)
    n = write_cells(chunks, out)
    t2 = time.process_time()
    rows = sum(len(f) for f in frames.values())  # type: ignore[misc,arg-type]
    print(json.dumps({"rows_read": rows, "cells_written": n, "read_cpu_s": round(t1 - t0, 3),
                      "write_cpu_s": round(t2 - t1, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

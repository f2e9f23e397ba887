"""Generate synthetic, seeded case folders (Kreis, NRW-year, NRW-decade) as messy-but-valid workbooks.

Run from the repository root: ``python -m benchmarks.generate --size nrw-year``. Cases go to
``benchmarks/cases/<size>/`` (gitignored). The same seed gives the same workbooks' cell contents.

Shape of a case (spec §5, §9), in the style of ``workbooks/beispiel-kreis-unna-2023``: one workbook
per sheet kind, payer or town and year, a title block above the header, German headers, dates as
real dates, amounts as numbers with a € format, plus the mess the reader must cope with: an extra
"Bemerkung" column, a "Summe" row under Zuweisung and Zahlungen, optionally a footnote, and some hours
written as German text ("19,5").

Two layouts for the NRW sizes:

- ``per-kreis``: what NRW really is, one Bescheid per Kreis and year in one case folder
  (53 Bescheid-level trees side by side);
- ``single-root`` (default): one Bescheid per year to a synthetic Erstempfänger "Land NRW
  (Gesamtfall)", the 53 Kreise as hubs below it. Same recipients, people, rows and payments;
  used for the measured tables; the engine now also reconciles ``per-kreis`` (see benchmarks/README.md).

Besetzung rows are monthly staffing reports: one row per person and month (clipped to the month,
so the rows never overlap), a second row in a month where the hours change, the interruption
(Elternzeit, Krankengeld …) clipped to the row with its pay claim.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import random
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
D = dt.date

TITLE_ROWS = 3  # two title lines and a blank row: the header is on Excel row 4 (0-based index 3)
FIXED = dt.datetime(2024, 1, 31, 12, 0, 0)
BEHOERDE = "Bezirksregierung Arnsberg"
ROOT = "Land NRW (Gesamtfall)"
MINISTERIUM = "Ministerium für Kinder, Jugend, Familie, Gleichstellung, Flucht und Integration NRW"
# Two kinds of mess were switched off for the measurements of 24 Nov 2026 (RESULTS.md), because
# the reader/validator of that morning rejected them; both are accepted since ~05:15 UTC and are on:
# "nein"/"ja" in Entgeltanspruch (off: empty = no claim, and no paid interruptions), and a
# footnote under each staffing table (off: none).
ENTGELT_TEXT = True
FOOTNOTES = True
HOURS = [39.0, 39.0, 39.0, 39.0, 35.0, 30.0, 29.25, 25.0, 19.5, 19.5]


def rate_cent(year: int) -> int:
    """R2: 55.000 € per VzÄ in 2021 and 2022, 57.000 € from 2023 (the Bescheid carries it)."""
    return 5_500_000 if year < 2023 else 5_700_000


@dataclass(frozen=True)
class Size:
    """One benchmark size: how many Kreise, towns, people and years."""

    name: str
    years: tuple[int, ...]
    kreise: int  # Kreise (with towns)
    kreisfreie: int  # kreisfreie Städte (one recipient each)
    towns_per_kreis: tuple[int, int]  # towns of a Kreis, min and max
    people_per_vzae: float  # people per allotted VzÄ (part time, overstaffing)
    staff_town: tuple[int, int]  # posts per ordinary town
    staff_city: tuple[int, int]  # posts per kreisfreie Stadt
    staff_kreis: tuple[int, int]  # posts of the Kreis itself

    @property
    def month(self) -> str:
        """The run month: December of the last year."""
        return f"{self.years[-1]}-12"


SIZES: dict[str, Size] = {
    # 10 towns (one hub with two children) and the Kreis's own posts, ~40 people, one year
    "kreis": Size("kreis", (2023,), 1, 0, (10, 10), 1.2, (2, 5), (0, 0), (2, 3)),
    # 53 Kreise' worth: 31 Kreise with 12 towns, 22 kreisfreie Städte: ~425 recipients, ~5 000 people
    "nrw-year": Size("nrw-year", (2023,), 31, 22, (10, 14), 1.2, (7, 12), (28, 44), (8, 12)),
    # three Kreise and a kreisfreie Stadt: a small case to check several Bescheide in one folder
    "multi-kreis": Size("multi-kreis", (2023,), 3, 1, (4, 5), 1.2, (2, 4), (4, 6), (2, 3)),
    # the same over ten years: ~600 000 person-month rows
    "nrw-decade": Size("nrw-decade", tuple(range(2021, 2031)), 31, 22, (10, 14), 1.2, (7, 12), (28, 44), (8, 12)),
}


@dataclass
class Recipient:
    """A node of the forwarding tree below a Bescheid: the Kreis, a town, a hub or a hub's child."""

    name: str
    kreis: str  # the Kreis (Bescheid recipient) it belongs to
    parent: str | None  # the hub above it; None = directly from the Kreis (or the Kreis itself)
    posts: int
    vzae_e4: int = 0  # own allotment, ten-thousandths
    children: list[str] = field(default_factory=list)


@dataclass
class Segment:
    """One employment segment of a person on a post (constant hours)."""

    pid: str
    post: str
    start: dt.date
    end: dt.date
    hours: float


_SYL_A = ["Al", "Ber", "Bor", "Dal", "Dor", "El", "Fal", "Gel", "Hal", "Her", "Ib", "Kal", "Ker", "Lan", "Lin",
          "Mar", "Mes", "Nie", "Nor", "Ol", "Pel", "Rad", "Ren", "Sal", "Sen", "Stein", "Tel", "Un", "Vel", "Wal",
          "Wer", "Wil", "Xan", "Zel", "Brak", "Drei", "Frie", "Gre", "Hüls", "Kem", "Lüd", "Mön", "Rhe", "Schwa"]
_SYL_B = ["bach", "beck", "berg", "born", "brück", "burg", "dorf", "feld", "hagen", "hausen", "heim", "hofen",
          "holz", "horst", "kamp", "kirchen", "lar", "linghausen", "loh", "mar", "rath", "rode", "scheid",
          "stadt", "stedt", "tal", "trup", "wede", "weiler", "werth", "wik", "winkel"]


class NameMaker:
    """Unique synthetic town names (unique after the reader's name folding)."""

    def __init__(self, rng: random.Random) -> None:
        """Start with no names taken."""
        self.rng = rng
        self.taken: set[str] = set()

    def make(self) -> str:
        """A fresh name such as "Kemholz"."""
        for _ in range(10_000):
            name = self.rng.choice(_SYL_A) + self.rng.choice(_SYL_B)
            if self.rng.random() < 0.15:
                name += self.rng.choice(["-Nord", "-Süd", " an der Ruhr", " am Rhein", "-Land"])
            key = name.casefold()
            if key not in self.taken:
                self.taken.add(key)
                return name
        raise RuntimeError("name space exhausted")


def build_tree(size: Size, rng: random.Random) -> tuple[list[str], dict[str, Recipient]]:
    """The Kreise (Bescheid recipients) and every recipient with its parent and number of posts."""
    names = NameMaker(rng)
    kreise: list[str] = []
    nodes: dict[str, Recipient] = {}
    for _ in range(size.kreise):
        base = names.make()
        kreis = f"Kreis {base}"
        kreise.append(kreis)
        nodes[kreis] = Recipient(kreis, kreis, None, rng.randint(*size.staff_kreis))
        n_towns = rng.randint(*size.towns_per_kreis)
        towns = [f"{rng.choice(['Stadt', 'Stadt', 'Gemeinde'])} {names.make()}" for _ in range(n_towns)]
        hub = towns[0]
        for i, town in enumerate(towns):
            # one hub per Kreis with two children (spec §1: Bergkamen → Kamen, Bönen)
            parent = hub if i in (1, 2) else None
            nodes[town] = Recipient(town, kreis, parent, rng.randint(*size.staff_town))
            if parent:
                nodes[parent].children.append(town)
    for _ in range(size.kreisfreie):
        city = f"Stadt {names.make()}"
        kreise.append(city)
        nodes[city] = Recipient(city, city, None, rng.randint(*size.staff_city))
    for node in nodes.values():
        # allotment in 0,5-VzÄ steps, at least 0,5 (R3a), a little under the posts (part time)
        half_steps = max(1, round(node.posts * 0.85 * 2))
        node.vzae_e4 = half_steps * 5000
    return kreise, nodes


def _month_end(y: int, m: int) -> dt.date:
    return D(y, m, calendar.monthrange(y, m)[1])


def _rand_date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def staff_post(rng: random.Random, post: str, prefix: str, counter: list[int], first: dt.date,
               last: dt.date) -> tuple[list[Segment], dict[str, list[tuple[dt.date, dt.date, str, bool]]]]:
    """Occupants of one post over the whole period: tenures, vacancies, hours changes, interruptions."""
    segments: list[Segment] = []
    breaks: dict[str, list[tuple[dt.date, dt.date, str, bool]]] = {}
    # some posts start vacant or mid-period
    day = first if rng.random() < 0.8 else _rand_date(rng, first, min(last, first + dt.timedelta(days=200)))
    while day <= last:
        counter[0] += 1
        pid = f"{prefix}-P{counter[0]:05d}"
        tenure = int(rng.expovariate(1 / 1100)) + 90  # days, mean ~3 years
        end = min(last, day + dt.timedelta(days=tenure))
        hours = rng.choice(HOURS)
        seg_start = day
        while True:  # hours changes (Stundenänderung) during the tenure
            change = seg_start + dt.timedelta(days=int(rng.expovariate(1 / 700)) + 60)
            if change >= end:
                segments.append(Segment(pid, post, seg_start, end, hours))
                break
            segments.append(Segment(pid, post, seg_start, change - dt.timedelta(days=1), hours))
            seg_start, hours = change, rng.choice(HOURS)
        # interruptions: Elternzeit / Krankengeld without pay, Sonderurlaub with pay now and then
        span = (end - day).days
        n_breaks = sum(1 for _ in range(max(1, span // 365)) if rng.random() < 0.06)
        for _ in range(n_breaks):
            b_start = _rand_date(rng, day, end)
            kind = rng.random()
            if kind < 0.6:
                grund, pay, length = "Elternzeit", False, rng.randint(60, 365)
            elif kind < 0.85:
                grund, pay, length = "Krankengeld", False, rng.randint(30, 180)
            else:
                grund, pay, length = "Sonderurlaub ohne Bezüge", False, rng.randint(20, 90)
            b_end = min(end, b_start + dt.timedelta(days=length))
            if rng.random() < 0.1:
                grund, pay = "Mutterschutz", True  # Mutterschutz with pay: no effect on the amount
                if not ENTGELT_TEXT:
                    continue
            breaks.setdefault(pid, []).append((b_start, b_end, grund, pay))
        # vacancy before the next occupant: none, a few days, or whole months
        gap = rng.choice([1, 1, 1, 15, 31, 45, 62, 92])
        day = end + dt.timedelta(days=gap)
    return segments, breaks


Break = tuple[dt.date, dt.date, str, bool]  # von, bis, Grund, Entgeltanspruch
Row = tuple[str, str, dt.date, dt.date, float, Break | None]


def monthly_rows(segments: Sequence[Segment], breaks: dict[str, list[Break]], year: int) -> list[Row]:
    """The monthly staffing reports of a year: each segment clipped to each month it touches."""
    out = []
    y0, y1 = D(year, 1, 1), D(year, 12, 31)
    for s in segments:
        if s.end < y0 or s.start > y1:
            continue
        m = max(s.start, y0).month
        last_m = min(s.end, y1).month
        for month in range(m, last_m + 1):
            a = max(s.start, D(year, month, 1))
            b = min(s.end, _month_end(year, month))
            brk = None
            for b0, b1, grund, pay in breaks.get(s.pid, ()):
                if b0 <= b and b1 >= a:
                    brk = (max(b0, a), min(b1, b), grund, pay)
                    break
            out.append((s.pid, s.post, a, b, s.hours, brk))
    return out


def _entgelt(pay: bool) -> str | None:
    if ENTGELT_TEXT:
        return "ja" if pay else "nein"
    return "ja" if pay else None


def _safe(name: str) -> str:
    return name.replace("Stadt ", "").replace("Gemeinde ", "").replace("/", "-").replace(" ", "_")


class Book:
    """One workbook with one sheet written row by row (xlsxwriter, constant_memory)."""

    def __init__(self, path: Path, sheet: str, title: Sequence[str], header: Sequence[str],
                 widths: Sequence[int]) -> None:
        """Open the workbook and write the title block and the header."""
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.wb.set_properties({"author": "kimrecon Benchmark", "created": FIXED})
        self.ws = self.wb.add_worksheet(sheet)
        self.date = self.wb.add_format({"num_format": "DD.MM.YYYY"})
        self.eur = self.wb.add_format({"num_format": '#,##0.00 "€"'})
        self.bold = self.wb.add_format({"bold": True})
        head = self.wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "vcenter"})
        for c, w in enumerate(widths):
            self.ws.set_column(c, c, w)
        self.ws.write_string(0, 0, title[0], self.wb.add_format({"bold": True, "font_size": 14}))
        self.ws.write_string(1, 0, title[1])
        for c, h in enumerate(header):
            self.ws.write_string(TITLE_ROWS, c, h, head)
        self.ws.freeze_panes(TITLE_ROWS + 1, 0)
        self.row = TITLE_ROWS + 1

    def put(self, values: Iterable[object], eur: Sequence[int] = (), bold: bool = False) -> None:
        """Write one data row: dates with a date format, amounts (in euros) with a € format."""
        ws, r = self.ws, self.row
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, v, self.date)
            elif isinstance(v, str):
                ws.write_string(r, c, v, self.bold if bold else None)
            elif c in eur:
                ws.write_number(r, c, v, self.eur)
            else:
                ws.write_number(r, c, v)
        self.row += 1

    def footnote(self, text: str) -> None:
        """A blank row and a footnote under the table."""
        self.row += 1
        self.ws.write_string(self.row, 0, text)
        self.row += 1

    def close(self) -> None:
        """Write the file."""
        self.wb.close()


def _euro(cents: int) -> float:
    # amounts are written as numbers in euros (as a clerk's sheet holds them); cents/100 is exact
    # to the cent in a double's shortest repr, which the reader converts via repr (excel-notes.md)
    return cents / 100


def split_months(total_cent: int) -> list[int]:
    """A yearly amount as twelve monthly instalments to the cent (the last takes the rest)."""
    base = total_cent // 12
    return [base] * 11 + [total_cent - 11 * base]


def generate(size_name: str, out: Path, seed: int = 20231231, layout: str = "single-root") -> dict[str, object]:
    """Write one case folder and return its facts (counts) for the harness."""
    size = SIZES[size_name]
    rng = random.Random(f"{seed}-{size_name}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    kreise, nodes = build_tree(size, rng)
    first, last = D(size.years[0], 1, 1), D(size.years[-1], 12, 31)
    years = size.years
    single = layout == "single-root" and len(kreise) > 1

    # --- staffing: occupants of every post over the whole period ---
    staff: dict[str, tuple[list[Segment], dict[str, list[tuple[dt.date, dt.date, str, bool]]]]] = {}
    for i, node in enumerate(nodes.values()):
        counter = [0]
        prefix = f"R{i:03d}"
        segs: list[Segment] = []
        brks: dict[str, list[tuple[dt.date, dt.date, str, bool]]] = {}
        for p in range(node.posts):
            post_segs, post_breaks = staff_post(rng, f"{prefix}-S{p + 1:02d}", prefix, counter, first, last)
            segs += post_segs
            brks.update(post_breaks)
        staff[node.name] = (segs, brks)

    person_month_rows = 0
    people: set[str] = set()
    files = 0
    for year in years:
        rate = rate_cent(year)
        # --- Besetzung: one workbook per recipient and year, monthly reports ---
        for node in nodes.values():
            segs, brks = staff[node.name]
            rows = monthly_rows(segs, brks, year)
            if not rows:
                continue
            book = Book(out / f"Besetzung_{_safe(node.name)}_{year}.xlsx", "Besetzung",
                        [f"{node.name} – Stellenbesetzung KIM Case Management {year} (Monatsmeldungen)",
                         f"Stand: {D(year, 12, 31):%d.%m.%Y}"],
                        ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden", "Tarifstunden",
                         "Unterbrechung von", "Unterbrechung bis", "Grund", "Entgeltanspruch", "Bemerkung"],
                        [22, 12, 14, 12, 12, 14, 12, 16, 16, 22, 14, 24])
            last_pid = ""
            for pid, post, a, b, hours, brk in rows:
                people.add(pid)
                h: object = hours
                if rng.random() < 0.03:  # German text numbers, as pasted from a finance system
                    h = f"{hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")
                note = None
                if brk is not None:
                    note = brk[2]
                elif pid != last_pid and rng.random() < 0.02:
                    note = rng.choice(["Nachmeldung", "Stundenänderung beantragt", "Vertretung"])
                last_pid = pid
                book.put([node.name, post, pid, a, b, h, 39,
                          brk[0] if brk else None, brk[1] if brk else None, brk[2] if brk else None,
                          _entgelt(brk[3]) if brk else None, note])
            person_month_rows += len(rows)
            if FOOTNOTES:
                book.footnote("Hinweis: Monatsmeldungen; Beginn und Ende je Meldemonat.")
            book.close()
            files += 1

        # --- Bescheid(e) of the year ---
        bescheide: list[tuple[str, str, int]] = []  # (behörde, recipient, vzae_e4)
        subtree = _subtree_vzae(nodes)
        if single:
            bescheide.append((MINISTERIUM, ROOT, sum(n.vzae_e4 for n in nodes.values())))
        else:
            for k in kreise:
                bescheide.append((BEHOERDE, k, sum(n.vzae_e4 for n in nodes.values() if n.kreis == k)))
        book = Book(out / f"Bescheid_KIM_{year}.xlsx", "Bescheid",
                    ["Zuwendungsbescheid Kommunales Integrationsmanagement – Baustein II", f"Förderjahr {year}"],
                    ["Bescheid-ID", "Bescheiddatum", "Aktenzeichen", "Bewilligungsbehörde", "Zuwendungsempfänger",
                     "Art", "Zeitraum von", "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Bewilligungssumme",
                     "Nachweisfrist"],
                    [16, 14, 22, 30, 26, 18, 13, 13, 8, 16, 18, 14])
        for i, (behoerde, empf, vzae_e4) in enumerate(bescheide, start=1):
            total = vzae_e4 * rate // 10_000
            art = "Erstbescheid" if year == years[0] else "Anschlussbescheid"
            book.put([f"ZB-{year}-KIM-{i:03d}", D(year, 2, 15), f"36.04.01-KIM-{year}-{i:03d}", behoerde, empf, art,
                      D(year, 1, 1), D(year, 12, 31), vzae_e4 / 10_000, _euro(rate), _euro(total),
                      D(year + 1, 6, 30)], eur=(9, 10))
        book.close()
        files += 1

        # --- Zuweisung: one per Kreis (single-root: the Kreis is a hub below the root) ---
        for k in kreise:
            members = [n for n in nodes.values() if n.kreis == k]
            book = Book(out / f"Zuweisung_{_safe(k)}_{year}.xlsx", f"Zuweisung {year}",
                        [f"{k} – Zuweisung KIM Baustein II {year}", f"Stand: 01.03.{year}"],
                        ["Lfd. Nr.", "Jahr", "Empfänger", "weitergeleitet über", "VzÄ", "Betrag", "Bemerkung"],
                        [8, 8, 28, 26, 8, 16, 30])
            tot_v = tot_b = 0
            for i, n in enumerate(members, start=1):
                via = n.parent if n.parent else (k if single and n.name != k else None)
                amount = n.vzae_e4 * rate // 10_000
                tot_v += n.vzae_e4
                tot_b += amount
                note = "eigene Stellen des Kreises" if n.name == k else ("über Hub" if n.parent else None)
                book.put([i, year, n.name, via, n.vzae_e4 / 10_000, _euro(amount), note], eur=(5,))
            book.put([None, None, "Summe", None, tot_v / 10_000, _euro(tot_b)], eur=(5,), bold=True)
            book.close()
            files += 1

        # --- Zahlungen: monthly instalments, one workbook per payer and year ---
        payer_rows: dict[str, list[list[object]]] = {}
        n_kz = [0]

        def pay(payer: str, payee: str, total_cent: int, day: int, year: int = year,
                payer_rows: dict[str, list[list[object]]] = payer_rows, n_kz: list[int] = n_kz) -> None:
            _instalments(payer_rows.setdefault(payer, []), payer, payee, total_cent, day, year, rng, n_kz)

        for b_behoerde, b_empf, b_vzae in bescheide:
            pay(b_behoerde, b_empf, b_vzae * rate // 10_000, 3)
        for k in kreise:
            members = [n for n in nodes.values() if n.kreis == k]
            if single:
                pay(ROOT, k, sum(n.vzae_e4 for n in members) * rate // 10_000, 8)
            for n in members:
                if n.name == k:
                    continue
                if n.parent is None:
                    pay(k, n.name, subtree[n.name] * rate // 10_000, 15)
                else:
                    pay(n.parent, n.name, n.vzae_e4 * rate // 10_000, 22)
        for payer, pay_rows in payer_rows.items():
            book = Book(out / f"Zahlungen_{_safe(payer)[:40]}_{year}.xlsx", "Zahlungen",
                        [f"{payer} – Auszahlungen KIM {year}", f"Stand: 31.12.{year}"],
                        ["Datum (Wertstellung)", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen",
                         "Verwendungszweck", "Bemerkung"], [14, 30, 28, 14, 12, 8, 16, 40, 20])
            total = 0
            for r in pay_rows:
                book.put(r, eur=(3,))
                total += round(float(r[3]) * 100)  # type: ignore[arg-type]
            book.put([None, None, "Summe", _euro(total)], eur=(3,), bold=True)
            book.close()
            files += 1

    facts = {
        "size": size_name, "seed": seed, "layout": "single-root" if single else "per-kreis",
        "years": list(years), "month": size.month, "kreise": len(kreise), "recipients": len(nodes),
        "hubs": sum(1 for n in nodes.values() if n.children) + (len(kreise) if single else 0),
        "people": len(people), "person_month_rows": person_month_rows, "files": files,
        "allotted_vzae": sum(n.vzae_e4 for n in nodes.values()) / 10_000,
        "entgelt_text": ENTGELT_TEXT, "footnotes": FOOTNOTES,
    }
    (out / ".facts.json").write_text(json.dumps(facts, indent=2), encoding="utf-8")
    return facts


def _instalments(rows: list[list[object]], payer: str, payee: str, total_cent: int, day: int, year: int,
                 rng: random.Random, n_kz: list[int]) -> None:
    """Twelve monthly Abschläge of a yearly amount; now and then one is paid a month late (R10)."""
    parts = split_months(total_cent)
    skip = rng.random() < 0.05
    late = rng.randint(1, 10)
    for m, part in enumerate(parts, start=1):
        if skip and m == late:
            continue
        amount = part + (parts[m - 2] if skip and m == late + 1 else 0)
        n_kz[0] += 1
        rows.append([D(year, m, day), payer, payee, _euro(amount), "Abschlag", year, f"4.7{n_kz[0]:07d}",
                     f"KIM {year} Abschlag {m:02d}/{year} {payee}"])


def _subtree_vzae(nodes: dict[str, Recipient]) -> dict[str, int]:
    """VzÄ of a recipient's whole subtree (own + children's), for the payments into a hub."""
    return {n.name: n.vzae_e4 + sum(nodes[c].vzae_e4 for c in n.children) for n in nodes.values()}


def with_mode(case: Path, mode: str) -> Path:
    """A sibling case folder with the same workbooks (hard links) and a kimrecon.toml for ``mode``."""
    twin = case.parent / f"{case.name}--{mode}"
    if twin.exists():
        shutil.rmtree(twin)
    twin.mkdir()
    for p in case.glob("*.xlsx"):
        os.link(p, twin / p.name)
    (twin / "kimrecon.toml").write_text(f'[abrechnung]\nmodus = "{mode}"\n', encoding="utf-8")
    return twin


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate one or more sizes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="kreis", help="kreis, nrw-year, nrw-decade (comma-separated)")
    ap.add_argument("--seed", type=int, default=20231231)
    ap.add_argument("--layout", choices=["single-root", "per-kreis"], default="single-root")
    ap.add_argument("--out", type=Path, default=CASES)
    ap.add_argument("--name", default=None, help="folder name of the case under --out (default: the size)")
    args = ap.parse_args(argv)
    for name in args.size.split(","):
        facts = generate(name, args.out / (args.name or name), args.seed, args.layout)
        print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

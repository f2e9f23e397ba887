"""Which list counts: the Stand of a sheet, byte-identical files, a grid's town from its title, newer lists first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding
from kimrecon.inputs import InputFile, Kind, SheetInfo
from kimrecon.names import normalize_name
from kimrecon.read import values as V
from kimrecon.read.files import col_letter


@dataclass(frozen=True)
class TitleBlock:
    """What the rows above a header say: title cells (A1 cell, text), the sheet and file name."""

    cells: tuple[tuple[str, str], ...]
    sheet_name: str
    datei: str

    @property
    def first_cell(self) -> str:
        """The cell of the title (where a year or a town would be written), A1 when there is none."""
        return self.cells[0][0] if self.cells else "A1"


@dataclass(frozen=True)
class SheetFacts:
    """Facts of a read sheet that only matter once every file is read."""

    title: TitleBlock
    stand: dt.date | None = None
    stand_quelle: str = ""  # where the Stand was found ("Zelle A2", "Dateiname")
    grid: bool = False  # a month grid
    open_town: bool = False  # a month grid without a Kommune or AGS column
    town_cell: str = ""  # where a Kommune column would go ("G4")
    year: int | None = None  # the year the list is for, as its title, sheet or file name says


def title_block(rows: list[list[object]], first_header_row: int, sheet_name: str, datei: str) -> TitleBlock:
    """The text cells above the header (a title, a "Stand:" line), with their A1 cells."""
    cells: list[tuple[str, str]] = []
    for r in range(min(first_header_row, len(rows))):
        for c, v in enumerate(rows[r]):
            text = V.text_of(v) if v is not None else None
            if text:
                cells.append((f"{col_letter(c)}{r + 1}", text))
    return TitleBlock(tuple(cells), sheet_name, datei)


_STAND = re.compile(r"^\W*(daten)?stand\b", re.IGNORECASE)


def stand_of(title: TitleBlock) -> tuple[dt.date | None, str]:
    """The Stand of a list: a "Stand:" cell (or the date beside it), a date in the title, in the file name."""
    cells = list(title.cells)
    for i, (cell, text) in enumerate(cells):
        if _STAND.match(text):
            dates = V.dates_in_text(text)
            if not dates and i + 1 < len(cells) and _row_of(cells[i + 1][0]) == _row_of(cell):
                cell, text = cells[i + 1]  # "Stand:" | 01.12.2023 in the next cell of the row
                dates = V.dates_in_text(text)
            if dates:
                return dates[0], f"Zelle {cell}"
    for cell, text in cells:
        dates = V.dates_in_text(text)
        if len(set(dates)) == 1:
            return dates[0], f"Zelle {cell}"
    for source, label in ((title.sheet_name, "Blattname"), (PurePosixPath(title.datei).stem, "Dateiname")):
        dates = V.dates_in_text(source)
        if len(set(dates)) == 1:
            return dates[0], label
    return None, ""


def list_year(title: TitleBlock) -> int | None:
    """The one year the title block names, else the sheet name, else the file name (not years inside dates)."""
    for texts in ([t for _, t in title.cells], [title.sheet_name], [PurePosixPath(title.datei).stem]):
        years: set[int] = set()
        for t in texts:
            years |= V.years_in_text(t)
        if len(years) == 1:
            return years.pop()
        if years:
            return None  # two years named: not guessed
    return None


def _row_of(cell: str) -> str:
    return cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _at(sheet: SheetInfo, cell: str, column: str | None = None) -> SourceRef:
    """A cell of a read sheet ("A2"); the header row (at ``column``'s letter) when no cell is known."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    if m:
        return SourceRef(sheet.datei, sheet.blatt, int(m.group(2)), m.group(1))
    return SourceRef(sheet.datei, sheet.blatt, sheet.header_row, sheet.columns.get(column) if column else None)


def _de(d: dt.date | None) -> str:
    return d.strftime("%d.%m.%Y") if d else "ohne Stand"


def names_in(text: str, known: Sequence[str]) -> set[str]:
    """The known names a text names as whole words ("Kreis Unna" once, not also "Unna")."""
    folded = " ".join(text.replace("_", " ").split()).casefold()
    spans: list[tuple[int, int, str]] = []
    for name in known:
        norm = normalize_name(name)
        if not norm:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(norm)}(?!\w)", folded):
            spans.append((m.start(), m.end(), name))
    return {n for a, b, n in spans if not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2, _ in spans)}


def town_of(title: TitleBlock, known: Sequence[str]) -> tuple[str | None, set[str]]:
    """The one known recipient the title names (else the sheet name, else the file name); or the names seen."""
    seen: set[str] = set()
    for texts in ([t for _, t in title.cells], [title.sheet_name], [PurePosixPath(title.datei).stem]):
        names: set[str] = set()
        for t in texts:
            names |= names_in(t, known)
        if len(names) == 1:
            return names.pop(), set()
        seen |= names
    return None, seen


def settle_lists(
    frames: dict[Kind, pd.DataFrame],
    sheets: Sequence[SheetInfo],
    files: Sequence[InputFile],
    facts: Mapping[int, SheetFacts],
    config: Mapping[str, object],
) -> list[Finding]:
    """Decide which rows count once every file is read; changes ``frames`` in place, returns the findings.

    Byte-identical files count once; a month grid without a town column gets its town from its title;
    of two staffing lists of one town, the one with the newer Stand counts; two that disagree without
    a Stand to tell them apart are a Fehler.
    """
    found: list[Finding] = []
    drop: set[int] = set()
    first_of: dict[str, str] = {}
    for f in files:
        if not f.sha256 or not f.sheets:
            continue
        if f.sha256 in first_of:
            found.append(finding(Code.DATEI_DOPPELT, SourceRef(f.name), severity=Severity.HINWEIS,
                                 andere=first_of[f.sha256]))
            drop |= {i for i, s in enumerate(sheets) if s.datei == f.name}
        else:
            first_of[f.sha256] = f.name
    if drop:
        for kind, frame in frames.items():
            frames[kind] = frame[~frame["_sheet"].isin(list(drop))].reset_index(drop=True)
    found += _grid_towns(frames, sheets, facts)
    if _modus(config) == "tagesprinzip":
        for i, fact in facts.items():
            if fact.grid and i not in drop:
                found.append(finding(Code.MONATSTABELLE_GANZE_MONATE, _at(sheets[i], "", "beginn"),
                                     severity=Severity.HINWEIS))
    found += _staffing_versions(frames, sheets, facts)
    found += _payment_versions(frames, sheets, facts)
    return found


def _modus(config: Mapping[str, object]) -> str:
    section = config.get("abrechnung")
    return str(section.get("modus", "")).strip().casefold() if isinstance(section, Mapping) else ""


def _grid_towns(frames: dict[Kind, pd.DataFrame], sheets: Sequence[SheetInfo],
                facts: Mapping[int, SheetFacts]) -> list[Finding]:
    """A grid without a Kommune column: the one recipient of the Zuweisung its title or file name names."""
    z = frames.get(Kind.ZUWEISUNG)
    b = frames.get(Kind.BESETZUNG)
    open_grids = [i for i, f in facts.items() if f.open_town]
    if z is None or b is None or z.empty or not open_grids:
        return []
    known = [str(x) for x in pd.unique(pd.concat([z["empfaenger"], z["ueber"]]).dropna())]
    found: list[Finding] = []
    for i in open_grids:
        rows = (b["_sheet"] == i) & b["kommune"].isna() & b["ags"].isna()
        if not rows.any():
            continue
        town, seen = town_of(facts[i].title, known)
        if town is not None:
            b.loc[rows, "kommune"] = town
            continue
        s = sheets[i]
        grund = f" eindeutig (genannt sind {' und '.join(f'„{n}“' for n in sorted(seen))})" if seen else ""
        found.append(finding(Code.MONATSTABELLE_KOMMUNE_FEHLT, _at(s, facts[i].town_cell),
                             grund=grund, zelle=facts[i].town_cell, titel=facts[i].title.first_cell))
        b = b[~rows]
    frames[Kind.BESETZUNG] = b.reset_index(drop=True)
    return found


def _where(sheets: Sequence[SheetInfo], sheet: int, zeile: int | None = None, column: str | None = None) -> SourceRef:
    s = sheets[sheet]
    return SourceRef(s.datei, s.blatt, zeile, s.columns.get(column) if column else None)


def _staffing_versions(frames: dict[Kind, pd.DataFrame], sheets: Sequence[SheetInfo],
                       facts: Mapping[int, SheetFacts]) -> list[Finding]:
    """Two staffing lists of one town: the newer Stand wins; without one, rows that disagree are a Fehler."""
    b = frames.get(Kind.BESETZUNG)
    if b is None or b.empty:
        return []
    town = _names(b["kommune"], None).fillna(b["ags"])
    ident = b["personal_id"].astype("string").fillna(b["stelle_id"].astype("string"))
    found: list[Finding] = []
    gone = pd.Series(False, index=b.index)
    # lists of one town for one year (as the title, sheet or file name says) are versions of one list;
    # a town's yearly lists are not (each keeps the interruptions of its own year)
    years = {s: facts[int(s)].year if int(s) in facts else None for s in pd.unique(b["_sheet"])}
    year = b["_sheet"].map(years).fillna(-1)  # each sheet looked up once, mapped per row by pandas
    several = _several_lists(b, town, year)
    for (name, _), grp in b[several].groupby([town[several], year[several]], sort=False):
        lists = list(pd.unique(grp["_sheet"]))
        if len(lists) < 2:
            continue
        shown = str(grp["kommune"].dropna().iloc[0]) if grp["kommune"].notna().any() else str(name)
        ids = {s: set(ident[grp.index[grp["_sheet"] == s]].dropna()) for s in lists}
        dated = [s for s in lists if facts.get(int(s)) is not None and facts[int(s)].stand is not None]
        newest = max(dated, key=lambda s: facts[int(s)].stand) if dated else None  # type: ignore[arg-type,return-value]
        for s in dated:
            old, new = facts[int(s)], facts[int(newest)]  # type: ignore[arg-type]
            if old.stand < new.stand and ids[s] & ids[newest]:  # type: ignore[operator]
                gone[grp.index[grp["_sheet"] == s]] = True
                n = sheets[int(newest)]  # type: ignore[arg-type]
                found.append(finding(
                    Code.LISTE_ERSETZT, _at(sheets[int(s)], old.stand_quelle.removeprefix("Zelle "), "beginn"),
                    severity=Severity.HINWEIS, kommune=shown,
                    stand=f"{_de(old.stand)}, {old.stand_quelle}", neuer=f"„{n.datei} › {n.blatt}“",
                    stand_neu=f"{_de(new.stand)}, {new.stand_quelle}"))
        found += _disagreements(b.loc[grp.index[~gone[grp.index]]], ident, sheets, shown)
    frames[Kind.BESETZUNG] = b[~gone].reset_index(drop=True)
    return found


def _several_lists(b: pd.DataFrame, town: pd.Series, year: pd.Series) -> np.ndarray:
    """Rows of a town and year with two lists or more (only those can be versions; the other groups are skipped)."""
    return (b.groupby([town, year], sort=False)["_sheet"].transform("nunique") >= 2).to_numpy(dtype=bool)


def _names(values: pd.Series, other: object) -> pd.Series:
    """``normalize_name`` of each text cell, ``other`` for the rest; each distinct text is folded once."""
    folded: dict[str, str] = {}

    def one(v: object) -> object:
        if not isinstance(v, str):
            return other
        out = folded.get(v)
        if out is None:
            out = folded[v] = normalize_name(v)
        return out

    return values.map(one)


def _payment_versions(frames: dict[Kind, pd.DataFrame], sheets: Sequence[SheetInfo],
                      facts: Mapping[int, SheetFacts]) -> list[Finding]:
    """Two payment lists of one party that repeat a payment: the one with the newer Stand counts.

    One party's list names that party in every row; an older export of it names the same parties in
    every row and shares bookings with the newer one. Lists of different parties (the payer's and
    the recipient's) are left to the duplicate-payment rules.
    """
    z = frames.get(Kind.ZAHLUNGEN)
    if z is None or z.empty:
        return []
    zahler = _names(z["zahler"], "")
    empf = _names(z["empfaenger"], "")
    booking = z["datum"].astype(str) + "|" + zahler + "|" + empf + "|" + z["betrag_cent"].astype(str)
    lists = [int(s) for s in pd.unique(z["_sheet"]) if facts.get(int(s)) is not None and facts[int(s)].stand]
    owners, names = _owners(z, zahler, empf, lists)
    found: list[Finding] = []
    gone: set[int] = set()
    for s in lists:
        for t in lists:
            old, new = facts[s], facts[t]
            if s == t or t in gone or not old.stand < new.stand or not owners[s] or owners[s] != owners[t]:  # type: ignore[operator]
                continue
            if old.year != new.year:
                continue  # a party's yearly lists are no versions of one another
            if not set(booking[z["_sheet"] == s]) & set(booking[z["_sheet"] == t]):
                continue
            gone.add(s)
            n = sheets[t]
            found.append(finding(
                Code.LISTE_ERSETZT, _at(sheets[s], old.stand_quelle.removeprefix("Zelle "), "betrag_cent"),
                severity=Severity.HINWEIS, kommune=" / ".join(names[o] for o in sorted(owners[s])),
                stand=f"{_de(old.stand)}, {old.stand_quelle}", neuer=f"„{n.datei} › {n.blatt}“",
                stand_neu=f"{_de(new.stand)}, {new.stand_quelle}"))
            break
    if gone:
        frames[Kind.ZAHLUNGEN] = z[~z["_sheet"].isin(list(gone))].reset_index(drop=True)
    return found


def _owners(z: pd.DataFrame, zahler: pd.Series, empf: pd.Series, lists: list[int]) -> (
        tuple[dict[int, set[str]], dict[str, str]]):
    """Per list: the (folded) parties every row names; per folded name: its first spelling as written.

    The rows of each list are taken by position from arrays taken once (no Series per list and column).
    """
    sheet = z["_sheet"].to_numpy()
    columns = [c.to_numpy(dtype=object) for c in (zahler, empf, z["zahler"], z["empfaenger"])]
    owners: dict[int, set[str]] = {}
    names: dict[str, str] = {}
    for s in lists:
        rows = np.flatnonzero(sheet == s)
        common: set[str] | None = None
        for a, b, a_shown, b_shown in zip(*(c[rows].tolist() for c in columns), strict=True):
            common = {a, b} if common is None else common & {a, b}
            names.setdefault(a, str(a_shown))
            names.setdefault(b, str(b_shown))
        owners[s] = (common or set()) - {""}
    return owners, names


def _describe(rows: pd.DataFrame) -> str:
    """"Ende 31.08.2023, Unterbrechung 01.03.2023–30.06.2023" of one employment's rows."""
    first = rows.iloc[0]
    parts = [f"Ende {_de(pd.Timestamp(first['ende']).date()) if pd.notna(first['ende']) else 'offen'}"]
    with_break = rows[rows["unterbrechung_von"].notna()]
    breaks = sorted({(pd.Timestamp(von).date(), pd.Timestamp(bis).date() if pd.notna(bis) else None)
                     for von, bis in zip(with_break["unterbrechung_von"], with_break["unterbrechung_bis"],
                                         strict=True)},
                    key=lambda vb: (vb[0], vb[1] or dt.date.max))
    for von, bis in breaks:
        parts.append(f"Unterbrechung {_de(von)}–{_de(bis) if bis else 'offen'}")
    if not breaks:
        parts.append("keine Unterbrechung")
    return ", ".join(parts)


def _disagreements(rows: pd.DataFrame, ident: pd.Series, sheets: Sequence[SheetInfo], town: str) -> list[Finding]:
    """Same person (or post) and Beginn in two lists with a different Ende or interruption."""
    if rows["_sheet"].nunique() < 2:
        return []
    found: list[Finding] = []
    key = pd.DataFrame({"p": ident[rows.index], "b": rows["beginn"]}, index=rows.index)
    for (person, beginn), grp in rows.groupby([key["p"], key["b"]], sort=False):
        per_sheet = {s: grp[grp["_sheet"] == s] for s in pd.unique(grp["_sheet"])}
        if len(per_sheet) < 2:
            continue
        described = {s: _describe(g) for s, g in per_sheet.items()}
        first, *others = list(per_sheet)
        for s in others:
            if described[s] == described[first]:
                continue
            here = per_sheet[s].iloc[0]
            there = per_sheet[first].iloc[0]
            other = _where(sheets, int(first), int(there["_zeile"]), "ende")
            found.append(finding(
                Code.LISTE_WIDERSPRUCH, _where(sheets, int(s), int(here["_zeile"]), "ende"), kommune=town,
                person=person, beginn=_de(pd.Timestamp(beginn).date()), hier=described[s], dort=described[first],
                andere=f"{other.datei} › {other.blatt} › {other.zelle}"))
    return found

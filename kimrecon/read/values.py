"""Parse cell values as users type them (German numbers, dates as serials or text) into exact integers.

Each parser takes a pandas Series of raw cell values (str, float, int, bool, date, datetime, None)
and returns the parsed Series (canonical dtype) and a boolean mask of cells that hold something
unparseable. Numbers never pass through float arithmetic on the way to cents: a float cell is
converted through its shortest decimal representation (``repr``), text is parsed to ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kimrecon.spec import common_spec

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's 1900 leap-year bug)
_MAX_SERIAL = 2958465  # 9999-12-31
_INT_LIMIT = 2**62  # larger magnitudes are not a plausible amount and would overflow Int64

_UNITS = re.compile(
    r"(€|eur(o)?|std\.?|stunden|stunde|h|vzä|vzae|vollzeitäquivalente|wochenstunden|/\s*woche)$",
    re.IGNORECASE,
)
_FAST_DE = re.compile(r"^\s*(-)?([1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,(\d+))?\s*(?:€|EUR)?\s*$")
_FAST_DOT = re.compile(r"^\s*(-)?(\d+)\.(\d+)\s*$")
_LEAD_UNITS = re.compile(r"^(€|eur(o)?)\s*", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GERMAN_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_DATE_DE = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?:[ ,T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_WEEKDAY = re.compile(r"^[A-Za-zÄÖÜäöü]{2,10}\.?,?\s+(?=\d)")
_DATE_NAMED = re.compile(r"^(\d{1,2})\.?\s*([A-Za-zÄÖÜäöü]{3,9}\.?)\s*(\d{4})$")
_MONTHS = {
    name: i
    for i, names in enumerate(
        [("januar", "jan", "jänner"), ("februar", "feb"), ("märz", "mär", "mrz", "maerz"), ("april", "apr"),
         ("mai",), ("juni", "jun"), ("juli", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("oktober", "okt"), ("november", "nov"), ("dezember", "dez")],
        start=1,
    )
    for name in names
}
_TAGMONAT = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.?(?:\s?(\d{4}|\d{2}))?$")

Parsed = tuple[pd.Series, pd.Series]


def is_empty_text(value: str) -> bool:
    """Tell whether a text cell means "no value" ("", "—", "-", "k. A." …)."""
    return value.strip().casefold() in common_spec().empty


def _foreign_digits(text: str) -> bool:
    """True when the text holds a digit outside 0–9 (Arabic-Indic, full-width …), which Decimal would accept."""
    return any(ch.isdigit() and not ch.isascii() for ch in text)


def decimal_from_text(text: str, *, percent_ok: bool = False) -> Decimal | None:
    """Parse a German (or plain) number written as text: "57.000,00 €", "0,5", "19,5 Std.", "50 %".

    Returns None when the text is not a number. A percentage is returned as a fraction (50 % → 0.5)
    only when ``percent_ok``. Only ASCII digits count: "١٢٣" (Arabic-Indic) is not silently 123.
    """
    if not text.isascii() and _foreign_digits(text):
        return None
    m = _FAST_DE.match(text)
    if m:  # the common forms "57.000,00 €", "-12,5", "2023" without the general machinery
        whole = m.group(2).replace(".", "")
        d = Decimal(f"{whole}.{m.group(3)}" if m.group(3) else whole)
        return -d if m.group(1) else d
    m = _FAST_DOT.match(text)
    if m:
        d = Decimal(f"{m.group(2)}.{m.group(3)}")
        return -d if m.group(1) else d
    s = text.strip()
    if not s:
        return None
    pct = False
    if s.endswith("%"):
        if not percent_ok:
            return None
        pct = True
        s = s[:-1].strip()
    for _ in range(2):
        s = _UNITS.sub("", s.strip()).strip()
    s = _LEAD_UNITS.sub("", s).strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = s.replace("\u2212", "-").replace("–", "-")
    s = re.sub(r",-+$", ",00", s)  # "57.000,-" / "57.000,–": the dash stands for zero cents, not a sign
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    elif s.endswith("-"):
        negative, s = not negative, s[:-1]
    elif s.startswith("+"):
        s = s[1:]
    for _ in range(2):
        s = _UNITS.sub("", s.strip()).strip()
    s = s.replace("€", "")
    s = _SPACES.sub("", s)
    if not s:
        return None
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        if s.count(",") > 1:
            s = s.replace(",", "")
        else:
            s = s.replace(",", ".")
    elif s.count(".") > 1 or _GERMAN_THOUSANDS.match(s):
        if not _GERMAN_THOUSANDS.match(s):
            return None
        s = s.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", s):
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    if pct:
        d = d / 100
    return -d if negative else d


def date_from_text(text: str) -> dt.date | None:
    """Parse "15.02.2023", "15.2.23", "2023-02-15", "15. Februar 2023" (a time part is ignored)."""
    if not text.isascii() and _foreign_digits(text):
        return None
    s = _WEEKDAY.sub("", text.strip())
    m = _DATE_DE.match(s)
    named = _DATE_NAMED.match(s)
    if named:
        month = _MONTHS.get(named.group(2).casefold().rstrip("."))
        if month is None:
            return None
        try:
            return dt.date(int(named.group(3)), month, int(named.group(1)))
        except ValueError:
            return None
    try:
        if m:
            y = int(m.group(3))
            if len(m.group(3)) == 2:
                y += 2000
            return dt.date(y, int(m.group(2)), int(m.group(1)))
        m = _DATE_ISO.match(s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def arrow_strings(s: pd.Series) -> pa.Array | None:
    """The pyarrow array behind a string column (fastexcel), or None for other columns."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arr = pa.array(s.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return None


class _Cells:
    """Masks of a raw column by cell type; a homogeneous column is classified without a Python loop."""

    def __init__(self, s: pd.Series) -> None:
        n = len(s)
        false = np.zeros(n, dtype=bool)
        self.s = s
        self.num = false
        self.str = false
        self.date = false
        self.other = false
        na = s.isna().to_numpy(dtype=bool)
        arr = arrow_strings(s)
        if arr is not None:
            folded = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            blank = pc.is_in(folded, value_set=pa.array(sorted(common_spec().empty), type=arr.type))
            self.empty = na | blank.fill_null(False).to_numpy(zero_copy_only=False)
            self.str = ~self.empty
            return
        if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
            self.num = ~na
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            self.date = ~na
        elif pd.api.types.is_bool_dtype(s.dtype):
            self.other = ~na
        else:
            inferred = pd.api.types.infer_dtype(s, skipna=True)
            if inferred in ("floating", "integer", "mixed-integer-float", "decimal"):
                self.num = ~na
            elif inferred == "string":
                self.str = ~na
            elif inferred in ("date", "datetime", "datetime64"):
                self.date = ~na
            elif inferred != "empty":
                types = s.map(type)
                self.num = types.isin([float, int, np.float64, np.int64]).to_numpy(dtype=bool) & ~na
                self.str = types.eq(str).to_numpy(dtype=bool)
                self.date = types.isin([dt.date, dt.datetime, pd.Timestamp]).to_numpy(dtype=bool) & ~na
                self.other = ~(na | self.num | self.str | self.date)
        self.empty = na.copy()
        if self.str.any():
            strs = s[self.str]
            blank_str = map_unique(strs, lambda u: len(u) <= 16 and is_empty_text(u)).to_numpy(dtype=bool)  # type: ignore[arg-type]
            idx = np.flatnonzero(self.str)
            self.empty[idx[blank_str]] = True
            self.str = self.str & ~self.empty


def map_unique(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """Apply ``func`` once per distinct value (factorised), not once per row."""
    arr = arrow_strings(values)
    if arr is not None:
        enc = pc.dictionary_encode(arr)
        uniques_list = enc.dictionary.to_pylist()
        codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
        results = np.empty(len(uniques_list) + 1, dtype=object)
        for i, u in enumerate(uniques_list):
            results[i] = func(u)
        results[-1] = None
        return pd.Series(results[codes], index=values.index, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        results[i] = func(u)  # element-wise: a result may itself be a tuple
    results[-1] = None
    return pd.Series(results[codes], index=values.index, dtype=object)


def _scaled_from_decimal(d: Decimal, scale: int) -> int:
    return int((d * scale).to_integral_value(rounding=ROUND_HALF_UP))


def parse_scaled(s: pd.Series, scale: int, *, percent_ok: bool = False, integral: bool = False) -> Parsed:
    """Parse a column of numbers to integers of ``1/scale`` (cents: 100, VzÄ e4: 10 000, hours: 100).

    ``integral`` demands whole numbers (a year). Floats go through their shortest repr; a vectorised
    fast path handles the floats whose repr has at most log10(scale) decimals exactly.
    """
    cells = _Cells(s)
    values = np.zeros(len(s), dtype="int64")
    ok = np.zeros(len(s), dtype=bool)
    bad = np.zeros(len(s), dtype=bool)
    if cells.num.any():
        idx = np.flatnonzero(cells.num)
        x = s.iloc[idx].to_numpy(dtype="float64")
        finite = np.isfinite(x)
        with np.errstate(invalid="ignore", over="ignore"):
            c = np.rint(x * scale)
            fast = finite & (np.abs(x) < 1e12) & (c / scale == x)
        if integral:
            fast &= np.mod(c, scale) == 0
        values[idx[fast]] = c[fast].astype("int64")
        ok[idx[fast]] = True
        for i, v in zip(idx[~fast], x[~fast], strict=True):  # rare: more decimals than the scale, or huge
            if not np.isfinite(v):
                bad[i] = True
                continue
            d = Decimal(repr(float(v)))
            n = _scaled_from_decimal(d, scale)
            if (integral and d != d.to_integral_value()) or abs(n) >= _INT_LIMIT:
                bad[i] = True
                continue
            values[i], ok[i] = n, True
    if cells.str.any():

        def conv(text: object) -> int | None:
            d = decimal_from_text(str(text), percent_ok=percent_ok)
            if d is None or (integral and d != d.to_integral_value()):
                return None
            n = _scaled_from_decimal(d, scale)
            return n if abs(n) < _INT_LIMIT else None

        idx = np.flatnonzero(cells.str)
        parsed = map_unique(s.iloc[idx], conv)
        good = parsed.notna().to_numpy(dtype=bool)
        values[idx[good]] = parsed[good].astype("int64").to_numpy()
        ok[idx[good]] = True
        bad[idx[~good]] = True
    bad |= cells.date | cells.other
    out = pd.Series(pd.arrays.IntegerArray(values, ~ok), index=s.index)
    return out, pd.Series(bad, index=s.index)


def parse_int(s: pd.Series) -> Parsed:
    """Parse whole numbers (a year)."""
    out, bad = parse_scaled(s, 1, integral=True)
    return out, bad


def _date_from_any(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        return date_from_text(v)
    return None


def parse_date(s: pd.Series) -> Parsed:
    """Parse dates: real dates, Excel serial numbers, or text "15.02.2023" / "2023-02-15"."""
    cells = _Cells(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    bad = np.zeros(len(s), dtype=bool)
    if cells.num.any():
        idx = np.flatnonzero(cells.num)
        x = s.iloc[idx].to_numpy(dtype="float64")
        ok = np.isfinite(x) & (x >= 1) & (x <= _MAX_SERIAL)
        days = np.floor(np.where(ok, x, 0)).astype("int64")
        vals = (np.datetime64(EXCEL_EPOCH, "D") + days.astype("timedelta64[D]")).astype("datetime64[s]")
        out.iloc[idx[ok]] = vals[ok]
        bad[idx[~ok]] = True
    if cells.date.any():
        idx = np.flatnonzero(cells.date)
        sub = s.iloc[idx]
        if pd.api.types.is_datetime64_any_dtype(sub.dtype):
            out.iloc[idx] = sub.dt.normalize().astype("datetime64[s]").to_numpy()
        else:
            objs = sub.to_numpy(dtype=object)
            try:  # date and datetime objects convert in C; a datetime's time of day is dropped
                days = _days(objs)
            except (TypeError, ValueError):
                days = np.array([np.datetime64(_date_from_any(v), "D") for v in objs])  # type: ignore[call-overload]
            out.iloc[idx] = days.astype("datetime64[s]")
    if cells.str.any():
        idx = np.flatnonzero(cells.str)
        parsed = map_unique(s.iloc[idx], _date_from_any)
        good = parsed.notna().to_numpy(dtype=bool)
        if good.any():
            out.iloc[idx[good]] = pd.to_datetime(parsed[good].map(dt.date.isoformat)).astype("datetime64[s]").to_numpy()
        bad[idx[~good]] = True
    bad |= cells.other
    return out, pd.Series(bad, index=s.index)


_ORDINAL_1970 = dt.date(1970, 1, 1).toordinal()


def _days(objs: np.ndarray) -> np.ndarray:
    """``objs.astype("datetime64[D]")``; plain dates by their ordinal (numpy converts each object slowly)."""
    if len(objs) and set(map(type, objs)) == {dt.date}:
        ordinals = np.fromiter(map(dt.date.toordinal, objs), dtype=np.int64, count=len(objs))
        return (ordinals - _ORDINAL_1970).astype("datetime64[D]")
    return objs.astype("datetime64[D]")


def text_of(v: object) -> str | None:
    """A cell as the user sees it: text with white space folded, "2023", "0.5", "15.02.2023", "ja"."""
    if isinstance(v, str):
        t = " ".join(v.split())
        return t or None
    if isinstance(v, bool):
        return "ja" if v else "nein"
    if isinstance(v, float):
        if not np.isfinite(v):
            return None
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%d.%m.%Y") if v.time() == dt.time(0) else v.strftime("%d.%m.%Y %H:%M")
    if isinstance(v, dt.date):
        return v.strftime("%d.%m.%Y")
    return None if v is None else str(v)


def parse_text(s: pd.Series) -> Parsed:
    """Text as written (white space folded); numbers become their shortest text ("2023", "0.5")."""
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "string":
        return _parse_texts(s)
    return _parse_any_text(s)


def _parse_any_text(s: pd.Series) -> Parsed:
    """``parse_text`` of any column: blanks by cell type, then ``text_of`` of each distinct value kept."""
    cells = _Cells(s)
    keep = ~cells.empty
    arr = arrow_strings(s)
    if arr is not None:  # white space folded in Arrow, no Python loop
        norm = pc.utf8_trim_whitespace(arr)
        if pc.any(pc.match_substring(norm, " 00:00:00")).as_py():  # a date cell in a text column (fastexcel)
            norm = pc.replace_substring_regex(
                norm, pattern=r"^(\d{4})-(\d{2})-(\d{2}) 00:00:00$", replacement=r"\3.\2.\1"
            )
        if any(pc.any(pc.match_substring(norm, ws)).as_py() for ws in ("  ", "\n", "\t", "\r", "\u00a0")):
            norm = pc.replace_substring_regex(norm, pattern=r"\s+", replacement=" ")
        values = norm.to_numpy(zero_copy_only=False).astype(object)
        values[~keep] = None
        return pd.Series(values, index=s.index, dtype=object), pd.Series(False, index=s.index)
    out = pd.Series(pd.NA, index=s.index, dtype=object)
    if keep.any():
        idx = np.flatnonzero(keep)
        out.iloc[idx] = map_unique(s.iloc[idx], text_of).to_numpy()
    out = out.where(out.notna(), pd.NA)
    return out, pd.Series(False, index=s.index)


def _parse_texts(s: pd.Series) -> Parsed:
    """``parse_text`` of a column of Python strings (and blanks): each distinct text looked at once.

    The same as ``_Cells`` (a text of up to 16 characters that means "no value" is blank) followed by
    ``text_of`` of the rest, with one factorisation instead of two.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    shown = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        text = None if len(u) <= 16 and is_empty_text(u) else text_of(u)
        shown[i] = pd.NA if text is None else text  # a blank is NA at once, not by a ``where`` over every row
    shown[-1] = pd.NA
    return pd.Series(shown[codes], index=s.index, dtype=object), pd.Series(False, index=s.index)


def _ags_of(v: object) -> str | None:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip().replace(" ", "")
    if not text.isdigit():
        return None
    return text.zfill(8) if len(text) < 8 else text


def parse_ags(s: pd.Series) -> Parsed:
    """Amtlicher Gemeindeschlüssel: 8 digits; a number loses its leading zero in Excel, so pad it."""
    cells = _Cells(s)
    keep = ~cells.empty
    out = pd.Series(pd.NA, index=s.index, dtype=object)
    bad = np.zeros(len(s), dtype=bool)
    if keep.any():
        idx = np.flatnonzero(keep)
        parsed = map_unique(s.iloc[idx], _ags_of)
        out.iloc[idx] = parsed.to_numpy()
        bad[idx[parsed.isna().to_numpy(dtype=bool)]] = True
    out = out.where(out.notna(), pd.NA)
    return out, pd.Series(bad, index=s.index)


def _bool_of(v: object) -> object:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        t = v.strip().casefold()
        spec = common_spec()
        if t in spec.true:
            return True
        if t in spec.false:
            return False
    return None


def parse_bool(s: pd.Series) -> Parsed:
    """Yes/no cells: ja/nein, x, wahr/falsch, 1/0, TRUE/FALSE."""
    cells = _Cells(s)
    keep = ~cells.empty
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    bad = np.zeros(len(s), dtype=bool)
    if keep.any():
        idx = np.flatnonzero(keep)
        parsed = map_unique(s.iloc[idx], _bool_of)
        good = parsed.notna().to_numpy(dtype=bool)
        out.iloc[idx[good]] = parsed[good].astype(bool).to_numpy()
        bad[idx[~good]] = True
    return out, pd.Series(bad, index=s.index)


def _tagmonat_of(v: object) -> tuple[int, int] | None:
    if isinstance(v, dt.date):
        return (v.day, v.month)
    if isinstance(v, str):
        m = _TAGMONAT.match(v.strip())
        if m:
            day, month = int(m.group(1)), int(m.group(2))
            try:
                dt.date(2024, month, day)  # a leap year accepts 29.02.
            except ValueError:
                return None
            return (day, month)
    return None


def parse_tagmonat(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A yearly deadline "31.03." → (day, month); a full date counts by its day and month."""
    cells = _Cells(s)
    keep = ~cells.empty
    day = pd.Series(pd.NA, index=s.index, dtype="Int64")
    month = pd.Series(pd.NA, index=s.index, dtype="Int64")
    bad = np.zeros(len(s), dtype=bool)
    if keep.any():
        idx = np.flatnonzero(keep)
        parsed = map_unique(s.iloc[idx].map(lambda v: v.date() if isinstance(v, pd.Timestamp) else v), _tagmonat_of)
        good = parsed.notna().to_numpy(dtype=bool)
        if good.any():
            day.iloc[idx[good]] = parsed[good].map(lambda t: t[0]).astype("int64").to_numpy()
            month.iloc[idx[good]] = parsed[good].map(lambda t: t[1]).astype("int64").to_numpy()
        bad[idx[~good]] = True
    return day, month, pd.Series(bad, index=s.index)


_MONTH_NAMED = re.compile(r"^([a-zäöü]{3,9})\.?(?:[\s\-/.']*(\d{4}|\d{2}))?$")
_MONTH_NUM = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})$")
_MONTH_ISO = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})$")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{1,2}\.\s?\d{1,2}\.\s?\d{4}|\d{4}-\d{2}-\d{2})(?!\d)")
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")


def month_of_label(value: object) -> tuple[int | None, int] | None:
    """(year or None, month) of a month-column header: "Jan", "Januar 2023", "01/2023", "2023-01", a date."""
    if isinstance(value, dt.datetime):
        return value.year, value.month
    if isinstance(value, dt.date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    known = _MONTH_LABELS.get(value, False)
    if known is not False:
        return known  # type: ignore[return-value]
    if len(_MONTH_LABELS) >= 50_000:  # the scanned rows hold data values too: stay bounded
        _MONTH_LABELS.clear()
    _MONTH_LABELS[value] = found = _month_of_text(value)
    return found


_MONTH_LABELS: dict[str, tuple[int | None, int] | None] = {}  # text -> month_of_label (every header row asks)


def _month_of_text(value: str) -> tuple[int | None, int] | None:
    s = " ".join(value.split()).casefold()
    m = _MONTH_NAMED.match(s)
    if m:
        month = _MONTHS.get(m.group(1))
        if month is None:
            return None
        return (_full_year(m.group(2)) if m.group(2) else None), month
    m = _MONTH_NUM.match(s)
    if m and 1 <= int(m.group(1)) <= 12:
        return _full_year(m.group(2)), int(m.group(1))
    m = _MONTH_ISO.match(s)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    return None


def _full_year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def years_in_text(text: str) -> set[int]:
    """Years 2000–2099 a title or file name names, not counting those inside a date ("Stand: 01.12.2023")."""
    return {int(y) for y in _YEAR.findall(_DATE_IN_TEXT.sub(" ", _COMPACT_DATE.sub(" ", text)))}


def dates_in_text(text: str) -> list[dt.date]:
    """Dates written in a title or file name: "01.12.2023", "2023-12-01", "20231201"."""
    out = [d for d in (date_from_text(t) for t in _DATE_IN_TEXT.findall(text)) if d is not None]
    for y, m, d in _COMPACT_DATE.findall(text):
        try:
            out.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return out

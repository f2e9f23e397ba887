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

from kimrecon.read.spec import common_spec

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's 1900 leap-year bug)
_MAX_SERIAL = 2958465  # 9999-12-31
_INT_LIMIT = 2**62  # larger magnitudes are not a plausible amount and would overflow Int64

_UNITS = re.compile(
    r"(€|eur(o)?|std\.?|stunden|stunde|h|vzä|vzae|vollzeitäquivalente|wochenstunden|/\s*woche)$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GERMAN_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_DATE_DE = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?:[ ,T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_TAGMONAT = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.?(?:\s?(\d{4}|\d{2}))?$")

Parsed = tuple[pd.Series, pd.Series]


def is_empty_text(value: str) -> bool:
    """Tell whether a text cell means "no value" ("", "—", "-", "k. A." …)."""
    return value.strip().casefold() in common_spec().empty


def decimal_from_text(text: str, *, percent_ok: bool = False) -> Decimal | None:
    """Parse a German (or plain) number written as text: "57.000,00 €", "0,5", "19,5 Std.", "50 %".

    Returns None when the text is not a number. A percentage is returned as a fraction (50 % → 0.5)
    only when ``percent_ok``.
    """
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
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = s.replace("\u2212", "-").replace("–", "-")
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
    """Parse "15.02.2023", "15.2.23", "2023-02-15" (a time part is ignored); None if not a date."""
    s = text.strip()
    m = _DATE_DE.match(s)
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


def _types(s: pd.Series) -> pd.Series:
    return s.map(type)


def _empty_mask(s: pd.Series, types: pd.Series) -> pd.Series:
    empty = s.isna() | types.eq(type(None))
    is_str = types.eq(str)
    if is_str.any():
        strs = s[is_str]
        uniq = pd.unique(strs)
        flags = {u: is_empty_text(u) for u in uniq}
        empty.loc[is_str] = strs.map(flags).astype(bool)
    return empty.astype(bool)


def _map_unique(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    uniq = pd.unique(values)
    table = {u: func(u) for u in uniq}
    return values.map(table)


def _scaled_from_decimal(d: Decimal, scale: int) -> int:
    return int((d * scale).to_integral_value(rounding=ROUND_HALF_UP))


def parse_scaled(s: pd.Series, scale: int, *, percent_ok: bool = False, integral: bool = False) -> Parsed:
    """Parse a column of numbers to integers of ``1/scale`` (cents: 100, VzÄ e4: 10 000, hours: 100).

    ``integral`` demands whole numbers (a year). Floats go through their shortest repr; a vectorised
    fast path handles the floats whose repr has at most log10(scale) decimals exactly.
    """
    s = s.astype(object)
    types = _types(s)
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    bad = pd.Series(False, index=s.index)
    empty = _empty_mask(s, types)
    is_float = types.eq(float) & ~empty
    is_int = (types.eq(int) | types.eq(np.int64)) & ~empty
    if is_float.any():
        x = s[is_float].to_numpy(dtype="float64")
        finite = np.isfinite(x)
        with np.errstate(invalid="ignore", over="ignore"):
            c = np.rint(x * scale)
            fast = finite & (np.abs(x) < 1e12) & (c / scale == x)
        if integral:
            fast = fast & (c % scale == 0)
        idx = s.index[is_float]
        out.loc[idx[fast]] = c[fast].astype("int64")
        slow = idx[~fast]
        for i in slow:  # rare: more decimals than the scale holds, or huge; exact via repr
            v = float(s.at[i])
            if not np.isfinite(v):
                bad.at[i] = True
                continue
            d = Decimal(repr(v))
            if integral and d != d.to_integral_value():
                bad.at[i] = True
                continue
            n = _scaled_from_decimal(d, scale)
            if abs(n) >= _INT_LIMIT:
                bad.at[i] = True
                continue
            out.at[i] = n
    if is_int.any():
        ints = s[is_int].astype("int64")
        out.loc[is_int] = ints * scale
    is_str = types.eq(str) & ~empty
    if is_str.any():

        def conv(text: object) -> int | None:
            d = decimal_from_text(str(text), percent_ok=percent_ok)
            if d is None or (integral and d != d.to_integral_value()):
                return None
            n = _scaled_from_decimal(d, scale)
            return n if abs(n) < _INT_LIMIT else None

        parsed = _map_unique(s[is_str], conv)
        ok = parsed.notna()
        out.loc[parsed.index[ok]] = parsed[ok].astype("int64")
        bad.loc[parsed.index[~ok]] = True
    other = ~(empty | is_float | is_int | is_str)
    if other.any():
        bools = types.eq(bool) & other
        bad.loc[other & ~bools] = True
        bad.loc[bools] = True
    return out, bad


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
    s = s.astype(object)
    types = _types(s)
    empty = _empty_mask(s, types)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    bad = pd.Series(False, index=s.index)
    num = (types.eq(float) | types.eq(int)) & ~empty
    if num.any():
        x = s[num].astype("float64").to_numpy()
        ok = np.isfinite(x) & (x >= 1) & (x <= _MAX_SERIAL)
        days = np.floor(np.where(ok, x, 0)).astype("int64")
        base = np.datetime64(EXCEL_EPOCH, "D")
        vals = (base + days.astype("timedelta64[D]")).astype("datetime64[s]")
        idx = s.index[num]
        out.loc[idx[ok]] = vals[ok]
        bad.loc[idx[~ok]] = True
    rest = ~(empty | num)
    if rest.any():
        is_dt = types.isin([dt.datetime, pd.Timestamp]) & rest
        if is_dt.any():
            ts = pd.to_datetime(s[is_dt]).dt.normalize()
            out.loc[is_dt] = ts.astype("datetime64[s]")
        other = rest & ~is_dt
        if other.any():
            parsed = _map_unique(s[other], _date_from_any)
            ok = parsed.notna()
            if ok.any():
                out.loc[parsed.index[ok]] = pd.to_datetime(parsed[ok].map(dt.date.isoformat)).astype(
                    "datetime64[s]"
                )
            bad.loc[parsed.index[~ok]] = True
    return out, bad


def _text_of(v: object) -> str | None:
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
    s = s.astype(object)
    types = _types(s)
    empty = _empty_mask(s, types)
    out = pd.Series(pd.NA, index=s.index, dtype=object)
    keep = ~empty
    if keep.any():
        out.loc[keep] = _map_unique(s[keep], _text_of)
    out = out.where(out.notna(), pd.NA)
    return out, pd.Series(False, index=s.index)


def _ags_of(v: object) -> str | None:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip().replace(" ", "")
    if not text.isdigit():
        return None
    return text.zfill(8) if len(text) < 8 else text


def parse_ags(s: pd.Series) -> Parsed:
    """Amtlicher Gemeindeschlüssel: 8 digits; a number loses its leading zero in Excel, so pad it."""
    s = s.astype(object)
    types = _types(s)
    empty = _empty_mask(s, types)
    out = pd.Series(pd.NA, index=s.index, dtype=object)
    bad = pd.Series(False, index=s.index)
    keep = ~empty
    if keep.any():
        parsed = _map_unique(s[keep], _ags_of)
        out.loc[keep] = parsed
        bad.loc[parsed.index[parsed.isna()]] = True
    out = out.where(out.notna(), pd.NA)
    return out, bad


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
    s = s.astype(object)
    types = _types(s)
    empty = _empty_mask(s, types)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    bad = pd.Series(False, index=s.index)
    keep = ~empty
    if keep.any():
        parsed = _map_unique(s[keep], _bool_of)
        ok = parsed.notna()
        out.loc[parsed.index[ok]] = parsed[ok].astype(bool)
        bad.loc[parsed.index[~ok]] = True
    return out, bad


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
    s = s.astype(object)
    types = _types(s)
    empty = _empty_mask(s, types)
    day = pd.Series(pd.NA, index=s.index, dtype="Int64")
    month = pd.Series(pd.NA, index=s.index, dtype="Int64")
    bad = pd.Series(False, index=s.index)
    keep = ~empty
    if keep.any():
        parsed = _map_unique(s[keep], _tagmonat_of)
        ok = parsed.notna()
        if ok.any():
            day.loc[parsed.index[ok]] = parsed[ok].map(lambda t: t[0]).astype("int64")
            month.loc[parsed.index[ok]] = parsed[ok].map(lambda t: t[1]).astype("int64")
        bad.loc[parsed.index[~ok]] = True
    return day, month, bad

"""Load the declarative sheet schemas in ``schemas/`` (headers, aliases, types, checks) once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import yaml

from kimrecon.inputs import COLUMNS, Kind
from kimrecon.resources import data_dir

# Value types a schema column may have, and the canonical dtype note of kimrecon.inputs they fill.
TYPES = ("text", "ags", "date", "int", "cent", "e4", "h100", "bool", "tagmonat")

_SUPERSCRIPTS = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰*†‡]+")
_BRACKETS = re.compile(r"[(\[].*?[)\]]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: object) -> str:
    """Fold a header or label for matching: case, spaces, punctuation, umlauts vs ae/oe/ue."""
    s = unicodedata.normalize("NFC", str(text))
    s = _SUPERSCRIPTS.sub("", s).casefold().translate(_UMLAUTS)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", s)


@lru_cache(maxsize=4096)
def fold_variants(text: object) -> tuple[str, ...]:
    """Fold a header cell, plus the variant without bracketed parts and unit words."""
    full = fold(text)
    out = [full]
    bare = fold(_BRACKETS.sub(" ", str(text)))
    for unit in ("ineuro", "ineur", "euro", "eur", "in"):
        if bare.endswith(unit) and len(bare) > len(unit) + 2:
            bare = bare[: -len(unit)]
            break
    if bare and bare not in out:
        out.append(bare)
    return tuple(out)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a sheet kind as declared in ``schemas/<kind>.yaml``."""

    name: str  # canonical name (or a virtual name whose ``targets`` are canonical)
    header: str  # the header a template writes
    aliases: tuple[str, ...]
    type: str
    required: bool = False
    unique: bool = False
    checks: dict[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    example: str = ""
    targets: tuple[str, ...] = ()
    part_of: str = ""  # a Soll, Haben or S/H column: one part of this canonical signed amount
    sign: int = 1  # +1 Soll (as listed), -1 Haben (the other way round); 0 an S/H mark column

    @property
    def canonical(self) -> tuple[str, ...]:
        """The canonical frame columns this sheet column fills (none for a part of a signed amount)."""
        if self.part_of:
            return ()
        return self.targets or (self.name,)


@dataclass(frozen=True)
class KindSpec:
    """A sheet kind: its columns, labels and the folded alias lookup."""

    kind: Kind
    label: str
    sheet_names: tuple[str, ...]
    columns: dict[str, ColumnSpec]
    lookup: dict[str, str]  # folded alias -> column name
    month_grid: dict[str, tuple[str, ...]] = field(default_factory=dict)  # words of the month-grid layout
    parts: dict[str, ColumnSpec] = field(default_factory=dict)  # Soll, Haben, S/H: parts of a signed amount
    all_columns: dict[str, ColumnSpec] = field(default_factory=dict)  # columns and parts by name
    _matched: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def match(self, header: object) -> str | None:
        """Return the column name a header text maps to, or None."""
        if type(header) is str:  # the same header texts recur in every sheet: fold each once
            try:
                return self._matched[header]
            except KeyError:
                if len(self._matched) >= 50_000:  # data values in the scanned rows vary: stay bounded
                    self._matched.clear()
                name = self._matched[header] = self._match(header)
                return name
        return self._match(header)

    def _match(self, header: object) -> str | None:
        for key in fold_variants(header):
            if key in self.lookup:
                return self.lookup[key]
        return None


@dataclass(frozen=True)
class CommonSpec:
    """Sheet-independent rules: personal-data headers, total-row words, footnotes, empty markers."""

    personal: frozenset[str]
    personal_patterns: tuple[re.Pattern[str], ...]  # searched in the folded header
    summe: frozenset[str]
    summe_words: tuple[str, ...]  # as written, lower case, longest first
    footnote_prefixes: tuple[str, ...]
    empty: frozenset[str]
    true: frozenset[str]
    false: frozenset[str]

    def is_personal(self, header: object) -> bool:
        """Tell whether a header names personal data (spec §8)."""
        variants = fold_variants(header)
        return any(v in self.personal or any(p.search(v) for p in self.personal_patterns) for v in variants)


def _load_yaml(name: str) -> dict[str, Any]:
    path = data_dir("schemas") / f"{name}.yaml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
    return data if isinstance(data, dict) else {}


def _text(v: object) -> str:
    return "" if v is None else str(v)


@cache
def kind_spec(kind: Kind) -> KindSpec:
    """The parsed schema of one sheet kind."""
    raw = _load_yaml(kind.value)
    cols: dict[str, ColumnSpec] = {}
    parts: dict[str, ColumnSpec] = {}
    lookup: dict[str, str] = {}
    entries = [(name, c, cols) for name, c in (raw.get("columns") or {}).items()]
    entries += [(name, c, parts) for name, c in (raw.get("signed_parts") or {}).items()]
    for name, c, into in entries:
        spec = ColumnSpec(
            name=name,
            header=str(c["header"]),
            aliases=tuple(str(a) for a in c.get("aliases") or ()),
            type=str(c.get("type", "text")),
            required=bool(c.get("required", False)),
            unique=bool(c.get("unique", False)),
            checks=dict(c.get("checks") or {}),
            choices=tuple(str(x) for x in c.get("choices") or ()),
            example=_text(c.get("example")),
            targets=tuple(c.get("targets") or ()),
            part_of=str(c.get("part_of") or ""),
            sign=int(c.get("sign", 1)),
        )
        if spec.type not in TYPES:
            raise ValueError(f"schemas/{kind.value}.yaml: unknown type {spec.type!r} for {name}")
        for target in (*spec.canonical, *((spec.part_of,) if spec.part_of else ())):
            if target not in COLUMNS[kind]:
                raise ValueError(f"schemas/{kind.value}.yaml: {target} is not a canonical column")
        into[name] = spec
        for alias in (spec.header, *spec.aliases, name):
            lookup.setdefault(fold(alias), name)
    return KindSpec(
        kind=kind,
        label=str(raw.get("label", kind.label)),
        sheet_names=tuple(str(s) for s in raw.get("sheet_names") or ()),
        columns=cols,
        lookup=lookup,
        parts=parts,
        all_columns={**cols, **parts},
        month_grid={str(k): tuple(str(x) for x in v or ()) for k, v in (raw.get("month_grid") or {}).items()},
    )


@cache
def common_spec() -> CommonSpec:
    """The parsed ``schemas/common.yaml``."""
    raw = _load_yaml("common")

    def folded(key: str) -> frozenset[str]:
        return frozenset(fold(x) for x in raw.get(key) or ())

    return CommonSpec(
        personal=folded("personal"),
        personal_patterns=tuple(re.compile(str(p)) for p in raw.get("personal_patterns") or ()),
        summe=folded("summe"),
        summe_words=tuple(
            sorted({str(x).strip().casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                    for x in raw.get("summe") or ()}, key=len, reverse=True)
        ),
        footnote_prefixes=tuple(str(x).casefold() for x in raw.get("footnote_prefixes") or ()),
        empty=frozenset(str(x).strip().casefold() for x in raw.get("empty") or ()),
        true=frozenset(str(x).strip().casefold() for x in raw.get("ja") or ()),
        false=frozenset(str(x).strip().casefold() for x in raw.get("nein") or ()),
    )


@cache
def all_specs() -> dict[Kind, KindSpec]:
    """Schemas of every sheet kind (one shared dict: do not modify it)."""
    return {k: kind_spec(k) for k in Kind}

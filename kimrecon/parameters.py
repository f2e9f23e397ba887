"""Dated parameters (OpenFisca style: value, valid-from, legal reference) merged with a case's kimrecon.toml."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from kimrecon.findings import Code, Finding, SourceRef, finding
from kimrecon.money import HOURS_SCALE, VZAE_SCALE
from kimrecon.result import Parameter

PARAMS_DIR = Path(__file__).resolve().parent / "params"
INTERIM_RULES = ("nur_mittelabruf", "alle_zahlungen")  # R6: whose payments can bear Zwischenzinsen
MODES = ("monatsprinzip", "tagesprinzip")
_TOML = SourceRef("kimrecon.toml")
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.?\s*$")


@dataclass(frozen=True, slots=True)
class Dated:
    """One value of a dated parameter table, valid from ``ab`` until the next entry."""

    ab: date
    wert: Decimal
    quelle: str


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """Default Nachweisfrist of a level: day and month of the year after the Bezugsjahr (R9)."""

    tag: int
    monat: int
    quelle: str


@dataclass(frozen=True)
class Params:
    """All parameters of one run, each traceable to its source."""

    modus: str = "monatsprinzip"
    tarifstunden_h100: int = 3900
    spitzabrechnung: bool = False
    verrechnung: bool = False
    schluessel_schritt_e4: int = 5000
    mindestzuteilung_e4: int = 5000
    zwei_monate: int = 2
    zwischenzinsen: str = "nur_mittelabruf"  # R6: nur_mittelabruf | alle_zahlungen (a contract's Auszahlungsart wins)
    pauschale: tuple[Dated, ...] = ()
    basiszins: tuple[Dated, ...] = ()
    aufschlag: tuple[Dated, ...] = ()
    fristen: Mapping[int, DeadlineRule] = field(default_factory=dict)
    nahe_tage: int = 30
    sources: Mapping[str, str] = field(default_factory=dict)

    def deadline_for(self, ebene: int, jahr: int) -> tuple[date, str]:
        """R9: the default Nachweisfrist of a recipient level for a Bezugsjahr, with its source.

        Levels beyond the deepest configured one are staggered: each one month earlier than the
        level above it, on the last day of that month (a fourth level: 28./29.02.), so that every
        level has a month to check the Nachweise below it (R8).
        """
        deepest = max(self.fristen)
        rule = self.fristen[min(ebene, deepest)]
        if ebene <= deepest:
            return date(jahr + 1, rule.monat, rule.tag), rule.quelle
        year, month = jahr + 1, rule.monat - (ebene - deepest)
        while month < 1:
            year, month = year - 1, month + 12
        last = calendar.monthrange(year, month)[1]
        return date(year, month, last), f"{rule.quelle}; je weitere Ebene einen Monat früher (Monatsende)"

    def pauschale_for(self, on: date) -> Dated | None:
        """The default rate valid on a date (R2), or None before the table starts."""
        return value_on(self.pauschale, on)

    def report(self) -> tuple[Parameter, ...]:
        """Every parameter used, with value, valid-from and source (Prüfprotokoll)."""
        out = [
            Parameter("abrechnung.modus", self.modus, None, self.sources["modus"]),
            Parameter("abrechnung.tarifstunden", _fmt(Decimal(self.tarifstunden_h100) / HOURS_SCALE), None,
                      self.sources["tarifstunden"]),
            Parameter("abrechnung.spitzabrechnung", _bool(self.spitzabrechnung), None, self.sources["spitzabrechnung"]),
            Parameter("abrechnung.verrechnung", _bool(self.verrechnung), None, self.sources["verrechnung"]),
            Parameter("abrechnung.schluessel_schritt", _fmt(Decimal(self.schluessel_schritt_e4) / VZAE_SCALE), None,
                      self.sources["schluessel_schritt"]),
            Parameter("abrechnung.mindestzuteilung", _fmt(Decimal(self.mindestzuteilung_e4) / VZAE_SCALE), None,
                      self.sources["mindestzuteilung"]),
            Parameter("abrechnung.zwei_monats_frist", str(self.zwei_monate), None, self.sources["zwei_monats_frist"]),
            Parameter("abrechnung.zwischenzinsen", self.zwischenzinsen, None, self.sources["zwischenzinsen"]),
        ]
        out += [Parameter("pauschale_je_vzae", _fmt(d.wert / 100), d.ab, d.quelle) for d in self.pauschale]
        out += [Parameter("zinsen.basiszins", _fmt(d.wert), d.ab, d.quelle) for d in self.basiszins]
        out += [Parameter("zinsen.aufschlag", _fmt(d.wert), d.ab, d.quelle) for d in self.aufschlag]
        out += [
            Parameter(f"fristen.ebene_{k}", f"{r.tag:02d}.{r.monat:02d}.", None, r.quelle)
            for k, r in sorted(self.fristen.items())
        ]
        out.append(Parameter("fristen.nahe_tage", str(self.nahe_tage), None, self.sources["nahe_tage"]))
        return tuple(out)


def value_on(table: tuple[Dated, ...], on: date) -> Dated | None:
    """The entry of a dated table valid on a date (latest ``ab`` not after it)."""
    found = None
    for entry in table:
        if entry.ab <= on:
            found = entry
        else:
            break
    return found


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _bool(value: bool) -> str:
    return "ja" if value else "nein"


def _read_yaml(name: str) -> dict[str, object]:
    with (PARAMS_DIR / f"{name}.yaml").open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    assert isinstance(data, dict)
    return data


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(text)


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip().replace(",", "."))
    if not d.is_finite() or abs(d) > 10**15:  # TOML has inf and nan; 1e999999 would be a number of 10^6 digits
        raise InvalidOperation
    return d


def _default_source(quelle: object = None) -> str:
    """How a shipped default names its origin for users: its legal basis or reference, no file path."""
    return f"Voreinstellung: {quelle}" if quelle else "Voreinstellung"


def _default_table(name: str, file: str) -> list[Dated]:
    data = _read_yaml(file)
    values = data["values"]
    assert isinstance(values, list)
    return [
        Dated(_as_date(v["ab"]), _as_decimal(v["wert"]), _default_source(v["quelle"]))
        for v in values
    ]


def _merge(table: list[Dated], overrides: list[Dated]) -> tuple[Dated, ...]:
    """A dated table from kimrecon.toml means that table: from its first ``ab`` on it replaces the shipped rows.

    Shipped rows before the user's first date stay (docs/decisions.md); within the user's table a
    later row for the same date wins.
    """
    if not overrides:
        return tuple(sorted(table, key=lambda d: d.ab))
    first = min(d.ab for d in overrides)
    by_date = {d.ab: d for d in table if d.ab < first}
    for d in overrides:
        by_date[d.ab] = d
    return tuple(sorted(by_date.values(), key=lambda d: d.ab))


def _bad(parameter: str, grund: str) -> Finding:
    return finding(Code.PARAMETER_UNGUELTIG, _TOML, parameter=parameter, grund=grund)


def _toml_table(config: Mapping[str, object], section: str, key: str, field_name: str,
                findings: list[Finding], scale: int = 1) -> list[Dated]:
    sec = config.get(section)
    if not isinstance(sec, Mapping) or key not in sec:
        return []
    raw = sec[key]
    if not isinstance(raw, list):
        findings.append(_bad(f"{section}.{key}", "erwartet wird eine Liste von { ab = …, " + field_name + " = … }"))
        return []
    out = []
    for i, item in enumerate(raw, start=1):
        try:
            assert isinstance(item, Mapping)
            out.append(Dated(_as_date(item["ab"]), _as_decimal(item[field_name]) * scale,
                             f"kimrecon.toml [{section}] {key} Eintrag {i}"))
        except (AssertionError, KeyError, ValueError, InvalidOperation, TypeError):
            findings.append(_bad(f"{section}.{key}", f"Eintrag {i} braucht „ab“ (Datum) und „{field_name}“ (Zahl)"))
    return out


def load_parameters(config: Mapping[str, object] | None = None) -> tuple[Params, tuple[Finding, ...]]:
    """Load the shipped parameter files and apply a case's kimrecon.toml overrides (spec §6a)."""
    config = config or {}
    findings: list[Finding] = []
    ab = _read_yaml("abrechnung")["values"]
    assert isinstance(ab, dict)
    defaults = {k: v["wert"] for k, v in ab.items()}
    sources = {k: _default_source(v["quelle"]) for k, v in ab.items()}
    for name in ("abrechnung", "zinsen", "fristen"):  # [grenzen] is checked by the reader's guard
        if name in config and not isinstance(config[name], Mapping):
            findings.append(_bad(name, f"[{name}] muss ein Abschnitt mit Schlüsseln sein, nicht „{config[name]}“"))
    sec = config.get("abrechnung", {})
    sec = sec if isinstance(sec, Mapping) else {}

    def pick(key: str) -> object:
        if key in sec:
            sources[key] = f"kimrecon.toml [abrechnung] {key}"
            return sec[key]
        return defaults[key]

    modus = str(pick("modus")).strip().lower()
    if modus not in MODES:
        findings.append(_bad("abrechnung.modus", f"„{modus}“ ist weder monatsprinzip noch tagesprinzip"))
        modus, sources["modus"] = "monatsprinzip", "Voreinstellung (ungültiger Wert in kimrecon.toml)"

    def decimal_param(key: str, scale: int, fallback: int) -> int:
        try:
            value = int(_as_decimal(pick(key)) * scale)
            if value <= 0:
                raise InvalidOperation
            return value
        except (InvalidOperation, ValueError):
            findings.append(_bad(f"abrechnung.{key}", "erwartet wird eine positive Zahl"))
            return fallback

    def bool_param(key: str) -> bool:
        value = pick(key)
        if isinstance(value, bool):
            return value
        findings.append(_bad(f"abrechnung.{key}", "erwartet wird true oder false"))
        return bool(defaults[key])

    tarif = decimal_param("tarifstunden", HOURS_SCALE, 3900)
    step = decimal_param("schluessel_schritt", VZAE_SCALE, 5000)
    minimum = decimal_param("mindestzuteilung", VZAE_SCALE, 5000)
    months = decimal_param("zwei_monats_frist", 1, 2)
    spitz = bool_param("spitzabrechnung")
    interim = str(pick("zwischenzinsen")).strip().lower()
    if interim not in INTERIM_RULES:
        findings.append(_bad("abrechnung.zwischenzinsen", f"„{interim}“ ist weder nur_mittelabruf noch alle_zahlungen"))
        interim, sources["zwischenzinsen"] = "nur_mittelabruf", "Voreinstellung (ungültiger Wert in kimrecon.toml)"
    netting = bool_param("verrechnung")

    pauschale = _merge(_default_table("pauschale_je_vzae", "pauschale"),
                       _toml_table(config, "abrechnung", "pauschale", "euro", findings, scale=100))
    basis = _merge(_default_table("basiszins", "basiszins"),
                   _toml_table(config, "zinsen", "basiszins", "prozent", findings))
    surcharge = _merge(_default_table("zinsaufschlag", "zinsaufschlag"),
                       _toml_table(config, "zinsen", "aufschlag", "prozentpunkte", findings))

    fr = _read_yaml("fristen")["values"]
    assert isinstance(fr, list)
    rules: dict[int, DeadlineRule] = {}
    near = 30
    sources["nahe_tage"] = _default_source()
    for v in fr:
        if "ebene" in v:
            rules[int(v["ebene"])] = DeadlineRule(int(v["tag"]), int(v["monat"]),
                                                  _default_source(v["quelle"]))
        elif "nahe_tage" in v:
            near = int(v["nahe_tage"])
            sources["nahe_tage"] = _default_source(v["quelle"])
    fsec = config.get("fristen", {})
    if isinstance(fsec, Mapping):
        for key, value in fsec.items():
            if key == "nahe_tage":
                try:
                    near = int(str(value))
                    sources["nahe_tage"] = "kimrecon.toml [fristen] nahe_tage"
                except ValueError:
                    findings.append(_bad("fristen.nahe_tage", "erwartet wird eine ganze Zahl"))
                continue
            m_key = re.fullmatch(r"ebene_?(\d+)", str(key))
            m_val = _DAY_MONTH.match(str(value))
            if not m_key or not m_val:
                findings.append(_bad(f"fristen.{key}", "erwartet wird z. B. ebene_1 = \"30.04.\""))
                continue
            try:
                date(2001, int(m_val.group(2)), int(m_val.group(1)))
            except ValueError:
                findings.append(_bad(f"fristen.{key}", f"„{value}“ ist kein gültiger Tag"))
                continue
            rules[int(m_key.group(1))] = DeadlineRule(int(m_val.group(1)), int(m_val.group(2)),
                                                      f"kimrecon.toml [fristen] {key}")

    params = Params(
        modus=modus,
        tarifstunden_h100=tarif,
        spitzabrechnung=spitz,
        verrechnung=netting,
        schluessel_schritt_e4=step,
        mindestzuteilung_e4=minimum,
        zwei_monate=months,
        zwischenzinsen=interim,
        pauschale=tuple(Dated(d.ab, d.wert, d.quelle) for d in pauschale),
        basiszins=basis,
        aufschlag=surcharge,
        fristen=rules,
        nahe_tage=near,
        sources=sources,
    )
    return params, tuple(findings)

"""The stable JSON of ``reconcile --json`` (spec §6a): amounts as strings with two decimals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kimrecon.findings import Finding
from kimrecon.money import format_cents, format_vzae
from kimrecon.result import Result


def _percent(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding as a JSON object (``befunde``)."""
    src = f.source
    return {
        "datei": src.datei if src else None,
        "blatt": src.blatt if src else None,
        "zelle": src.zelle if src else None,
        "code": f.code.value,
        "schwere": f.severity.value,
        "meldung": f.meldung,
    }


def result_json(result: Result) -> dict[str, Any]:
    """The whole spec §6a object for one run."""
    return {
        "monat": str(result.monat),
        "lauf_id": result.lauf_id,
        "status": result.status,
        "modus": result.modus,
        "kanten": [
            {
                "geber": e.geber,
                "empfaenger": e.empfaenger,
                "jahr": e.jahr,
                "vzae_zugeteilt": format_vzae(e.vzae_zugeteilt_e4),
                "weiterleitung": format_cents(e.weiterleitung_cent),
                "foerderfaehig_kumuliert": format_cents(e.foerderfaehig_kumuliert_cent),
                "ausgezahlt_kumuliert": format_cents(e.ausgezahlt_kumuliert_cent),
                "saldo": format_cents(e.saldo_cent),
                "art": e.art,
                "nachweisfrist": e.nachweisfrist.isoformat() if e.nachweisfrist else None,
            }
            for e in result.kanten
        ],
        "zinsen": [
            {
                "forderung_id": z.forderung_id,
                "glaeubiger": z.glaeubiger,
                "schuldner": z.schuldner,
                "betrag": format_cents(z.betrag_cent),
                "von": z.von.isoformat(),
                "bis": z.bis.isoformat(),
                "tage": z.tage,
                "zinsbetrag": format_cents(z.zinsbetrag_cent),
                "perioden": [
                    {
                        "von": p.von.isoformat(),
                        "bis": p.bis.isoformat(),
                        "tage": p.tage,
                        "basiszins": _percent(p.basiszins),
                        "aufschlag": _percent(p.aufschlag),
                        "betrag": format_cents(p.betrag_cent),
                    }
                    for p in z.perioden
                ],
            }
            for z in result.zinsen
        ],
        "korrekturen": [
            {
                "geber": c.geber,
                "empfaenger": c.empfaenger,
                "jahr": c.jahr,
                "monat": c.monat,
                "kennzahl": c.kennzahl,
                "alt": format_cents(c.alt_cent),
                "neu": format_cents(c.neu_cent),
                "differenz": format_cents(c.differenz_cent),
                "frueherer_lauf": c.frueherer_lauf,
            }
            for c in result.korrekturen
        ],
        "befunde": [finding_json(f) for f in result.befunde],
    }


def failure_json(month: str, lauf_id: str, findings: Sequence[Finding]) -> dict[str, Any]:
    """The JSON object of a run that could not reconcile (rejected input)."""
    return {
        "monat": month,
        "lauf_id": lauf_id,
        "status": "fehler",
        "kanten": [],
        "zinsen": [],
        "korrekturen": [],
        "befunde": [finding_json(f) for f in findings],
    }


def dumps(obj: dict[str, Any]) -> str:
    """Serialise deterministically (sorted by construction, UTF-8, not ASCII-escaped)."""
    return json.dumps(obj, ensure_ascii=False, indent=2)

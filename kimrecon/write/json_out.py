"""The stable JSON of ``reconcile --json`` (spec §6a): amounts as strings with two decimals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from kimrecon.findings import Finding
from kimrecon.money import format_cents, format_vzae
from kimrecon.result import Deadline, Edge, Result


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
    } | ({"technisch": tech} if (tech := dict(f.details).get("technisch")) else {})


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cents(value: int | None) -> str | None:
    return format_cents(value) if value is not None else None


def edge_json(e: Edge) -> dict[str, Any]:
    """One settled edge (``kanten``): the §6a fields, the payment plan, the forecast and what it means."""
    return {
        "geber": e.geber,
        "empfaenger": e.empfaenger,
        "jahr": e.jahr,
        "von": e.von.isoformat(),
        "bis": e.bis.isoformat(),
        "vertrag": e.vertrag,
        "vzae_zugeteilt": format_vzae(e.vzae_zugeteilt_e4),
        "weiterleitung": format_cents(e.weiterleitung_cent),
        "foerderfaehig_kumuliert": format_cents(e.foerderfaehig_kumuliert_cent),
        "foerderfaehig_eigen_kumuliert": format_cents(e.foerderfaehig_eigen_kumuliert_cent),
        "ausgezahlt_kumuliert": format_cents(e.ausgezahlt_kumuliert_cent),
        "gezahlt_brutto": format_cents(e.gezahlt_brutto_cent),
        "zurueckgezahlt": format_cents(e.zurueckgezahlt_cent),
        "saldo": format_cents(e.saldo_cent),
        "art": e.art.value,
        "jahr_abgeschlossen": e.jahr_abgeschlossen,
        "zahlungsplan": e.zahlungsplan,
        "zahlungsplan_kumuliert": format_cents(e.zahlungsplan_kumuliert_cent),
        "zahlungsabweichung": format_cents(e.zahlungsabweichung_cent),
        "prognose_foerderfaehig": format_cents(e.prognose_foerderfaehig_cent),
        "prognose_saldo": format_cents(e.prognose_saldo_cent),
        "besetzung_fehlt": e.besetzung_fehlt,
        "mittelabruf": e.mittelabruf,
        "nachzahlung_gekappt": e.nachzahlung_gekappt,
        "nachweisfrist": _day(e.nachweisfrist),
    }


def deadline_json(d: Deadline) -> dict[str, Any]:
    """One Nachweisfrist (``fristen``; ``kimrecon deadlines --json``)."""
    return {
        "geber": d.geber,
        "empfaenger": d.empfaenger,
        "jahr": d.jahr,
        "frist": d.frist.isoformat(),
        "status": d.status.value,
        "tage": d.tage_bis,
        "eingegangen": _day(d.eingegangen),
        "geprueft": _day(d.geprueft),
        "quelle": d.quelle,
    }


def result_json(result: Result) -> dict[str, Any]:
    """The whole Result of one run (spec §6a plus everything the workbooks show)."""
    return {
        "monat": str(result.monat),
        "stichtag": result.stichtag.isoformat(),
        "lauf_id": result.lauf_id,
        "status": result.status.value,
        "modus": result.modus,
        "fall": result.fall,
        "kreis": result.kreis,
        "version": result.version,
        "bescheide": [
            {
                "bescheid_id": g.bescheid_id,
                "datum": _day(g.datum),
                "aktenzeichen": g.aktenzeichen,
                "art": g.art,
                "behoerde": g.behoerde,
                "empfaenger": g.empfaenger,
                "jahr": g.jahr,
                "von": g.von.isoformat(),
                "bis": g.bis.isoformat(),
                "vzae": format_vzae(g.vzae_e4),
                "pauschale": format_cents(g.pauschale_cent),
                "summe": format_cents(g.summe_cent),
                "nachweisfrist": _day(g.nachweisfrist),
            }
            for g in result.bescheide
        ],
        "vertraege": [
            {
                "geber": v.geber,
                "empfaenger": v.empfaenger,
                "fassung": v.fassung,
                "vertragsdatum": _day(v.vertragsdatum),
                "gueltig_ab": v.gueltig_ab.isoformat(),
                "pauschale": _cents(v.pauschale_cent),
                "zahlungsplan": v.zahlungsplan,
                "zinsart": v.zinsart,
            }
            for v in result.vertraege
        ],
        "zuteilungen": [
            {
                "geber": a.geber,
                "empfaenger": a.empfaenger,
                "jahr": a.jahr,
                "ebene": a.ebene,
                "vzae_eigen": format_vzae(a.vzae_eigen_e4),
                "vzae_teilbaum": format_vzae(a.vzae_teilbaum_e4),
                "pauschale": format_cents(a.pauschale_cent),
                "weiterleitung": format_cents(a.weiterleitung_cent),
                "eigenanteil": format_cents(a.eigen_cent),
            }
            for a in result.zuteilungen
        ],
        "kanten": [edge_json(e) for e in result.kanten],
        "zahlungen": [
            {
                "datum": z.datum.isoformat(),
                "zahler": z.zahler,
                "empfaenger": z.empfaenger,
                "betrag": format_cents(z.betrag_cent),
                "art": z.art,
                "jahr": z.jahr,
                "wirkung": z.kind.value,
                "kante": [z.geber, z.kante_empfaenger] if z.geber is not None else None,
                "nach_stichtag": z.nach_stichtag,
                "kassenzeichen": z.kassenzeichen,
                "datei": z.quelle.datei,
                "blatt": z.quelle.blatt,
                "zeile": z.quelle.zeile,
            }
            for z in result.zahlungen
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
                "offen": z.offen,
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
        "zwischenzinsen": [
            {
                "geber": w.geber,
                "empfaenger": w.empfaenger,
                "jahr": w.jahr,
                "zahlung_datum": w.zahlung_datum.isoformat(),
                "betrag": format_cents(w.betrag_cent),
                "ungenutzt": format_cents(w.ungenutzt_cent),
                "tage": w.tage,
                "zinsbetrag": format_cents(w.zinsbetrag_cent),
            }
            for w in result.zwischenzinsen
        ],
        "verrechnung": [
            {
                "empfaenger": n.empfaenger,
                "jahr": n.jahr,
                "saldo_brutto": format_cents(n.saldo_brutto_cent),
                "forderungen_unten": format_cents(n.forderungen_unten_cent),
                "saldo_netto": format_cents(n.saldo_netto_cent),
            }
            for n in result.verrechnung
        ],
        "rueckforderungsvorschlaege": [
            {"glaeubiger": c.glaeubiger, "schuldner": c.schuldner, "jahr": c.jahr,
             "betrag": format_cents(c.betrag_cent)}
            for c in result.rueckforderungsvorschlaege
        ],
        "fristen": [deadline_json(d) for d in result.fristen],
        "erhaltung": [
            {
                "knoten": c.knoten,
                "jahr": c.jahr,
                "erhalten": format_cents(c.erhalten_cent),
                "weitergeleitet": format_cents(c.weitergeleitet_cent),
                "eigenanteil": format_cents(c.eigenanteil_cent),
                "ok": c.ok,
            }
            for c in result.erhaltung
        ],
        "parameter": [
            {"name": p.name, "wert": p.wert, "gueltig_ab": _day(p.gueltig_ab), "quelle": p.quelle}
            for p in result.parameter
        ],
        "eingaben": [{"name": f.name, "sha256": f.sha256, "groesse": f.size, "blaetter": list(f.sheets)}
                     for f in result.dateien],
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


def failure_json(month: object, lauf_id: str, findings: Sequence[Finding]) -> dict[str, Any]:
    """The JSON object of a run that could not reconcile (rejected input)."""
    return {
        "monat": str(month),
        "lauf_id": lauf_id,
        "status": "fehler",
        "kanten": [],
        "zahlungen": [],
        "zinsen": [],
        "zwischenzinsen": [],
        "fristen": [],
        "parameter": [],
        "korrekturen": [],
        "befunde": [finding_json(f) for f in findings],
    }


def dumps(obj: dict[str, Any]) -> str:
    """Serialise deterministically (sorted by construction, UTF-8, not ASCII-escaped)."""
    return json.dumps(obj, ensure_ascii=False, indent=2)

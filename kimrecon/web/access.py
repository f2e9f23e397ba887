"""Who sees what in a case: the per-object role checks of the web application.

Every route asks this module, on the server, for the signed-in user's view of a case (never only
by hiding links). A case's forwarding tree comes from its validated inputs (Bescheid → Kreis,
Zuweisung and Verteilungsschlüssel rows give giver → recipient); names match the way the engine
matches them (the ``Names`` registry: AGS first, then the normalised name).

- no accounts (``benutzer`` None): everything, as before accounts existed;
- kreis: the cases of its Kreis (``stelle`` None: every case), everything in them;
- pruefer: reads what the Kreis reads; may mark a Verwendungsnachweis "geprüft", changes nothing else;
- kommune: a case only if its ``stelle`` is a node of the tree (and, for a case made by a Kreis
  account, the Bescheid goes to that Kreis); inside it its own edge, its subtree if it is a hub, its
  own intake files and findings, never other towns' rows.

An object the user may not see answers 404 exactly like an object that does not exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kimrecon.inputs import Kind, present
from kimrecon.names import Names, normalize_name
from kimrecon.web.identity import Benutzer, Rolle

if TYPE_CHECKING:
    import pandas as pd

    from kimrecon.inputs import CaseInputs
    from kimrecon.result import Result


@dataclass(frozen=True)
class Baum:
    """The forwarding tree of a case over all its years: node keys, their givers and the Kreis roots."""

    namen: Names
    eltern: dict[str, str]  # recipient key → giver key
    kreise: tuple[str, ...]  # keys of the Bescheid recipients (the roots below the Land)
    jahre: dict[int, tuple[str, ...]] = field(default_factory=dict)  # year → recipient keys of the Zuweisung

    def knoten(self) -> set[str]:
        """Every node of the tree below the Land (the Kreis, hubs and towns)."""
        return set(self.kreise) | set(self.eltern)

    def teilbaum(self, key: str) -> set[str]:
        """The node and everything below it."""
        out = {key}
        grown = True
        while grown:
            more = {c for c, p in self.eltern.items() if p in out and c not in out}
            out |= more
            grown = bool(more)
        return out

    def kanten(self) -> list[tuple[int, str, str]]:
        """Every edge below the Kreis as (year, giver key, recipient key), by year and names."""
        out = [(j, self.eltern[k], k) for j, keys in self.jahre.items() for k in keys if k in self.eltern]
        return sorted(out, key=lambda e: (e[0], self.name(e[1]), self.name(e[2])))

    def key(self, name: object, ags: object = None) -> str | None:
        """The key of a known name (AGS first), or None."""
        return self.namen.key(name, ags)

    def name(self, key: str) -> str:
        """A node's name as the Zuweisung writes it."""
        return self.namen.show(key)


def baum(inputs: CaseInputs) -> Baum:
    """The tree of a case from its read inputs (Zuweisung first, so its spellings are shown)."""
    names = Names()
    eltern: dict[str, str] = {}
    frames = inputs.frames
    z = frames.get(Kind.ZUWEISUNG)
    b = frames.get(Kind.BESCHEID)
    s = frames.get(Kind.SCHLUESSEL)
    if z is not None:
        for empf, ueber, ags in zip(z["empfaenger"], z["ueber"], z["ags"], strict=True):
            names.add(empf, ags)
            names.add(ueber)
    kreise: list[str] = []
    if b is not None:
        for empf, behoerde in zip(b["empfaenger"], b["behoerde"], strict=True):
            k = names.add(empf)
            names.add(behoerde)
            if k is not None and k not in kreise:
                kreise.append(k)
    root = kreise[0] if kreise else None
    jahre: dict[int, list[str]] = {}
    if z is not None:
        for jahr, empf, ueber, ags in zip(z["jahr"], z["empfaenger"], z["ueber"], z["ags"], strict=True):
            child = names.key(empf, ags)
            parent = names.key(ueber) if present(ueber) else root
            if child is None:
                continue
            if present(jahr):
                jahre.setdefault(int(jahr), [])
                if child not in jahre[int(jahr)]:
                    jahre[int(jahr)].append(child)
            if parent is not None and child != parent and child not in kreise:
                eltern.setdefault(child, parent)
    if s is not None:
        for verteiler, kommune, ags in zip(s["verteiler"], s["kommune"], s["ags"], strict=True):
            names.add(kommune, ags)
            child, parent = names.key(kommune, ags), names.key(verteiler) if present(verteiler) else None
            if child is not None and parent is not None and child != parent:
                eltern.setdefault(child, parent)
    return Baum(names, eltern, tuple(kreise), {j: tuple(v) for j, v in jahre.items()})


@dataclass(frozen=True)
class Sicht:
    """One user's view of one case: what is visible and what may be changed."""

    benutzer: Benutzer | None
    alles: bool  # the whole case (no accounts, the Kreis, the auditors)
    baum: Baum
    eigen: str | None = None  # a town's own node key
    knoten: frozenset[str] = frozenset()  # a town's visible node keys (itself and its subtree)
    dateien: frozenset[str] = frozenset()  # a town's own files in the case (its submitted lists)

    @property
    def rolle(self) -> Rolle | None:
        """The user's role (None without accounts)."""
        return self.benutzer.rolle if self.benutzer else None

    @property
    def aendert(self) -> bool:
        """May change the case (upload files, run a month): the Kreis, or anyone without accounts."""
        return self.rolle in (None, Rolle.KREIS)

    @property
    def ist_hub(self) -> bool:
        """A town that forwards to towns below it."""
        return self.eigen is not None and len(self.knoten) > 1

    def sieht(self, name: object, ags: object = None) -> bool:
        """Whether a node (by name) is visible."""
        if self.alles:
            return True
        key = self.baum.key(name, ags)
        return key is not None and key in self.knoten

    def sieht_datei(self, name: str | None) -> bool:
        """Whether a case file (and the findings in it) is visible."""
        return self.alles or (name is not None and name in self.dateien)

    def meldet_fuer(self) -> list[str]:
        """Node keys this user may send monthly lists for (a town: itself; the Kreis: every node)."""
        if self.rolle is Rolle.KOMMUNE and self.eigen is not None:
            return [self.eigen]
        if self.aendert:
            return sorted(self.baum.knoten(), key=self.baum.name)
        return []

    def darf_eingang(self, geber: str) -> bool:
        """May record that a Verwendungsnachweis arrived: the Kreis, or a hub for its own children."""
        if self.aendert:
            return True
        return self.rolle is Rolle.KOMMUNE and self.eigen is not None and self.baum.key(geber) == self.eigen

    def darf_pruefen(self, geber: str) -> bool:
        """May mark a Verwendungsnachweis "geprüft": the Kreis, an auditor, or a hub for its own children."""
        return self.rolle is Rolle.PRUEFER or self.darf_eingang(geber)

    def ergebnis(self, result: Result) -> Result:
        """The Result restricted to what this user may see (the whole Result for the Kreis and auditors)."""
        if self.alles:
            return result
        see = self.sieht

        def keep(records: Iterable[Any], *attrs: str) -> tuple[Any, ...]:
            return tuple(r for r in records if any(see(getattr(r, a)) for a in attrs))

        return dataclasses.replace(
            result,
            dateien=tuple(f for f in result.dateien if self.sieht_datei(f.name)),
            blaetter=tuple(s for s in result.blaetter if self.sieht_datei(s.datei)),
            vertraege=keep(result.vertraege, "empfaenger"),
            zuteilungen=keep(result.zuteilungen, "empfaenger"),
            kanten=keep(result.kanten, "empfaenger"),
            monate=self._rows(result.monate, "empfaenger"),
            zahlungen=keep(result.zahlungen, "zahler", "empfaenger"),
            besetzung=self._rows(result.besetzung, "kommune", "ags"),
            verrechnung=keep(result.verrechnung, "empfaenger"),
            rueckforderungsvorschlaege=keep(result.rueckforderungsvorschlaege, "schuldner"),
            zinsen=keep(result.zinsen, "schuldner"),
            zwischenzinsen=keep(result.zwischenzinsen, "empfaenger"),
            fristen=keep(result.fristen, "empfaenger"),
            erhaltung=keep(result.erhaltung, "knoten"),
            befunde=self.befunde(result.befunde),
            korrekturen=keep(result.korrekturen, "empfaenger"),
        )

    def befunde(self, findings: Iterable[Any]) -> tuple[Any, ...]:
        """Findings in files this user may see (a town: only its own lists)."""
        return tuple(f for f in findings if self.alles or (f.source is not None and self.sieht_datei(f.source.datei)))

    def _rows(self, frame: pd.DataFrame, column: str, ags: str | None = None) -> pd.DataFrame:
        if frame is None or len(frame) == 0 or column not in frame.columns:
            return frame
        codes = frame[ags] if ags and ags in frame.columns else [None] * len(frame)
        mask = [self.sieht(n, a) for n, a in zip(frame[column], codes, strict=True)]
        return frame[mask].reset_index(drop=True)


def kreis_von(baum: Baum, angelegt_von: str | None) -> set[str]:
    """The Kreis a case belongs to: the Bescheid recipients, else the Kreis recorded when it was created."""
    out = {normalize_name(baum.name(k)) for k in baum.kreise}
    if angelegt_von:
        out.add(normalize_name(angelegt_von))
    return out


def sicht(benutzer: Benutzer | None, baum: Baum, kreis: str | None = None,
          dateien: Iterable[str] = ()) -> Sicht | None:
    """The user's view of a case, or None when the case belongs to another organisation (answer 404)."""
    if benutzer is None:
        return Sicht(None, True, baum)
    if benutzer.rolle in (Rolle.KREIS, Rolle.PRUEFER):
        if benutzer.stelle is None or normalize_name(benutzer.stelle) in kreis_von(baum, kreis):
            return Sicht(benutzer, True, baum)
        return None
    key = baum.key(benutzer.stelle) if benutzer.stelle else None
    if key is None or key in baum.kreise or key not in baum.knoten():
        return None
    if kreis and normalize_name(kreis) not in {normalize_name(baum.name(k)) for k in baum.kreise}:
        return None  # a case made by one Kreis whose Bescheid names another Kreis (or none yet): not the town's
    return Sicht(benutzer, False, baum, key, frozenset(baum.teilbaum(key)), frozenset(dateien))


def kante_id(jahr: int, geber: str, empfaenger: str) -> str:
    """The id of an edge in page addresses: ``2023--stadt-bergkamen--stadt-kamen``."""
    from kimrecon.web.storage import slug

    return f"{jahr}--{slug(geber)}--{slug(empfaenger)}"


def stelle_id(name: str) -> str:
    """The id of a node in page addresses: ``stadt-kamen``."""
    from kimrecon.web.storage import slug

    return slug(name)

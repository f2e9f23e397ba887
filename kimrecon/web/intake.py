"""The towns' monthly lists (upload → check → draft → submit) and the Verwendungsnachweis markings.

A town (or the Kreis acting for it) uploads its staffing list, and if it forwards money its
payments, for a Berichtsmonat. The upload is checked at once by the same reader and checks as a
case (``pipeline.read_and_validate``) on a view of the case folder in which the new list takes
the place of the town's previous list of that month; only the findings in the new list are
shown. A list is always kept as a draft (Entwurf); one without Fehler can be submitted, which
adds it to the case folder through the Store (a replaced file is archived). Its file name carries
the day of the upload as its Stand (``Meldung_Stadt_Kamen_2023-12_Stand_20240115.xlsx``), so
that by the reader's rule "the newer Stand wins" it replaces the town's older list; a list whose
own title names an older Stand is refused with a finding.

Web markings "Verwendungsnachweis eingegangen / geprüft" are written as a sheet of the kind
"Nachweise" (``Nachweise_kimrecon.xlsx``) into the case folder, so the engine reads them by its
one rule for receipts, exactly like a Nachweise sheet a clerk keeps.

State lives beside the case under ``verwaltung/<fall>/eingang/`` (``meldungen.json``,
``nachweise.json``, drafts in ``entwurf/``), always written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding, has_errors, severity_counts
from kimrecon.inputs import Kind
from kimrecon.web import identity, views
from kimrecon.web.access import Baum, Sicht, baum, kante_id, stelle_id
from kimrecon.web.app import WebError, _day, _fall, _form, _json, _month, _uploads, _web
from kimrecon.web.uploads import StagedFile
from kimrecon.write.atomic import write_atomic, write_text_atomic

if TYPE_CHECKING:
    from kimrecon.inputs import CaseInputs
    from kimrecon.web.app import Web
    from kimrecon.web.storage import Case, Store

NACHWEISE_DATEI = "Nachweise_kimrecon.xlsx"
MELDUNG_ARTEN = (Kind.BESETZUNG, Kind.ZAHLUNGEN)
EINGEGANGEN, ENTWURF, MIT_FEHLERN, FEHLT = "eingegangen", "Entwurf", "mit Fehlern", "fehlt"
LIEGT_VOR = "liegt vor"  # no web submission, but a list in the case folder whose Stand covers the month
ERLEDIGT = (EINGEGANGEN, LIEGT_VOR)


# --------------------------------------------------------------------------------------------------
# state on disk


def _ordner(store: Store, case: Case) -> Path:
    return store.admin_dir(case) / "eingang"


def _lade(store: Store, case: Case, name: str) -> dict[str, Any]:
    try:
        return json.loads((_ordner(store, case) / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def _speichere(store: Store, case: Case, name: str, state: dict[str, Any]) -> None:
    write_text_atomic(_ordner(store, case) / name, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))


def meldungen(store: Store, case: Case) -> dict[str, dict[str, Any]]:
    """Every town's lists: ``stelle-id/JJJJ-MM`` → {"entwurf", "eingereicht", "befunde"}."""
    return {key: {"entwurf": None, "eingereicht": None, "befunde": [], **slot}
            for key, slot in _lade(store, case, "meldungen.json").items()}


def eigene_dateien(store: Store, case: Case, stelle: str | None) -> set[str]:
    """The case files a town submitted (its own files in the case)."""
    if stelle is None:
        return set()
    prefix = stelle_id(stelle) + "/"
    return {d["name"] for key, slot in meldungen(store, case).items() if key.startswith(prefix)
            for d in (slot.get("eingereicht") or {}).get("dateien", [])}


def _befund_json(f: Finding) -> dict[str, Any]:
    s = f.source
    return {"code": f.code.value, "schwere": f.severity.value, "details": [list(d) for d in f.details],
            "wert": f.value, "datei": s.datei if s else None, "blatt": s.blatt if s else None,
            "zeile": s.zeile if s else None, "spalte": s.spalte if s else None}


def _befund(d: dict[str, Any]) -> Finding:
    source = SourceRef(d["datei"], d["blatt"], d["zeile"], d["spalte"]) if d.get("datei") else None
    return Finding(Code(d["code"]), Severity(d["schwere"]), source, tuple((k, v) for k, v in d["details"]), d["wert"])


# --------------------------------------------------------------------------------------------------
# checking a list


def ziel_namen(stelle: str, monat: str, staged: list[StagedFile], heute: date) -> list[str]:
    """File names of a town's list in the case: town, Berichtsmonat and the upload day as Stand."""
    from kimrecon.pipeline import safe_filename_part

    stem = f"Meldung_{safe_filename_part(stelle)}_{monat}_Stand_{heute:%Y%m%d}"
    if len(staged) == 1:
        return [stem + Path(staged[0].name).suffix.lower()]
    return [f"{stem}_{i}{Path(s.name).suffix.lower()}" for i, s in enumerate(staged, 1)]


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def pruefe(store: Store, case: Case, stelle: str, neu: list[tuple[str, Path]], weg: set[str]) -> tuple[Finding, ...]:
    """Check a town's new list together with the case: the findings in the new list (and about it)."""
    from kimrecon.pipeline import read_and_validate
    from kimrecon.read import read_case

    view = store.staging()
    view.mkdir(parents=True)
    try:
        names = {n for n, _ in neu}
        for p in case.ordner.iterdir():
            if p.is_file() and not p.name.startswith(".") and p.name not in weg | names:
                _link(p, view / p.name)
        for name, path in neu:
            _link(path, view / name)
        inputs = read_and_validate([view])
        alone = read_case([view / n for n in sorted(names)])  # every row of the new list, even one counted once
    finally:
        shutil.rmtree(view, ignore_errors=True)

    def about_new(f: Finding) -> bool:
        return (f.source is not None and f.source.datei in names) or any(n in v for _, v in f.details for n in names)

    found = [f for f in inputs.findings if about_new(f) and f.code is not Code.LISTE_ERSETZT]
    found += [finding(Code.MELDUNG_STAND_AELTER, f.source, neuer=dict(f.details).get("neuer", ""))
              for f in inputs.findings if f.code is Code.LISTE_ERSETZT and f.source and f.source.datei in names]
    tree = baum(inputs)
    own = tree.key(stelle)
    for s in alone.sheets:
        if s.kind not in MELDUNG_ARTEN:
            found.append(finding(Code.MELDUNG_ART, SourceRef(s.datei, s.blatt), art=s.kind.label))
        elif s.stand is not None and s.stand > date.today():  # it would win over every later list of the town
            found.append(finding(Code.MELDUNG_STAND_ZUKUNFT, SourceRef(s.datei, s.blatt),
                                 stand=f"{s.stand:%d.%m.%Y}"))
    for name in sorted(names):
        if not any(s.datei == name and s.kind in MELDUNG_ARTEN for s in alone.sheets):
            found.append(finding(Code.MELDUNG_LEER, SourceRef(name)))
    # the rows alone and as the case reads them: a month grid without a Kommune column gets its town
    # from its title only with the case's Zuweisung
    seen: set[tuple[str, str | None, int | None]] = set()
    for data in (alone, inputs):
        for kind, column, ags in ((Kind.BESETZUNG, "kommune", "ags"), (Kind.ZAHLUNGEN, "zahler", None)):
            frame = data.frames.get(kind)
            if frame is None:
                continue
            for idx in frame.index:
                where = data.source(frame, idx, column)
                key = tree.key(frame.at[idx, column], frame.at[idx, ags] if ags else None)
                if where.datei in names and key is not None and key != own and (
                        where.datei, where.blatt, where.zeile) not in seen:
                    seen.add((where.datei, where.blatt, where.zeile))
                    found.append(finding(Code.MELDUNG_FREMDE_STELLE, where, wert=frame.at[idx, column],
                                         stelle=stelle))
    return tuple(found)


def _zaehle(befunde: tuple[Finding, ...]) -> dict[str, int]:
    counts = severity_counts(befunde)
    return {"fehler": counts[Severity.FEHLER], "warnungen": counts[Severity.WARNUNG],
            "hinweise": counts[Severity.HINWEIS]}


def _jetzt() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def speichere_entwurf(web: Web, case: Case, stelle: str, monat: str, uploads: list[tuple[str, Any]],
                      von: str | None) -> tuple[dict[str, Any], tuple[Finding, ...]]:
    """Stage, check and keep an uploaded list as the town's draft for the month."""
    store = web.store
    staged = web._stage(uploads)
    try:
        targets = ziel_namen(stelle, monat, staged, date.today())
        with store.lock(case.id):
            state = meldungen(store, case)
            slot = state.setdefault(f"{stelle_id(stelle)}/{monat}", {"entwurf": None, "eingereicht": None})
            weg = {d["name"] for d in (slot.get("eingereicht") or {}).get("dateien", [])}
            befunde = pruefe(store, case, stelle, [(t, s.path) for t, s in zip(targets, staged, strict=True)], weg)
            folder = _ordner(store, case) / "entwurf" / f"{stelle_id(stelle)}_{monat}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for t, s in zip(targets, staged, strict=True):
                os.replace(s.path, folder / t)
            slot["entwurf"] = {
                "stelle": stelle, "monat": monat, "von": von, "am": _jetzt(), **_zaehle(befunde),
                "dateien": [{"name": t, "original": s.name, "groesse": s.size, "sha256": s.sha256}
                            for t, s in zip(targets, staged, strict=True)],
            }
            slot["befunde"] = [_befund_json(f) for f in befunde]
            _speichere(store, case, "meldungen.json", state)
    finally:
        shutil.rmtree(staged[0].path.parent, ignore_errors=True)
    return slot["entwurf"], befunde


def reiche_ein(web: Web, case: Case, stelle: str, monat: str, von: str | None) -> dict[str, Any]:
    """Submit the town's draft: check it again against the case, then add it to the case folder."""
    store = web.store
    with store.lock(case.id):
        state = meldungen(store, case)
        slot = state.get(f"{stelle_id(stelle)}/{monat}") or {}
        draft = slot.get("entwurf")
        if not draft:
            raise WebError(404, "Für diesen Monat gibt es keinen Entwurf, der eingereicht werden könnte.")
        folder = _ordner(store, case) / "entwurf" / f"{stelle_id(stelle)}_{monat}"
        weg = {d["name"] for d in (slot.get("eingereicht") or {}).get("dateien", [])}
        files = [(d["name"], folder / d["name"]) for d in draft["dateien"]]
        befunde = pruefe(store, case, stelle, files, weg)
        draft.update(_zaehle(befunde))
        slot["befunde"] = [_befund_json(f) for f in befunde]
        if has_errors(befunde):
            _speichere(store, case, "meldungen.json", state)
            raise WebError(422, "Die Liste enthält Fehler und kann nicht eingereicht werden. Sie bleibt als "
                                "Entwurf gespeichert; bitte die Fehler beheben und die Liste erneut hochladen.",
                           befunde)
        for name in sorted(weg - {n for n, _ in files}):
            store.retire(case, name)
        store.add(case, [StagedFile(d["name"], folder / d["name"], d["groesse"], d["sha256"])
                         for d in draft["dateien"]])
        shutil.rmtree(folder, ignore_errors=True)
        slot["eingereicht"] = {**draft, "eingereicht_von": von, "eingereicht_am": _jetzt()}
        slot["entwurf"] = None
        _speichere(store, case, "meldungen.json", state)
        return dict(slot["eingereicht"])


# --------------------------------------------------------------------------------------------------
# the matrix town × month


@dataclass(frozen=True, slots=True)
class Zelle:
    """One town and month of the intake matrix."""

    monat: str
    status: str  # eingegangen | liegt vor | Entwurf | mit Fehlern | fehlt
    am: datetime | None = None
    von: str | None = None
    stand: date | None = None  # liegt vor: the Stand of the newest list of the town in the case folder


@dataclass(frozen=True, slots=True)
class Zeile:
    """One town's months."""

    stelle: str
    id: str
    zellen: tuple[Zelle, ...]


def _zelle(slot: dict[str, Any] | None, monat: str, stand: date | None) -> Zelle:
    slot = slot or {}
    if slot.get("eingereicht"):
        e = slot["eingereicht"]
        return Zelle(monat, EINGEGANGEN, datetime.fromisoformat(e["eingereicht_am"]).astimezone(),
                     e.get("eingereicht_von"))
    if slot.get("entwurf"):
        d = slot["entwurf"]
        return Zelle(monat, MIT_FEHLERN if d.get("fehler") else ENTWURF, datetime.fromisoformat(d["am"]).astimezone(),
                     d.get("von"))
    if stand is not None and stand >= _month_end(monat):
        return Zelle(monat, LIEGT_VOR, stand=stand)
    return Zelle(monat, FEHLT)


def _month_end(monat: str) -> date:
    year, month = int(monat[:4]), int(monat[5:7])
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def listen_stand(inputs: CaseInputs, tree: Baum) -> dict[str, date]:
    """Per town key the newest Stand of a staffing list in the case folder that has rows of that town.

    A list with Stand 31.12.2023 reports the staffing of every month up to December 2023, whether it
    came through the monthly intake or was put into the case by the Kreis.
    """
    frame = inputs.frames.get(Kind.BESETZUNG)
    out: dict[str, date] = {}
    if frame is None or frame.empty:
        return out
    for sheet, kommune, ags in zip(frame["_sheet"], frame["kommune"], frame["ags"], strict=True):
        stand = inputs.sheets[int(sheet)].stand
        key = tree.key(kommune, ags)
        if stand is not None and key is not None and (key not in out or stand > out[key]):
            out[key] = stand
    return out


def jahre(tree: Baum) -> list[int]:
    """The years of the case's Zuweisung, newest first (the current year when it has none)."""
    return sorted(tree.jahre, reverse=True) or [date.today().year]


def matrix(store: Store, case: Case, view: Sicht, jahr: int) -> list[Zeile]:
    """The towns this user sees (recipients of the Zuweisung of the year) × the year's months."""
    state = meldungen(store, case)
    tree = view.baum
    stands = listen_stand(store.inputs(case), tree)
    towns = [k for k in tree.jahre.get(jahr, ()) if view.alles or k in view.knoten]
    out = []
    for key in sorted(towns, key=tree.name):
        name = tree.name(key)
        sid = stelle_id(name)
        months = [f"{jahr}-{m:02d}" for m in range(1, 13)]
        out.append(Zeile(name, sid, tuple(_zelle(state.get(f"{sid}/{m}"), m, stands.get(key)) for m in months)))
    return out


def vorschlag(rows: list[Zeile], stellen: list[str], jahr: int) -> str:
    """The Berichtsmonat the upload form proposes: the year's first month still open for the user's towns."""
    mine = [r for r in rows if r.stelle in stellen] or rows
    for i in range(12):
        if any(r.zellen[i].status not in ERLEDIGT for r in mine):
            return f"{jahr}-{i + 1:02d}"
    return f"{jahr}-12"


def faellig_bis(jahr: int, heute: date) -> int:
    """The last month of a year for which a list is due by today (0: none yet)."""
    if jahr < heute.year:
        return 12
    return heute.month if jahr == heute.year else 0


def fehlende_csv(rows: list[Zeile], jahr: int, heute: date) -> bytes:
    """The missing lists of the due months (not "eingegangen", not "liegt vor") as CSV for Excel (BOM, ";")."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow(["Stelle", "Berichtsmonat", "Status", "Entwurf hochgeladen am", "Entwurf von"])
    bis = faellig_bis(jahr, heute)
    for row in rows:
        for z in row.zellen:
            if z.status not in ERLEDIGT and int(z.monat[5:]) <= bis:
                out.writerow([_text(row.stelle), f"{views.MONTHS_DE[int(z.monat[5:]) - 1]} {jahr}", z.status,
                              views.cell("", z.am).text if z.am else "", _text(z.von or "")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _text(value: str) -> str:
    """A CSV cell Excel shows as text, never as a formula (a name starting with = + - @ gets a leading ')."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --------------------------------------------------------------------------------------------------
# Verwendungsnachweise: eingegangen / geprüft


def nachweise(store: Store, case: Case) -> dict[str, dict[str, Any]]:
    """The web markings: ``jahr|geber|empfänger`` → dates and who marked them."""
    return _lade(store, case, "nachweise.json")


def _nachweise_mappe(marks: dict[str, dict[str, Any]], path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nachweise"
    ws.append(["Verwendungsnachweise – Eingang und Prüfung (in kimrecon erfasst; bitte nicht von Hand ändern)"])
    ws.append([])
    ws.append(["Geber", "Empfänger", "Jahr", "Nachweis eingegangen am", "geprüft am"])
    for key in sorted(marks):
        m = marks[key]
        ws.append([m["geber"], m["empfaenger"], m["jahr"],
                   date.fromisoformat(m["eingegangen"]) if m.get("eingegangen") else None,
                   date.fromisoformat(m["geprueft"]) if m.get("geprueft") else None])
        for col in (4, 5):
            ws.cell(ws.max_row, col).number_format = "DD.MM.YYYY"
    wb.save(path)


def markiere(web: Web, case: Case, view: Sicht, geber: str, empfaenger: str, jahr: int, was: str, am: date,
             von: str | None) -> str:
    """Record a Verwendungsnachweis as arrived or checked; returns the edge's name for the audit log."""
    tree = view.baum
    g, e = tree.key(geber), tree.key(empfaenger)
    if g is None or e is None or tree.eltern.get(e) != g or not view.sieht(empfaenger):
        raise WebError(404, "Diese Weiterleitung gibt es in diesem Fall nicht.")
    allowed = view.darf_eingang(geber) if was == "eingegangen" else view.darf_pruefen(geber)
    if not allowed:
        raise WebError(403, "Ihr Konto darf diesen Verwendungsnachweis nicht als "
                            f"{'eingegangen' if was == 'eingegangen' else 'geprüft'} markieren.")
    store = web.store
    with store.lock(case.id):
        marks = nachweise(store, case)
        mark = marks.setdefault(f"{jahr}|{g}|{e}", {"geber": tree.name(g), "empfaenger": tree.name(e), "jahr": jahr})
        mark[was] = am.isoformat()
        mark[f"{was}_von"] = von
        _speichere(store, case, "nachweise.json", marks)
        write_atomic(case.ordner / NACHWEISE_DATEI, lambda p: _nachweise_mappe(marks, p))
    return f"{tree.name(g)} → {tree.name(e)} {jahr}"


# --------------------------------------------------------------------------------------------------
# routes


def _wer(request: Request) -> str | None:
    user = identity.benutzer(request)
    return user.name if user else None


def _stelle(view: Sicht, value: object) -> str:
    """The town a list is for: a town's own; the Kreis names one of the tree's nodes."""
    allowed = view.meldet_fuer()
    if not allowed:
        raise WebError(403, "Ihr Konto kann keine Listen melden; es kann die Meldungen nur lesen.")
    if view.eigen is not None:
        return view.baum.name(view.eigen)
    key = view.baum.key(str(value or "").strip()) or next(
        (k for k in allowed if stelle_id(view.baum.name(k)) == str(value or "")), None)
    if key is None or key not in allowed:
        raise WebError(400, "Bitte die Stelle wählen, für die die Liste gemeldet wird.")
    return view.baum.name(key)


def _slot(request: Request, view: Sicht) -> tuple[str, str]:
    """The town (by its id in the address) and month of a list page; 404 for a town not visible."""
    sid = request.path_params["stelle"]
    month = request.path_params["monat"]
    key = next((k for k in view.baum.knoten() if stelle_id(view.baum.name(k)) == sid), None)
    if key is None or not (view.alles or key in view.knoten):
        raise WebError(404, "Diese Meldung gibt es nicht.")
    try:
        month = _month(month)
    except WebError as exc:
        raise WebError(404, "Diese Meldung gibt es nicht.") from exc
    return view.baum.name(key), month


def _year(request: Request, tree: Baum) -> int:
    value = request.query_params.get("jahr", "")
    if value:
        if not value.isdigit() or not 2000 <= int(value) <= 2099:
            raise WebError(400, f"„{value[:8]}“ ist kein Jahr. Bitte als JJJJ angeben, z. B. 2023.")
        return int(value)
    return jahre(tree)[0]


async def matrix_page(request: Request) -> Response:
    """GET /faelle/{fall}/meldungen: the towns × months matrix and the upload form."""
    web = _web(request)
    case, view = await _fall(request)
    jahr = _year(request, view.baum)
    rows = await run_in_threadpool(matrix, web.store, case, view, jahr)
    stellen = [view.baum.name(k) for k in view.meldet_fuer()]
    return web.page(request, "meldungen.html", fall=case, sicht=view, jahr=jahr, jahre=jahre(view.baum),
                    zeilen=rows, stellen=stellen, vorschlag=vorschlag(rows, stellen, jahr),
                    monate=[f"{jahr}-{m:02d}" for m in range(1, 13)])


async def missing_csv(request: Request) -> Response:
    """GET /faelle/{fall}/meldungen/fehlend.csv: the missing lists of the year as CSV."""
    web = _web(request)
    case, view = await _fall(request)
    jahr = _year(request, view.baum)
    rows = await run_in_threadpool(matrix, web.store, case, view, jahr)
    name = f"Fehlende_Meldungen_{jahr}.csv"
    identity.protokolliere(request, "heruntergeladen", name, fall=case.id)
    return Response(fehlende_csv(rows, jahr, date.today()), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def _upload(request: Request, *, check_csrf: bool) -> tuple[Case, Sicht, dict[str, Any], tuple[Finding, ...],
                                                                   bool]:
    web = _web(request)
    case, view = await _fall(request)
    form = await _form(request, check_csrf=check_csrf)
    stelle = _stelle(view, form.get("stelle"))
    month = _month(form.get("monat"))
    draft, befunde = await run_in_threadpool(speichere_entwurf, web, case, stelle, month, _uploads(form),
                                             _wer(request))
    for d in draft["dateien"]:
        identity.protokolliere(request, "hochgeladen", f"{d['original']} ({stelle}, {month})", fall=case.id)
    identity.protokolliere(request, "als Entwurf gespeichert", f"Meldung {stelle} {month}", fall=case.id)
    return case, view, draft, befunde, str(form.get("einreichen", "")).lower() in ("1", "true", "ja")


async def upload_page(request: Request) -> Response:
    """POST /faelle/{fall}/meldungen: check an uploaded list and keep it as a draft."""
    case, _, draft, _, _ = await _upload(request, check_csrf=True)
    return RedirectResponse(f"/faelle/{case.id}/meldungen/{stelle_id(draft['stelle'])}/{draft['monat']}",
                            status_code=303)


async def _meldung(request: Request) -> tuple[Case, Sicht, str, str, dict[str, Any]]:
    """The case, view, town, month and stored list of a list's address; 404 for one not there or not visible."""
    case, view = await _fall(request)
    stelle, month = _slot(request, view)
    slot = meldungen(_web(request).store, case).get(f"{stelle_id(stelle)}/{month}")
    if not slot:
        raise WebError(404, "Diese Meldung gibt es nicht.")
    return case, view, stelle, month, slot


async def detail_page(request: Request) -> Response:
    """GET /faelle/{fall}/meldungen/{stelle}/{monat}: a town's list of a month with its findings."""
    web = _web(request)
    case, view, stelle, month, slot = await _meldung(request)
    may_submit = bool(slot.get("entwurf")) and view.baum.key(stelle) in view.meldet_fuer()
    return web.page(request, "meldung.html", fall=case, sicht=view, stelle=stelle, monat=month, slot=slot,
                    befunde=[_befund(d) for d in slot.get("befunde", [])], einreichen=may_submit,
                    stelle_id=stelle_id(stelle))


async def _submit(request: Request, *, check_csrf: bool) -> tuple[Case, str, str, dict[str, Any]]:
    web = _web(request)
    case, view = await _fall(request)
    await _form(request, check_csrf=check_csrf)  # a forged form is refused before anything else is looked up
    stelle, month = _slot(request, view)
    _stelle(view, stelle)  # a town submits its own list; auditors submit nothing
    if view.baum.key(stelle) not in view.meldet_fuer():
        raise WebError(403, "Ihr Konto kann diese Liste nicht einreichen.")
    done = await run_in_threadpool(reiche_ein, web, case, stelle, month, _wer(request))
    identity.protokolliere(request, "eingereicht", f"Meldung {stelle} {month}", fall=case.id)
    return case, stelle, month, done


async def submit_page(request: Request) -> Response:
    """POST /faelle/{fall}/meldungen/{stelle}/{monat}/einreichen: submit the draft."""
    case, stelle, month, _ = await _submit(request, check_csrf=True)
    return RedirectResponse(f"/faelle/{case.id}/meldungen/{stelle_id(stelle)}/{month}", status_code=303)


def _slot_json(stelle: str, month: str, slot: dict[str, Any]) -> dict[str, Any]:
    from kimrecon.write.json_out import finding_json

    return {"stelle": stelle, "monat": month, "entwurf": slot.get("entwurf"), "eingereicht": slot.get("eingereicht"),
            "befunde": [finding_json(_befund(d)) for d in slot.get("befunde", [])]}


async def api_matrix(request: Request) -> Response:
    """GET /api/faelle/{fall}/meldungen?jahr=: the matrix as JSON."""
    web = _web(request)
    case, view = await _fall(request)
    jahr = _year(request, view.baum)
    rows = await run_in_threadpool(matrix, web.store, case, view, jahr)
    return _json({"fall": case.id, "jahr": jahr, "stellen": [
        {"stelle": r.stelle, "id": r.id, "monate": [
            {"monat": z.monat, "status": z.status, "am": z.am.isoformat() if z.am else None, "von": z.von,
             "stand": z.stand.isoformat() if z.stand else None}
            for z in r.zellen]}
        for r in rows]})


async def api_upload(request: Request) -> Response:
    """POST /api/faelle/{fall}/meldungen (multipart ``stelle``, ``monat``, ``dateien``, optional ``einreichen=1``)."""
    web = _web(request)
    case, view, draft, _, submit = await _upload(request, check_csrf=False)
    stelle, month = draft["stelle"], draft["monat"]
    status = 201
    if submit:
        try:
            await run_in_threadpool(reiche_ein, web, case, stelle, month, _wer(request))
        except WebError as exc:
            if exc.status != 422:
                raise
            status = 422
        else:
            identity.protokolliere(request, "eingereicht", f"Meldung {stelle} {month}", fall=case.id)
    slot = meldungen(web.store, case)[f"{stelle_id(stelle)}/{month}"]
    return _json(_slot_json(stelle, month, slot), status)


async def api_detail(request: Request) -> Response:
    """GET /api/faelle/{fall}/meldungen/{stelle}/{monat}."""
    _, _, stelle, month, slot = await _meldung(request)
    return _json(_slot_json(stelle, month, slot))


async def api_submit(request: Request) -> Response:
    """POST /api/faelle/{fall}/meldungen/{stelle}/{monat}/einreichen."""
    web = _web(request)
    case, stelle, month, _ = await _submit(request, check_csrf=False)
    return _json(_slot_json(stelle, month, meldungen(web.store, case)[f"{stelle_id(stelle)}/{month}"]))


async def _mark(request: Request, *, check_csrf: bool) -> tuple[Case, date]:
    web = _web(request)
    case, view = await _fall(request)
    form = await _form(request, check_csrf=check_csrf)
    was = str(form.get("aktion", ""))
    if was not in ("eingegangen", "geprueft"):
        raise WebError(400, "Bitte „eingegangen“ oder „geprüft“ wählen.")
    geber, empfaenger, jahr = str(form.get("geber", "")), str(form.get("empfaenger", "")), str(form.get("jahr", ""))
    if form.get("kante"):  # the page's choice: the edge's id
        tree = view.baum
        found = next(((j, tree.name(g), tree.name(e)) for j, g, e in tree.kanten()
                      if kante_id(j, tree.name(g), tree.name(e)) == str(form.get("kante"))), None)
        if found is None:
            raise WebError(404, "Diese Weiterleitung gibt es in diesem Fall nicht.")
        jahr, geber, empfaenger = str(found[0]), found[1], found[2]
    if not jahr.isdigit():
        raise WebError(400, "Bitte das Jahr der Weiterleitung angeben.")
    am = _day(str(form.get("datum") or "") or None)
    edge = await run_in_threadpool(markiere, web, case, view, geber, empfaenger, int(jahr), was, am, _wer(request))
    identity.protokolliere(request, "als eingegangen markiert" if was == "eingegangen" else "als geprüft markiert",
                           f"Verwendungsnachweis {edge}", fall=case.id)
    return case, am


async def mark_page(request: Request) -> Response:
    """POST /faelle/{fall}/nachweise: mark a Verwendungsnachweis as arrived or checked."""
    case, am = await _mark(request, check_csrf=True)
    return RedirectResponse(f"/faelle/{case.id}/fristen?am={am.isoformat()}", status_code=303)


async def api_mark(request: Request) -> Response:
    """POST /api/faelle/{fall}/nachweise (``geber``, ``empfaenger``, ``jahr``, ``aktion``, ``datum``)."""
    web = _web(request)
    case, _ = await _mark(request, check_csrf=False)
    return _json({"fall": case.id, "nachweise": list(nachweise(web.store, case).values())})


def routes() -> list[Any]:
    """The intake routes (added to the application's route list)."""
    from starlette.routing import Route

    fall, api = "/faelle/{fall}", "/api/faelle/{fall}"
    return [
        Route(f"{fall}/meldungen", matrix_page),
        Route(f"{fall}/meldungen", upload_page, methods=["POST"]),
        Route(f"{fall}/meldungen/fehlend.csv", missing_csv),
        Route(f"{fall}/meldungen/{{stelle}}/{{monat}}", detail_page),
        Route(f"{fall}/meldungen/{{stelle}}/{{monat}}/einreichen", submit_page, methods=["POST"]),
        Route(f"{fall}/nachweise", mark_page, methods=["POST"]),
        Route(f"{api}/meldungen", api_matrix),
        Route(f"{api}/meldungen", api_upload, methods=["POST"]),
        Route(f"{api}/meldungen/{{stelle}}/{{monat}}", api_detail),
        Route(f"{api}/meldungen/{{stelle}}/{{monat}}/einreichen", api_submit, methods=["POST"]),
        Route(f"{api}/nachweise", api_mark, methods=["POST"]),
    ]

"""The ASGI application: German pages, the JSON API for scripts, and the safety around both.

Pages and API render what the pipeline returns (``reconcile_case``, ``read_and_validate``,
``deadline_list``, the ledger); they compute no figure. Work that reads or writes files runs in
the thread pool under the case's lock, so two runs of one case are serialised and different
cases run side by side.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kimrecon.findings import Finding, has_errors
from kimrecon.web import identity, views
from kimrecon.web.access import Sicht, kante_id
from kimrecon.web.auth import SESSION_KEY, AuthConfig, csrf_for
from kimrecon.web.identity import Benutzer, Rolle, benutzer
from kimrecon.web.storage import Case, Store
from kimrecon.web.uploads import MAX_FILES, MAX_REQUEST_BYTES, StagedFile, UploadError, stage_uploads

if TYPE_CHECKING:
    from kimrecon.pipeline import RunOutcome

HERE = Path(__file__).resolve().parent
LOG = logging.getLogger("kimrecon.web")
EXAMPLE_ID = "beispiel-kreis-unna-2023"
EXAMPLE_NAME = "Beispiel: Kreis Unna 2023"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
API_HEADER = "x-kimrecon-api"
SEEN_KEY = "kimrecon.fall"  # scope: the id of the case this request's user was found to see
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would make form posts send Origin: null
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]

HTTP_TEXT: dict[int, str] = {
    400: "Die Anfrage ist unvollständig oder fehlerhaft.",
    403: "Diese Anfrage ist nicht erlaubt.",
    409: "Die Anfrage steht im Widerspruch zum gespeicherten Stand.",
    404: "Diese Seite oder Datei gibt es nicht.",
    405: "Diese Anfrage ist an dieser Adresse nicht möglich.",
    411: "Die Anfrage muss ihre Länge angeben.",
    413: f"Die Anfrage ist zu groß (höchstens {MAX_REQUEST_BYTES >> 20} MB).",
    422: "Die Eingaben konnten nicht verarbeitet werden.",
    500: "Interner Fehler. Die Eingaben wurden nicht verändert; bitte erneut versuchen.",
}


class WebError(Exception):
    """A refused request: HTTP status, German message and findings (pages and API show them)."""

    def __init__(self, status: int, message: str, befunde: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.befunde = befunde


@dataclass
class Web:
    """Everything the routes share, loaded once per process."""

    store: Store
    db: str | None
    env: jinja2.Environment
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    outcomes: dict[tuple[str, str], RunOutcome] = field(default_factory=dict)
    last_run: dict[str, int] = field(default_factory=dict)  # case id → second of its last run start

    # ---- work in the thread pool

    def create_case(self, name: str, uploads: list[tuple[str, Any]], fall: str | None = None,
                    kreis: str | None = None) -> Case:
        """Stage uploads (guard, limits) and create a case from them in one rename."""
        return self.store.create(name, self._stage(uploads), fall=fall, kreis=kreis)

    def sicht(self, case: Case, user: Benutzer | None) -> Sicht | None:
        """The user's view of a case (None: the case belongs to another organisation)."""
        from dataclasses import replace

        from kimrecon.web import access, intake

        tree = access.baum(self.store.inputs(case))
        view = access.sicht(user, tree, case.kreis)
        if view is not None and view.eigen is not None:
            view = replace(view, dateien=frozenset(intake.eigene_dateien(self.store, case, tree.name(view.eigen))))
        return view

    def add_files(self, case: Case, uploads: list[tuple[str, Any]]) -> None:
        """Stage uploads and add them to a case under its lock."""
        with self.store.lock(case.id):
            self.store.add(case, self._stage(uploads))

    def _stage(self, uploads: list[tuple[str, Any]]) -> list[StagedFile]:
        try:
            return stage_uploads(uploads, self.store.staging())
        except UploadError as exc:
            raise WebError(exc.status, exc.message, exc.befunde) from exc

    def run(self, case: Case, month: str, nachweise: bool) -> RunOutcome:
        """Reconcile a case for a month under its lock; keep the outcome for the result page."""
        from kimrecon.ledger import LedgerError
        from kimrecon.pipeline import reconcile_case

        with self.store.lock(case.id):
            # a run id carries the time in whole seconds: a second run of this case waits for the next second
            while int(time.time()) == self.last_run.get(case.id):
                time.sleep(0.05)
            self.last_run[case.id] = int(time.time())
            try:
                outcome = reconcile_case(
                    case.ordner, month, out_dir=self.store.out_dir(case, month), db_url=self.db,
                    ledger_dir=self.store.admin_dir(case), nachweis_for=[(int(month[:4]), None)] if nachweise else [],
                    read=self.store.read(case),
                )
            except LedgerError as exc:
                # the ledger's own text names server paths or the database address: it goes to the
                # server's log for the administrator, the user gets what to do
                LOG.error("Laufbuch beim Abgleich von %s %s: %s", case.id, month, exc)
                raise WebError(409, "Der Abgleich konnte nicht im Laufbuch verbucht werden; es wurde nichts "
                                    "geschrieben. Bitte in einer Minute erneut versuchen; hält der Fehler an, die "
                                    "IT-Verwaltung benachrichtigen (Einzelheiten stehen im Protokoll des "
                                    "Servers).") from exc
        self.outcomes[(case.id, month)] = outcome
        return outcome

    def outcome(self, case: Case, month: str) -> RunOutcome | None:
        """The month's outcome: kept since this process ran it, else the latest recorded run computed again.

        After a restart the result pages stay available as long as the case's files and parameters
        are those of the month's latest run (``pipeline.restore_outcome``); otherwise None.
        """
        from kimrecon.ledger import LedgerError
        from kimrecon.pipeline import restore_outcome

        key = (case.id, month)
        if key not in self.outcomes:
            with self.store.lock(case.id):
                if key not in self.outcomes:
                    try:
                        restored = restore_outcome(case.ordner, month, out_dir=self.store.out_dir(case, month),
                                                   db_url=self.db, ledger_dir=self.store.admin_dir(case),
                                                   read=self.store.read(case))
                    except LedgerError:
                        restored = None
                    if restored is None:
                        return None
                    self.outcomes[key] = restored
        return self.outcomes[key]

    def runs(self, case: Case) -> list[Any]:
        """The case's runs from the ledger (none before the first run)."""
        from kimrecon.ledger import LedgerError, open_ledger

        try:
            ledger = open_ledger(self.db, self.store.admin_dir(case), create=self.db is not None)
        except LedgerError:
            return []  # no run yet
        with ledger:
            found = ledger.runs()
        return [r for r in found if self.db is None or r.fall == case.id]

    def run_detail(self, case: Case, lauf_id: str) -> Any:
        """One run of the case from the ledger, or None."""
        from kimrecon.ledger import LedgerError, open_ledger

        try:
            ledger = open_ledger(self.db, self.store.admin_dir(case), create=self.db is not None)
        except LedgerError:
            return None
        with ledger:
            detail = ledger.run(lauf_id)
        if detail is None or (self.db is not None and detail.lauf.fall != case.id):
            return None
        return detail

    def deadlines(self, case: Case, on: date) -> tuple[Any, tuple[Any, ...]]:
        """The case's deadlines on a day (inputs with findings, deadlines)."""
        from kimrecon.pipeline import deadline_list

        return deadline_list(case.ordner, on)

    def preload_example(self) -> None:
        """Create the bundled example case unless it exists."""
        from kimrecon.read.files import SUFFIXES
        from kimrecon.resources import example_case

        if self.store.case(EXAMPLE_ID) is not None:
            return
        paths = sorted(p for p in example_case().iterdir() if p.suffix.lower() in SUFFIXES)
        handles = [p.open("rb") for p in paths]
        try:
            self.create_case(EXAMPLE_NAME, [(p.name, h) for p, h in zip(paths, handles, strict=True)], EXAMPLE_ID)
        finally:
            for h in handles:
                h.close()

    # ---- rendering

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page template to an HTML response."""
        context = {"csrf": csrf_for(request), "angemeldet": benutzer(request),
                   "sitzung": request.scope.get(SESSION_KEY) is not None, **context}
        html = self.env.get_template(template).render(request=request, **context)
        response = HTMLResponse(html, status_code=status)
        if request.headers.get("hx-request"):  # a boosted link or form: show the page's own address
            query = f"?{request.url.query}" if request.url.query else ""
            response.headers["HX-Push-Url"] = request.url.path + query
        return response


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every text from a cell is HTML-escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["views"] = views
    env.filters["wert"] = lambda v: getattr(v, "value", v)  # an enum's text
    env.filters["euro"] = lambda cents: views.cell("x_cent", cents).text
    env.filters["datum"] = lambda d: views.cell("", d).text
    env.filters["monat_de"] = lambda m: f"{views.MONTHS_DE[int(m[5:7]) - 1]} {m[:4]}"
    env.filters["urlteil"] = lambda text: quote(str(text), safe="")
    return env


# --------------------------------------------------------------------------------------------------
# helpers for requests


def _web(request: Request) -> Web:
    return request.app.state.web  # type: ignore[no-any-return]


def _case(request: Request) -> Case:
    case = _web(request).store.case(request.path_params["fall"])
    if case is None:
        raise WebError(404, "Diesen Fall gibt es nicht.")
    return case


async def _fall(request: Request) -> tuple[Case, Sicht]:
    """The case of the address and the user's view of it; 404 alike for a missing case and another's."""
    web = _web(request)
    case = _case(request)
    view = await run_in_threadpool(web.sicht, case, identity.benutzer(request))
    if view is None:
        raise WebError(404, "Diesen Fall gibt es nicht.")
    request.scope[SEEN_KEY] = case.id  # an error page from here on may lead back to the case
    return case, view


def _nur_kreis(rolle: Rolle | None, was: str) -> None:
    """Refuse (403) a change of a case by anyone but the Kreis; ``was`` says what was tried."""
    if rolle in (None, Rolle.KREIS):
        return
    if rolle is Rolle.PRUEFER:
        raise WebError(403, f"{was} ist mit einem Prüfkonto nicht möglich: Prüferinnen und Prüfer lesen alles und "
                            "markieren Verwendungsnachweise als geprüft, ändern aber nichts.")
    raise WebError(403, f"{was} ist nur dem Kreis möglich. Ihre monatliche Liste melden Sie unter "
                        "„Monatliche Meldungen“.")


def _visible_cases(web: Web, user: Benutzer | None) -> list[Case]:
    return [c for c in web.store.cases() if user is None or web.sicht(c, user) is not None]


async def _form(request: Request, *, check_csrf: bool) -> FormData:
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=50, max_part_size=1 << 20)
    except HTTPException as exc:
        raise WebError(400, "Das Formular konnte nicht gelesen werden. Bitte erneut senden.") from exc
    if check_csrf and not hmac.compare_digest(str(form.get("csrf", "")), csrf_for(request)):
        raise WebError(403, "Das Formular ist abgelaufen oder stammt nicht von dieser Seite. Bitte die Seite neu "
                            "laden und erneut senden.")
    return form


def _uploads(form: FormData) -> list[tuple[str, Any]]:
    """The uploaded files of the field ``dateien`` (an empty file field of a browser is no upload)."""
    out = []
    for item in form.getlist("dateien"):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            out.append((item.filename or "", item.file))
    return out


def _case_name(value: object) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise WebError(400, "Bitte einen Namen für den Fall angeben.")
    if len(name) > 120:
        raise WebError(400, "Der Name des Falls ist zu lang (höchstens 120 Zeichen).")
    return name


def _month(value: object) -> str:
    """The month as canonical ``YYYY-MM`` text (the pipeline parses it into its Month value)."""
    from kimrecon.month import parse_month

    month = parse_month(str(value or ""))
    if month is None:
        raise WebError(400, f"„{str(value or '')[:20]}“ ist kein Monat. Bitte als JJJJ-MM angeben, z. B. 2023-12.")
    return str(month)


def _day(value: str | None) -> date:
    if not value:
        return date.today()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise WebError(400, f"„{value[:20]}“ ist kein Datum. Bitte als JJJJ-MM-TT oder TT.MM.JJJJ angeben.")


def _output_url(case: Case, month: str, path: Path) -> str:
    return f"/api/faelle/{case.id}/ausgaben/{month}/{quote(path.name)}"


def _case_facts(web: Web, case: Case, view: Sicht) -> dict[str, Any]:
    """What the case page and the API show about a case: files with kinds, findings (a town: its own files)."""
    inputs = web.store.inputs(case)
    kinds: dict[str, list[str]] = {}
    for s in inputs.sheets:
        kinds.setdefault(s.datei, []).append(f"{s.kind.label} ({s.blatt})")
    files = []
    for f in inputs.files:
        if not view.sieht_datei(f.name):
            continue
        p = case.ordner / f.name
        stand = datetime.fromtimestamp(p.stat().st_mtime) if p.exists() else None
        files.append({"name": f.name, "groesse": f.size, "sha256": f.sha256, "arten": kinds.get(f.name, []),
                      "stand": stand})
    return {"dateien": files, "befunde": list(view.befunde(inputs.findings))}


# --------------------------------------------------------------------------------------------------
# pages


async def index(request: Request) -> Response:
    """GET /: the cases this user sees and (for the Kreis) the form for a new case."""
    web = _web(request)
    user = identity.benutzer(request)
    cases = await run_in_threadpool(_visible_cases, web, user)
    return web.page(request, "index.html", faelle=cases, anlegen=user is None or user.rolle is Rolle.KREIS)


def _creator(request: Request) -> str | None:
    """The Kreis recorded on a new case; only the Kreis (or anyone without accounts) creates cases."""
    user = identity.benutzer(request)
    if user is None:
        return None
    _nur_kreis(user.rolle, "Einen Fall anzulegen")
    return user.stelle


async def create_case_page(request: Request) -> Response:
    """POST /faelle: create a case from the form."""
    web = _web(request)
    kreis = _creator(request)
    form = await _form(request, check_csrf=True)
    case = await run_in_threadpool(web.create_case, _case_name(form.get("name")), _uploads(form), None, kreis)
    identity.protokolliere(request, "Fall angelegt", case.name, fall=case.id)
    return RedirectResponse(f"/faelle/{case.id}", status_code=303)


async def case_page(request: Request) -> Response:
    """GET /faelle/{fall}: files, findings, the month form (a town: its own files and its pages)."""
    web = _web(request)
    case, view = await _fall(request)
    facts = await run_in_threadpool(_case_facts, web, case, view)
    months = sorted({m for (fid, m) in web.outcomes if fid == case.id}
                    | {r.monat for r in await run_in_threadpool(web.runs, case)}, reverse=True)
    return web.page(request, "fall.html", fall=case, sicht=view, **facts, gelaufen=months,
                    vorschlag=f"{date.today():%Y-%m}")


def _log_files(request: Request, case: Case, uploads: list[tuple[str, Any]]) -> None:
    for name, _ in uploads:
        identity.protokolliere(request, "hochgeladen", name, fall=case.id)


async def upload_page(request: Request) -> Response:
    """POST /faelle/{fall}/dateien: add or replace files."""
    web = _web(request)
    case, view = await _fall(request)
    _nur_kreis(view.rolle, "Das Hochladen von Dateien des Falls")
    form = await _form(request, check_csrf=True)
    uploads = _uploads(form)
    await run_in_threadpool(web.add_files, case, uploads)
    _log_files(request, case, uploads)
    return RedirectResponse(f"/faelle/{case.id}#befunde", status_code=303)


async def run_page(request: Request) -> Response:
    """POST /faelle/{fall}/abgleich: run a month, then show its result."""
    web = _web(request)
    case, view = await _fall(request)
    _nur_kreis(view.rolle, "Der Abgleich eines Monats")
    form = await _form(request, check_csrf=True)
    month = _month(form.get("monat"))
    await run_in_threadpool(web.run, case, month, form.get("nachweise") == "1")
    identity.protokolliere(request, "abgeglichen", month, fall=case.id)
    return RedirectResponse(f"/faelle/{case.id}/abgleich/{month}", status_code=303)


def _downloads(web: Web, case: Case, view: Sicht, month: str, outcome: RunOutcome | None) -> list[tuple[str, str]]:
    return [(p.name, _output_url(case, month, p)) for p in (outcome.written if outcome else ())
            if _may_download(view, p.name)]


def _may_download(view: Sicht, name: str) -> bool:
    """The Kreis and auditors get every workbook; a town only the Verwendungsnachweise of its subtree."""
    from kimrecon.write.nachweis import nachweis_filename

    if view.alles:
        return True
    return any(name == nachweis_filename(j, view.baum.name(k)) for j in view.baum.jahre for k in view.knoten)


async def result_page(request: Request) -> Response:
    """GET /faelle/{fall}/abgleich/{monat}: the result of a month's run (a town: its own edges)."""
    web = _web(request)
    case, view = await _fall(request)
    month = _month(request.path_params["monat"])
    outcome = await run_in_threadpool(web.outcome, case, month)
    result = view.ergebnis(outcome.result) if outcome and outcome.result is not None else None
    findings = view.befunde(outcome.findings) if outcome else ()
    return web.page(
        request, "ergebnis.html", fall=case, sicht=view, monat=month, outcome=outcome, ergebnis=result,
        befunde=list(findings), downloads=_downloads(web, case, view, month, outcome),
        matrizen=views.month_matrices(result.monate) if result is not None else [],
        kante_id=kante_id,
    )


async def _edge(request: Request, web: Web, case: Case, view: Sicht) -> tuple[str, RunOutcome, Any, Any]:
    """The month, its outcome, the user's Result and the edge of the address; 404 for an edge the user does not see."""
    month = _month(request.path_params["monat"])
    outcome = await run_in_threadpool(web.outcome, case, month)
    result = view.ergebnis(outcome.result) if outcome and outcome.result is not None else None
    wanted = request.path_params["kante"]
    edge = next((e for e in (result.kanten if result else ()) if kante_id(e.jahr, e.geber, e.empfaenger) == wanted),
                None)
    if outcome is None or edge is None:
        raise WebError(404, "Diese Weiterleitung gibt es in diesem Monat nicht.")
    return month, outcome, result, edge


def _edge_parts(result: Any, edge: Any) -> dict[str, Any]:
    """What belongs to one edge: its recipient's month rows, payments, deadline, corrections."""
    monate = result.monate
    if monate is not None and len(monate):
        monate = monate[(monate["empfaenger"] == edge.empfaenger) & (monate["jahr"] == edge.jahr)]
    pair = (edge.geber, edge.empfaenger)
    return {
        "monate": monate,
        "zahlungen": tuple(z for z in result.zahlungen
                           if (z.geber, z.kante_empfaenger) == pair and z.jahr == edge.jahr),
        "fristen": tuple(d for d in result.fristen if (d.geber, d.empfaenger) == pair and d.jahr == edge.jahr),
        "korrekturen": tuple(c for c in result.korrekturen if (c.geber, c.empfaenger) == pair and c.jahr == edge.jahr),
    }


async def edge_page(request: Request) -> Response:
    """GET /faelle/{fall}/abgleich/{monat}/weiterleitung/{kante}: one edge with its months and payments."""
    from kimrecon.write.nachweis import nachweis_filename

    web = _web(request)
    case, view = await _fall(request)
    month, outcome, result, edge = await _edge(request, web, case, view)
    parts = _edge_parts(result, edge)
    nachweis = [(n, u) for n, u in _downloads(web, case, view, month, outcome)
                if n == nachweis_filename(edge.jahr, edge.empfaenger)]
    return web.page(request, "weiterleitung.html", fall=case, sicht=view, monat=month, kante=edge, **parts,
                    matrizen=views.month_matrices(parts["monate"]), downloads=nachweis)


async def runs_page(request: Request) -> Response:
    """GET /faelle/{fall}/laeufe: the run history."""
    web = _web(request)
    case, view = await _fall(request)
    runs = await run_in_threadpool(web.runs, case)
    return web.page(request, "laeufe.html", fall=case, sicht=view, laeufe=runs)


def _run_view(view: Sicht, detail: Any) -> Any:
    """A run from the ledger restricted to what the user sees (a town: its edges, files and findings)."""
    from dataclasses import replace

    if view.alles:
        return detail
    return replace(
        detail,
        dateien=tuple(f for f in detail.dateien if view.sieht_datei(f.name)),
        befunde=tuple(b for b in detail.befunde if view.sieht_datei(b.datei)),
        kanten=tuple(k for k in detail.kanten if view.sieht(k.empfaenger)),
        monate=tuple(m for m in detail.monate if view.sieht(m.empfaenger)),
        korrekturen=tuple(k for k in detail.korrekturen if view.sieht(k.empfaenger)),
    )


async def run_detail_page(request: Request) -> Response:
    """GET /faelle/{fall}/laeufe/{lauf}: one run with its corrections."""
    web = _web(request)
    case, view = await _fall(request)
    detail = await run_in_threadpool(web.run_detail, case, request.path_params["lauf"])
    if detail is None:
        raise WebError(404, "Diesen Lauf gibt es im Laufbuch des Falls nicht.")
    return web.page(request, "lauf.html", fall=case, sicht=view, lauf=_run_view(view, detail))


async def deadlines_page(request: Request) -> Response:
    """GET /faelle/{fall}/fristen?am=: the deadlines dashboard with the Nachweis markings."""
    web = _web(request)
    case, view = await _fall(request)
    on = _day(request.query_params.get("am"))
    inputs, items = await run_in_threadpool(web.deadlines, case, on)
    ordered = sorted((d for d in items if view.sieht(d.empfaenger)), key=lambda d: (d.frist, d.empfaenger))
    tree = view.baum
    markierbar = [(kante_id(j, tree.name(g), tree.name(e)), f"{tree.name(g)} → {tree.name(e)} {j}")
                  for j, g, e in tree.kanten() if view.sieht(tree.name(e)) and view.darf_pruefen(tree.name(g))]
    return web.page(request, "fristen.html", fall=case, sicht=view, am=on, fristen=ordered,
                    befunde=[f for f in view.befunde(inputs.findings) if has_errors([f])],
                    fehlerhaft=has_errors(inputs.findings), markierbar=markierbar, heute=date.today(),
                    eingang=any(view.darf_eingang(tree.name(g)) for _, g, _ in tree.kanten()))


# --------------------------------------------------------------------------------------------------
# API


def _json(obj: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    return Response(body, status_code=status, media_type="application/json")


def _case_json(web: Web, case: Case, view: Sicht) -> dict[str, Any]:
    from kimrecon.write.json_out import finding_json

    facts = _case_facts(web, case, view)
    return {
        "fall": case.id,
        "name": case.name,
        "dateien": [{"name": f["name"], "groesse": f["groesse"], "sha256": f["sha256"], "arten": f["arten"]}
                    for f in facts["dateien"]],
        "befunde": [finding_json(f) for f in facts["befunde"]],
    }


async def api_cases(request: Request) -> Response:
    """GET /api/faelle: the cases this user sees."""
    web = _web(request)
    cases = await run_in_threadpool(_visible_cases, web, identity.benutzer(request))
    return _json({"faelle": [{"fall": c.id, "name": c.name, "angelegt": c.angelegt.isoformat()} for c in cases]})


async def api_create(request: Request) -> Response:
    """POST /api/faelle: create a case (multipart ``name``, ``dateien``)."""
    web = _web(request)
    kreis = _creator(request)
    form = await _form(request, check_csrf=False)
    name = _case_name(form.get("name"))
    case = await run_in_threadpool(web.create_case, name, _uploads(form), None, kreis)
    identity.protokolliere(request, "Fall angelegt", case.name, fall=case.id)
    view = await run_in_threadpool(web.sicht, case, identity.benutzer(request))
    assert view is not None  # the case records its creator's Kreis
    return _json(await run_in_threadpool(_case_json, web, case, view), 201)


async def api_case(request: Request) -> Response:
    """GET /api/faelle/{fall}: files and findings of a case (a town: its own files)."""
    case, view = await _fall(request)
    return _json(await run_in_threadpool(_case_json, _web(request), case, view))


async def api_upload(request: Request) -> Response:
    """POST /api/faelle/{fall}/dateien: add or replace files."""
    web = _web(request)
    case, view = await _fall(request)
    _nur_kreis(view.rolle, "Das Hochladen von Dateien des Falls")
    form = await _form(request, check_csrf=False)
    uploads = _uploads(form)
    await run_in_threadpool(web.add_files, case, uploads)
    _log_files(request, case, uploads)
    return _json(await run_in_threadpool(_case_json, web, case, view))


async def api_result(request: Request) -> Response:
    """GET /api/faelle/{fall}/abgleich/{monat}: the month's result as JSON (a town: its own edges)."""
    from kimrecon.write.json_out import result_json

    web = _web(request)
    case, view = await _fall(request)
    month = _month(request.path_params["monat"])
    outcome = await run_in_threadpool(web.outcome, case, month)
    if outcome is None or outcome.result is None:
        raise WebError(404, "Für diesen Monat liegt kein aktuelles Ergebnis vor: der Monat wurde noch nicht "
                            "abgeglichen, oder Dateien haben sich seit dem letzten Abgleich geändert.")
    obj = result_json(view.ergebnis(outcome.result))
    obj["dateien"] = [{"name": n, "url": u} for n, u in _downloads(web, case, view, month, outcome)]
    return _json(obj)


async def api_edge(request: Request) -> Response:
    """GET /api/faelle/{fall}/abgleich/{monat}/weiterleitung/{kante}: one edge of the user's Result."""
    from kimrecon.write.json_out import result_json

    web = _web(request)
    case, view = await _fall(request)
    month, _, result, edge = await _edge(request, web, case, view)
    parts = _edge_parts(result, edge)
    from dataclasses import replace

    one = result_json(replace(result, kanten=(edge,), zahlungen=parts["zahlungen"], fristen=parts["fristen"],
                              korrekturen=parts["korrekturen"]))
    return _json({"fall": case.id, "monat": month, "id": request.path_params["kante"], "kante": one["kanten"][0],
                  "monate": _month_rows(parts["monate"]),
                  **{k: one[k] for k in ("zahlungen", "fristen", "korrekturen") if k in one}})


def _month_rows(frame: Any) -> list[dict[str, Any]]:
    """The ledger's month columns of ``Result.monate`` as JSON (amounts as text with two decimals)."""
    from kimrecon.money import format_cents, format_vzae
    from kimrecon.result import MONTH_COLUMNS

    if frame is None or len(frame) == 0:
        return []
    out = []
    for row in frame.sort_values(["jahr", "monat"]).to_dict("records"):
        item: dict[str, Any] = {}
        for c in MONTH_COLUMNS:
            v = row.get(c)
            key = c.removesuffix("_cent").removesuffix("_e4")
            item[key] = (format_cents(int(v)) if c.endswith("_cent") else format_vzae(int(v)) if c.endswith("_e4")
                         else v if isinstance(v, str) else int(v))
        out.append(item)
    return out


async def api_run(request: Request) -> Response:
    """POST /api/faelle/{fall}/abgleich: the JSON of ``reconcile --json`` plus ``dateien``."""
    from kimrecon.write.json_out import failure_json, result_json

    web = _web(request)
    case, view = await _fall(request)
    _nur_kreis(view.rolle, "Der Abgleich eines Monats")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as exc:
            raise WebError(400, "Der JSON-Inhalt ist ungültig.") from exc
        fields = body if isinstance(body, dict) else {}
    else:
        fields = dict(await _form(request, check_csrf=False))
    month = _month(fields.get("monat"))
    nachweise = str(fields.get("nachweise", "")).lower() in ("1", "true", "ja")
    outcome = await run_in_threadpool(web.run, case, month, nachweise)
    identity.protokolliere(request, "abgeglichen", month, fall=case.id)
    if outcome.result is not None:
        obj = result_json(outcome.result)
        if outcome.repeat_of:
            obj["wiederholung_von"] = outcome.repeat_of
        status = 200
    else:
        obj = {"fehler": "Der Abgleich wurde nicht durchgeführt: die Eingaben enthalten Fehler (siehe befunde "
                         "und den Fehlerbericht).",
               **failure_json(outcome.month, outcome.lauf_id, outcome.findings)}
        status = 422
    obj["dateien"] = [{"name": p.name, "url": _output_url(case, month, p)} for p in outcome.written]
    return _json(obj, status)


async def api_runs(request: Request) -> Response:
    """GET /api/faelle/{fall}/laeufe: the run history (a town: without the counts of the whole case)."""
    web = _web(request)
    case, view = await _fall(request)
    runs = await run_in_threadpool(web.runs, case)
    return _json({"fall": case.id, "laeufe": [
        {"lauf_id": r.lauf_id, "zeitpunkt": r.zeitpunkt.isoformat(), "monat": r.monat, "status": r.status,
         "wiederholung_von": r.wiederholung_von,
         **({"dateien": r.dateien, "fehler": r.fehler, "hinweise": r.hinweise, "korrekturen": r.korrekturen}
            if view.alles else {})}
        for r in runs
    ]})


async def api_deadlines(request: Request) -> Response:
    """GET /api/faelle/{fall}/fristen?am=JJJJ-MM-TT: the deadlines on a day."""
    from kimrecon.write.json_out import finding_json

    web = _web(request)
    case, view = await _fall(request)
    on = _day(request.query_params.get("am"))
    inputs, items = await run_in_threadpool(web.deadlines, case, on)
    items = tuple(d for d in items if view.sieht(d.empfaenger))
    if has_errors(inputs.findings):
        errors = tuple(f for f in view.befunde(inputs.findings) if has_errors([f]))
        raise WebError(422, "Die Fristen können nicht bestimmt werden: die Eingaben enthalten Fehler.", errors)
    return _json({"fall": case.id, "am": on.isoformat(), "fristen": [
        {"geber": d.geber, "empfaenger": d.empfaenger, "jahr": d.jahr, "frist": d.frist.isoformat(),
         "status": d.status, "tage_bis": d.tage_bis,
         "eingegangen": d.eingegangen.isoformat() if d.eingegangen else None,
         "geprueft": d.geprueft.isoformat() if d.geprueft else None}
        for d in sorted(items, key=lambda d: (d.frist, d.empfaenger))
    ], "befunde": [finding_json(f) for f in view.befunde(inputs.findings)]})


async def download(request: Request) -> Response:
    """GET /api/faelle/{fall}/ausgaben/{monat}/{datei}: an output workbook."""
    web = _web(request)
    case, view = await _fall(request)
    path = web.store.output(case, request.path_params["monat"], request.path_params["datei"])
    if path is None or not _may_download(view, path.name):
        raise WebError(404, "Diese Datei gibt es nicht.")
    identity.protokolliere(request, "heruntergeladen", path.name, fall=case.id)
    return FileResponse(path, media_type=XLSX, filename=path.name)


# --------------------------------------------------------------------------------------------------
# errors


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _error(request: Request, exc: Exception) -> Response:
    from kimrecon.write.json_out import finding_json

    if isinstance(exc, WebError):
        status, message, befunde = exc.status, exc.message, exc.befunde
    elif isinstance(exc, HTTPException):
        status, message, befunde = exc.status_code, HTTP_TEXT.get(exc.status_code, HTTP_TEXT[400]), ()
    else:
        status, message, befunde = 500, HTTP_TEXT[500], ()
    if _is_api(request):
        return _json({"fehler": message, "befunde": [finding_json(f) for f in befunde]}, status)
    web = _web(request)
    fall = request.path_params.get("fall", "")
    # a missing or foreign case leads back to the start page alike (no hint that it exists)
    back = f"/faelle/{fall}" if fall and status != 404 and request.scope.get(SEEN_KEY) == fall else "/"
    return web.page(request, "fehler.html", status=status, meldung=message, befunde=list(befunde), zurueck=back)


# --------------------------------------------------------------------------------------------------
# the guard around everything

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """Host check (DNS rebinding), API header and Origin check for writes, body size, security headers."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or pass on one request; add the security headers to every response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        if refusal is not None:
            status, text = refusal
            body = json.dumps({"fehler": text, "befunde": []}, ensure_ascii=False).encode()
            await send_with_headers({"type": "http.response.start", "status": status,
                                     "headers": [(b"content-type", b"application/json; charset=utf-8")]})
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() not in self.hosts:
            if self.hosts == LOOPBACK_HOSTS:
                return 400, ("Unbekannter Host-Name in der Anfrage. kimrecon antwortet nur unter 127.0.0.1 oder "
                             "localhost.")
            return 400, "Unbekannter Host-Name in der Anfrage. kimrecon antwortet nur unter den eingerichteten Namen."
        if scope["method"] in ("GET", "HEAD"):
            return None
        origin = headers.get("origin")
        if origin and origin != "null":
            origin_host = origin.split("://", 1)[-1].rstrip("/")
            if origin_host != host:
                return 403, "Anfragen von fremden Seiten werden abgelehnt."
        elif origin == "null":
            return 403, "Anfragen von fremden Seiten werden abgelehnt."
        if scope["path"].startswith("/api/") and headers.get(API_HEADER) != "1":
            return 403, "Schreibende API-Anfragen brauchen die Kopfzeile „X-Kimrecon-API: 1“."
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            return 411, HTTP_TEXT[411]
        if int(length) > MAX_REQUEST_BYTES:
            return 413, HTTP_TEXT[413]
        return None


def create_app(*, daten: Path, db: str | None = None, beispiel: bool = False, auth: AuthConfig | None = None,
               hostnames: Sequence[str] = ()) -> ASGIApp:
    """The ASGI application over the data folder ``daten`` (created if missing).

    ``auth`` configures sign-in (cookies behind TLS, trusted proxies, proxy header, lifetimes);
    ``hostnames`` are the names besides loopback the Host header may carry.
    """
    from kimrecon.web import intake
    from kimrecon.web.auth import AccountSource, SignIn
    from kimrecon.web.auth import routes as auth_routes

    web = Web(store=Store(Path(daten)), db=db, env=_env())
    if beispiel:
        web.preload_example()
    fall = "/faelle/{fall}"
    api = "/api/faelle/{fall}"
    routes = [
        Route("/", index),
        Route("/faelle", create_case_page, methods=["POST"]),
        Route(fall, case_page),
        Route(f"{fall}/dateien", upload_page, methods=["POST"]),
        Route(f"{fall}/abgleich", run_page, methods=["POST"]),
        Route(f"{fall}/abgleich/{{monat}}", result_page),
        Route(f"{fall}/abgleich/{{monat}}/weiterleitung/{{kante}}", edge_page),
        Route(f"{fall}/laeufe", runs_page),
        Route(f"{fall}/laeufe/{{lauf}}", run_detail_page),
        Route(f"{fall}/fristen", deadlines_page),
        Route("/api/faelle", api_cases),
        Route("/api/faelle", api_create, methods=["POST"]),
        Route(api, api_case),
        Route(f"{api}/dateien", api_upload, methods=["POST"]),
        Route(f"{api}/abgleich", api_run, methods=["POST"]),
        Route(f"{api}/abgleich/{{monat}}", api_result),
        Route(f"{api}/abgleich/{{monat}}/weiterleitung/{{kante}}", api_edge),
        Route(f"{api}/laeufe", api_runs),
        Route(f"{api}/fristen", api_deadlines),
        Route(f"{api}/ausgaben/{{monat}}/{{datei}}", download),
        *intake.routes(),
        *auth_routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    source = AccountSource(Path(daten), db, auth or AuthConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        source.close()

    app = Starlette(routes=routes, exception_handlers={WebError: _error, HTTPException: _error, Exception: _error},
                    lifespan=lifespan)
    app.state.web = web
    app.state.konten = source
    app.state.protokoll = source.write_log  # identity.protokolliere writes through it
    extra = frozenset(h.strip().lower() for h in hostnames if h.strip())
    return Guard(SignIn(app, source), LOOPBACK_HOSTS | extra)

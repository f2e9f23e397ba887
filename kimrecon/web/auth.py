"""Sign-in for the web server: sessions, personal API tokens, the trusted proxy header, the audit log.

Without any account the server behaves as before (one person on loopback): nothing here asks
for a login. Once ``kimrecon benutzer anlegen`` created an account, :class:`SignIn` (an ASGI
middleware inside the ``Guard``) requires for every page and API call one of

- the session cookie set by the form at ``/anmelden`` (pages; API reads such as downloads),
- ``Authorization: Bearer TOKEN`` with the account's personal token (API),
- the configured proxy header (e.g. ``X-Remote-User``), honoured only when the TCP peer is one of
  the configured proxy addresses;

and puts the signed-in :class:`~kimrecon.web.identity.Benutzer` into the request scope. Pages
without it are redirected to ``/anmelden`` (303), API calls answered 401 with
``WWW-Authenticate: Bearer``. Static files stay public.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import math
import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kimrecon.web.identity import SCOPE_KEY, Benutzer, Rolle, benutzer

if TYPE_CHECKING:
    from kimrecon.accounts import Clock, Eintrag, Konten, Policy

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_KEY = "kimrecon.sitzung"  # scope: (session id, CSRF token) of a signed-in browser
ADDRESS_KEY = "kimrecon.adresse"  # scope: the client's address (behind a trusted proxy: X-Forwarded-For)
LOGIN_COOKIE = "kimrecon_anmeldung"  # the login form's CSRF token before there is a session
PUBLIC = ("/static/",)
FALSCH = "Benutzername oder Passwort ist falsch."
PER_PAGE = 50


@dataclass(frozen=True)
class AuthConfig:
    """How the server signs users in (``kimrecon serve`` options; see docs/web.md)."""

    https: bool = False  # behind a TLS proxy: Secure cookies (``__Host-`` prefix)
    proxies: tuple[str, ...] = ()  # addresses or networks of trusted reverse proxies
    sso_header: str | None = None  # the header a trusted proxy names the signed-in user in
    policy: Policy | None = None  # session lifetimes and throttling (None: the defaults)
    clock: Clock | None = None  # tests inject a clock
    networks: tuple[Any, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        nets = []
        for p in self.proxies:
            try:
                nets.append(ipaddress.ip_network(p.strip().strip("[]"), strict=False))
            except ValueError as exc:
                raise ValueError(f"„{p}“ ist keine IP-Adresse und kein Netz (z. B. 10.0.0.5 oder "
                                 "10.0.0.0/24).") from exc
        object.__setattr__(self, "networks", tuple(nets))

    @property
    def session_cookie(self) -> str:
        """The session cookie's name (``__Host-`` needs Secure, Path=/ and no Domain)."""
        return "__Host-kimrecon_sitzung" if self.https else "kimrecon_sitzung"

    def trusted(self, address: str | None) -> bool:
        """Whether a TCP peer is one of the configured proxies."""
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


class AccountSource:
    """The server's accounts database, opened on first need; ``active()`` is None while there is no account.

    Without ``--db`` the file ``<daten>/kimrecon.sqlite`` is not created by the server: it appears with
    the first ``kimrecon benutzer anlegen``; the server notices it on the next request.
    """

    def __init__(self, daten: Path, db: str | None, config: AuthConfig) -> None:
        from kimrecon.accounts import ACCOUNTS_FILE

        self.daten = Path(daten)
        self.db = db
        self.config = config
        self._file = self.daten / ACCOUNTS_FILE
        self._konten: Konten | None = None
        self._has_accounts = False
        self._lock = threading.Lock()

    def active(self) -> Konten | None:
        """The accounts store once an account exists, else None (the server is open on loopback)."""
        if self._has_accounts:
            return self._konten
        if self.db is None and not self._file.is_file():
            return None
        with self._lock:
            if self._konten is None:
                from kimrecon.accounts import Konten

                self._konten = Konten.open(self.daten, self.db, clock=self.config.clock, policy=self.config.policy)
            self._has_accounts = self._konten.anzahl() > 0  # accounts are never deleted: once True, always
        return self._konten if self._has_accounts else None

    def close(self) -> None:
        """Release the database connection."""
        if self._konten is not None:
            self._konten.close()

    def write_log(self, user: Benutzer | None, aktion: str, gegenstand: str, fall: str | None) -> None:
        """The audit-log writer installed as ``app.state.protokoll`` (nothing without accounts)."""
        konten = self.active()
        if konten is not None:
            konten.protokolliere(user.name if user else None, aktion, gegenstand, fall)


# --------------------------------------------------------------------------------------------------
# the middleware


def _headers(scope: Scope) -> dict[str, str]:
    out = {}
    for k, v in scope["headers"]:
        try:
            out[k.decode("latin-1").lower()] = v.decode("utf-8")
        except UnicodeDecodeError:
            out[k.decode("latin-1").lower()] = v.decode("latin-1")
    return out


def client_address(scope: Scope, headers: dict[str, str], config: AuthConfig) -> str:
    """The client's address: the TCP peer, or behind a trusted proxy the nearest untrusted X-Forwarded-For hop."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    if not config.trusted(peer) or "x-forwarded-for" not in headers:
        return peer
    hops = [h.strip() for h in headers["x-forwarded-for"].split(",") if h.strip()]
    for hop in reversed(hops):
        if not config.trusted(hop):
            return hop
    return hops[0] if hops else peer


class SignIn:
    """Require a signed-in user for every page and API call once accounts exist."""

    def __init__(self, app: ASGIApp, source: AccountSource) -> None:
        self.app = app
        self.source = source
        self.config = source.config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Identify the user, or refuse; then pass the request on."""
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC):
            await self.app(scope, receive, send)
            return
        try:
            konten = await run_in_threadpool(self.source.active)
        except Exception:  # noqa: BLE001 - the accounts database is unreachable: fail closed
            await _refuse(scope, send, 503, "Die Benutzerdatenbank ist nicht erreichbar. Bitte später erneut "
                                            "versuchen oder die Verwaltung benachrichtigen.", self.app)
            return
        if konten is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        scope[ADDRESS_KEY] = client_address(scope, headers, self.config)
        refusal = await run_in_threadpool(self._identify, konten, scope, headers)
        if refusal is not None:
            await _refuse(scope, send, *refusal, self.app)
            return
        if scope.get(SCOPE_KEY) is None and scope["path"] != "/anmelden":
            if scope["path"].startswith("/api/"):
                await _refuse(scope, send, 401, "Bitte anmelden: die Schnittstelle braucht die Kopfzeile "
                                                "„Authorization: Bearer TOKEN“ mit dem persönlichen Token.")
            else:
                target = "/anmelden"
                if scope["method"] == "GET" and scope["path"] != "/":
                    query = scope.get("query_string", b"").decode("latin-1")
                    target += "?weiter=" + quote(scope["path"] + (f"?{query}" if query else ""), safe="")
                await _send(send, 303, [(b"location", target.encode())], b"")
            return
        await self.app(scope, receive, send)

    def _identify(self, konten: Konten, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        """Put the user (and the session) into the scope; or a refusal (status, German text)."""
        peer = (scope.get("client") or ("", 0))[0] or ""
        header = self.config.sso_header
        if header and self.config.trusted(peer) and sum(
                k.decode("latin-1").lower() == header.lower() for k, _ in scope["headers"]) > 1:
            # a proxy that appends instead of replacing passed the client's own header on
            return 400, (f"Die Kopfzeile „{header}“ kommt mehrfach vor; die Anmeldung über den Proxy ist so nicht "
                         "eindeutig. Bitte die Verwaltung benachrichtigen (der Proxy muss die Kopfzeile ersetzen).")
        if header and headers.get(header.lower(), "").strip() and self.config.trusted(peer):
            konto = konten.konto(headers[header.lower()].strip())
            if konto is None or konto.gesperrt:
                return 403, ("Für diese Anmeldung gibt es in kimrecon kein freigeschaltetes Benutzerkonto. Bitte die "
                             "Verwaltung fragen.")
            scope[SCOPE_KEY] = konto.benutzer
            return None
        auth = headers.get("authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            konto = konten.per_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
            if konto is None:
                return 401, "Das Token ist ungültig oder das Benutzerkonto gesperrt."
            scope[SCOPE_KEY] = konto.benutzer
            return None
        sid = cookie_parser(headers.get("cookie", "")).get(self.config.session_cookie)
        if sid:
            sitzung = konten.sitzung(sid)
            if sitzung is not None:
                scope[SCOPE_KEY] = sitzung.konto.benutzer
                scope[SESSION_KEY] = (sid, sitzung.csrf)
                if scope["path"].startswith("/api/") and scope["method"] not in ("GET", "HEAD"):
                    return 401, ("Schreibende Anfragen an die Schnittstelle brauchen das persönliche Token "
                                 "(„Authorization: Bearer TOKEN“).")
        return None


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: Scope, send: Send, status: int, text: str, app: Any = None) -> None:
    """A refusal: JSON ``{"fehler", "befunde"}`` for the API, the German error page for pages."""
    if app is not None and not scope["path"].startswith("/api/"):
        request = Request({**scope, "app": app})
        response = app.state.web.page(request, "fehler.html", status=status, meldung=text, befunde=[], zurueck="/")
        await response(scope, _no_receive, send)
        return
    body = json.dumps({"fehler": text, "befunde": []}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8")]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="kimrecon"'))
    await _send(send, status, headers, body)


async def _no_receive() -> MutableMapping[str, Any]:
    return {"type": "http.disconnect"}


# --------------------------------------------------------------------------------------------------
# CSRF


def csrf_for(request: Request) -> str:
    """The CSRF token of this request's forms: the session's, else derived per user, else the process's."""
    web_secret: str = request.app.state.web.csrf
    session = request.scope.get(SESSION_KEY)
    if session is not None:
        return str(session[1])
    user = benutzer(request)
    if user is None:
        return web_secret
    # proxy header or token: no session; a token bound to the user and this server process
    return hmac.new(web_secret.encode(), f"benutzer:{user.name}".encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------------------
# routes: /anmelden, /abmelden, /protokoll, /api/protokoll


def _source(request: Request) -> AccountSource:
    return request.app.state.konten  # type: ignore[no-any-return]


def _cookie(name: str, value: str, *, path: str, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def safe_target(value: object) -> str:
    """A same-site path to continue to after login (anything else: the start page)."""
    text = str(value or "")
    parts = urlsplit(text)
    if (not text.startswith("/") or text.startswith(("//", "/\\")) or parts.scheme or parts.netloc
            or any(ord(c) < 32 or c == "\\" for c in text) or len(text) > 2000 or text.startswith("/anmelden")):
        return "/"
    return text


def _login_page(request: Request, token: str, *, status: int = 200, meldung: str | None = None,
                weiter: str = "/") -> Response:
    """The form (what was typed is never shown again: a password typed into the name field stays unseen)."""
    config = _source(request).config
    response = request.app.state.web.page(request, "anmelden.html", status=status, csrf=token, meldung=meldung,
                                          weiter=weiter)
    response.headers.append("set-cookie", _cookie(LOGIN_COOKIE, token, path="/anmelden", secure=config.https,
                                                  max_age=3600))
    return response


async def login_form(request: Request) -> Response:
    """GET /anmelden: the German login form."""
    weiter = safe_target(request.query_params.get("weiter"))
    if await run_in_threadpool(_source(request).active) is None:
        return RedirectResponse("/", status_code=303)  # no accounts: nothing to sign in to
    if benutzer(request) is not None:
        return RedirectResponse(weiter, status_code=303)
    token = request.cookies.get(LOGIN_COOKIE) or ""
    if len(token) != 43:
        token = secrets.token_urlsafe(32)
    return _login_page(request, token, weiter=weiter)


async def login(request: Request) -> Response:
    """POST /anmelden: check name and password (throttled), start a new session, continue."""
    from kimrecon.accounts import Gedrosselt

    source = _source(request)
    konten = await run_in_threadpool(source.active)
    if konten is None:
        return RedirectResponse("/", status_code=303)
    try:
        form = await request.form(max_files=0, max_fields=10, max_part_size=8192)
    except HTTPException:
        form = None
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    fresh = secrets.token_urlsafe(32)
    if form is None or not cookie or not hmac.compare_digest(str(form.get("csrf", "")), cookie):
        return _login_page(request, fresh, status=403, meldung="Das Anmeldeformular ist abgelaufen. Bitte erneut "
                                                                "anmelden.")
    name = str(form.get("benutzer", "")).strip()[:200]
    passwort = str(form.get("passwort", ""))[:2048]
    weiter = safe_target(form.get("weiter"))
    adresse = str(request.scope.get(ADDRESS_KEY, ""))
    try:
        konto = await run_in_threadpool(konten.anmelden, name, passwort, adresse)
    except Gedrosselt as exc:
        minutes = math.ceil(exc.sekunden / 60)
        wait = f"{minutes} Minute{'n' if minutes != 1 else ''}"
        response = _login_page(request, fresh, status=429, weiter=weiter,
                               meldung=f"Zu viele fehlgeschlagene Anmeldungen. Bitte in {wait} erneut versuchen.")
        response.headers["retry-after"] = str(exc.sekunden)
        return response
    if konto is None:
        known = await run_in_threadpool(konten.konto, name) if name else None
        # the name only when it is an account: a password typed into the name field never lands in the log
        await run_in_threadpool(konten.protokolliere, known.name if known else None, "Anmeldung fehlgeschlagen",
                                "Anmeldeformular" if known else "Anmeldeformular (unbekannter Benutzername)")
        return _login_page(request, fresh, status=401, meldung=FALSCH, weiter=weiter)
    old = request.cookies.get(source.config.session_cookie)
    if old:
        await run_in_threadpool(konten.sitzung_beenden, old)  # never continue a session from before the login
    sid, _ = await run_in_threadpool(konten.sitzung_anlegen, konto)
    await run_in_threadpool(konten.protokolliere, konto.name, "angemeldet", "Anmeldeformular")
    response = RedirectResponse(weiter, status_code=303)
    response.headers.append("set-cookie", _cookie(source.config.session_cookie, sid, path="/",
                                                  secure=source.config.https))
    response.headers.append("set-cookie", _cookie(LOGIN_COOKIE, "", path="/anmelden", secure=source.config.https,
                                                  max_age=0))
    return response


async def logout(request: Request) -> Response:
    """POST /abmelden (with the form's CSRF token): end the session."""
    from kimrecon.web.app import _form

    await _form(request, check_csrf=True)
    source = _source(request)
    konten = await run_in_threadpool(source.active)
    session = request.scope.get(SESSION_KEY)
    user = benutzer(request)
    if konten is not None and session is not None:
        await run_in_threadpool(konten.sitzung_beenden, session[0])
        await run_in_threadpool(konten.protokolliere, user.name if user else None, "abgemeldet", "Sitzung")
    response = RedirectResponse("/anmelden", status_code=303)
    response.headers.append("set-cookie", _cookie(source.config.session_cookie, "", path="/",
                                                  secure=source.config.https, max_age=0))
    return response


def _may_read_log(request: Request) -> None:
    user = benutzer(request)
    if user is not None and user.rolle not in (Rolle.KREIS, Rolle.PRUEFER):
        raise HTTPException(404)  # no existence leak for towns


def _same_organisation(request: Request, konten: Konten, user: Benutzer) -> Callable[[Eintrag], bool]:
    """Which audit-log entries a Kreis-bound user may read: none of another Kreis's cases, staff or towns.

    Hidden are entries of a case the user does not see, and entries by or about an account of another
    organisation: a kreis or pruefer account of another Kreis, a town that is a node only of other Kreise's
    cases. Accounts without a Stelle (server-wide) and towns of no case yet stay visible.
    """
    from kimrecon.names import normalize_name
    from kimrecon.web import access

    web = request.app.state.web
    foreign_cases: set[str] = set()
    mine: list[access.Baum] = []
    others: list[access.Baum] = []
    for case in web.store.cases():
        tree = access.baum(web.store.inputs(case))
        if access.sicht(user, tree, case.kreis) is None:
            foreign_cases.add(case.id)
            others.append(tree)
        else:
            mine.append(tree)

    def node_of(trees: list[access.Baum], stelle: str) -> bool:
        return any(t.key(stelle) in t.knoten() for t in trees)

    own = normalize_name(user.stelle or "")
    foreign = {k.name for k in konten.liste() if k.stelle is not None and (
        (k.rolle is Rolle.KOMMUNE and node_of(others, k.stelle) and not node_of(mine, k.stelle))
        or (k.rolle is not Rolle.KOMMUNE and normalize_name(k.stelle) != own))}

    def zeige(e: Eintrag) -> bool:
        if e.fall in foreign_cases or e.benutzer in foreign:
            return False
        # the command line's entries name the account they are about ("Benutzerkonto NAME", "NAME (rolle)")
        return e.benutzer is not None or not any(
            e.gegenstand == f"Benutzerkonto {n}" or e.gegenstand.startswith(f"{n} (") for n in foreign)

    return zeige


def _log_page(request: Request) -> tuple[Any, int, int, int]:
    try:
        seite = max(1, int(request.query_params.get("seite", "1")))
    except ValueError:
        seite = 1
    konten = _source(request).active()
    user = benutzer(request)
    zeige = _same_organisation(request, konten, user) if konten is not None and user and user.stelle else None
    eintraege, total = konten.protokoll(seite, PER_PAGE, zeige) if konten is not None else ([], 0)
    seiten = max(1, math.ceil(total / PER_PAGE))
    return eintraege, total, min(seite, seiten), seiten


async def log_page(request: Request) -> Response:
    """GET /protokoll?seite=N: the audit log, newest first (Kreis and Prüfer)."""
    _may_read_log(request)
    eintraege, total, seite, seiten = await run_in_threadpool(_log_page, request)
    return request.app.state.web.page(request, "protokoll.html", eintraege=eintraege, anzahl=total, seite=seite,
                                      seiten=seiten)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def api_log(request: Request) -> Response:
    """GET /api/protokoll?seite=N: the audit log as JSON (Kreis and Prüfer)."""
    _may_read_log(request)
    eintraege, total, seite, seiten = await run_in_threadpool(_log_page, request)
    body = {"seite": seite, "seiten": seiten, "anzahl": total, "eintraege": [
        {"zeitpunkt": _iso(e.zeitpunkt), "benutzer": e.benutzer, "aktion": e.aktion, "gegenstand": e.gegenstand,
         "fall": e.fall} for e in eintraege]}
    return Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n", media_type="application/json")


def routes() -> list[Route]:
    """The sign-in and audit-log routes for ``create_app``."""
    return [
        Route("/anmelden", login_form),
        Route("/anmelden", login, methods=["POST"]),
        Route("/abmelden", logout, methods=["POST"]),
        Route("/protokoll", log_page),
        Route("/api/protokoll", api_log),
    ]

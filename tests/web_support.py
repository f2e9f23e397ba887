"""Helpers for the web tests: a real uvicorn server in a thread on loopback, and a small HTTP client.

The server binds 127.0.0.1 on a free port and stops by itself when the ``with`` block ends. The
client speaks plain ``http.client`` so that tests can send any Host, Origin or header they like.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--lang=de-DE",
]
AXE = Path(__file__).with_name("axe.min.js")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(daten: Path, *, db: str | None = None, beispiel: bool = False, **options: Any) -> Iterator[str]:
    """Run the web application on 127.0.0.1 in a thread; yield its base URL; stop it afterwards.

    ``options`` go to ``create_app`` (``auth=AuthConfig(...)``, ``hostnames=[...]``).
    """
    import uvicorn

    from kimrecon.web.server import create_app

    app = create_app(daten=daten, db=db, beispiel=beispiel, **options)
    port = free_port()
    # as `kimrecon serve`: uvicorn does not rewrite the client from X-Forwarded-For (the app decides whom to trust)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # at most 10 s
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "web server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str] = dataclasses.field(default_factory=list)  # every Set-Cookie header

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def multipart(fields: dict[str, str], files: Sequence[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """Encode form fields and (field, file name, content) triples as multipart/form-data."""
    boundary = "----kimrecon" + secrets.token_hex(8)
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for field, filename, content in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def call(
    base: str,
    method: str,
    path: str,
    *,
    fields: dict[str, str] | None = None,
    files: Sequence[tuple[str, str, bytes]] = (),
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    api: bool = True,
) -> Reply:
    """One HTTP request; API writes carry ``X-Kimrecon-API: 1`` unless ``api`` is False."""
    host_port = base.split("://", 1)[1]
    conn = http.client.HTTPConnection(host_port, timeout=60)
    send_headers = {"Host": host_port}
    body: bytes | None = None
    if json_body is not None:
        body = json.dumps(json_body).encode()
        send_headers["Content-Type"] = "application/json"
    elif fields is not None or files:
        body, ctype = multipart(fields or {}, files)
        send_headers["Content-Type"] = ctype
    if method != "GET":
        send_headers["Content-Length"] = str(len(body or b""))
        if api:
            send_headers["X-Kimrecon-API"] = "1"
    send_headers.update(headers or {})
    try:
        conn.request(method, path, body=body, headers=send_headers)
        resp = conn.getresponse()
        headers = resp.getheaders()
        return Reply(resp.status, {k.lower(): v for k, v in headers}, resp.read(),
                     [v for k, v in headers if k.lower() == "set-cookie"])
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------------
# accounts and signing in


def make_account(daten: Path, name: str, rolle: str, stelle: str | None, passwort: str, db: str | None = None) -> str:
    """Create an account as `kimrecon benutzer anlegen` does and return its new API token (`benutzer token`)."""
    from kimrecon.accounts import Konten

    with Konten.open(daten, db) as konten:
        konten.anlegen(name, rolle, stelle, passwort)
        return konten.token_erzeugen(name)


def bearer(token: str) -> dict[str, str]:
    """The header of an API call with a personal token."""
    return {"Authorization": f"Bearer {token}"}


def cookie_value(reply: Reply, name: str) -> str | None:
    """The value a reply sets for cookie ``name`` (None when it sets none)."""
    for c in reply.cookies:
        key, _, rest = c.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return None


@dataclass
class Sitzung:
    """A signed-in http.client session: send ``headers`` with every call, ``csrf`` in every form."""

    cookie: str  # "kimrecon_sitzung=…"
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie}


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def login_reply(base: str, name: str, passwort: str, *, weiter: str | None = None,
                cookie: str | None = None) -> Reply:
    """Fill in and send the form at /anmelden (with its pre-session token); the reply of the POST."""
    form = call(base, "GET", "/anmelden")
    assert form.status == 200, form.status
    token = CSRF_FIELD.search(form.text).group(1)  # type: ignore[union-attr]
    pre = f"kimrecon_anmeldung={cookie_value(form, 'kimrecon_anmeldung')}"
    fields = {"benutzer": name, "passwort": passwort, "csrf": token}
    if weiter is not None:
        fields["weiter"] = weiter
    return call(base, "POST", "/anmelden", fields=fields, api=False,
                headers={"Cookie": pre + (f"; {cookie}" if cookie else "")})


def login(base: str, name: str, passwort: str, *, cookie_name: str = "kimrecon_sitzung") -> Sitzung:
    """Sign in through the form like a browser; the session cookie and its CSRF token."""
    reply = login_reply(base, name, passwort)
    assert reply.status == 303, (reply.status, reply.text[:300])
    cookie = f"{cookie_name}={cookie_value(reply, cookie_name)}"
    page = call(base, "GET", "/", headers={"Cookie": cookie})
    assert page.status == 200, page.status
    return Sitzung(cookie, CSRF_FIELD.search(page.text).group(1))  # type: ignore[union-attr]


def login_browser(page: Any, base: str, name: str, passwort: str) -> None:
    """Sign in with the form in a Playwright page and wait until the form is left."""
    page.goto(base + "/anmelden")
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(passwort)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda url: "/anmelden" not in url)


def example_files() -> list[tuple[str, str, bytes]]:
    """The bundled example's workbooks as upload triples for the field ``dateien``."""
    from kimrecon.resources import example_case

    return [("dateien", p.name, p.read_bytes()) for p in sorted(example_case().glob("*.xlsx"))]


# --------------------------------------------------------------------------------------------------
# the clerk's walk in a real browser (browser tests and tools/web_screenshots.py)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def broken_payments(folder: Path, text: str = "zwölf") -> Path:
    """The example's Bergkamen payments with ``text`` in the first Betrag cell (D5), under the same name."""
    import openpyxl

    from kimrecon.resources import example_case

    wb = openpyxl.load_workbook(example_case() / "Zahlungen_Bergkamen_2023.xlsx")
    wb["Zahlungen"]["D5"] = text  # header in row 4, Betrag is column D: the first payment's amount
    target = folder / "Zahlungen_Bergkamen_2023.xlsx"
    wb.save(target)
    return target


def kanten_cell(page: Any, geber: str, empfaenger: str, column: str) -> str:
    """The text of one column of the page's edge table in the row geber → empfaenger."""
    return str(page.evaluate(
        """([geber, empf, col]) => {
            const t = document.querySelector("table.kanten");
            const heads = [...t.querySelectorAll("thead th")].map(th => th.textContent.trim());
            const i = heads.indexOf(col);
            for (const tr of t.querySelectorAll("tbody tr")) {
                const cells = [...tr.children].map(c => c.textContent.trim());
                if (cells[0] === geber && cells[1] === empf) return cells[i];
            }
            return null;
        }""",
        [geber, empfaenger, column],
    ))


def clerk_walk(page: Any, base: str, work: Path, visit: Any) -> dict[str, Any]:
    """Walk the pages as a clerk; call ``visit(name)`` on every page; return what was read on the way."""
    from playwright.sync_api import expect

    from kimrecon.resources import example_case

    seen: dict[str, Any] = {}
    expect.set_options(timeout=30_000)  # a shared 2-core machine under load: uploads and runs may take seconds
    page.set_default_timeout(30_000)
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Fälle", exact=True)).to_be_visible()
    visit("start")

    page.get_by_label("Name des Falls").fill("Kreis Unna 2023")
    page.set_input_files("#dateien-neu", [str(p) for p in sorted(example_case().glob("*.xlsx"))])
    page.get_by_role("button", name="Fall anlegen und prüfen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kreis Unna 2023")
    expect(page.locator("#befund-zaehler")).to_contain_text("0 Fehler")
    seen["zaehler"] = page.locator("#befund-zaehler").inner_text()
    seen["fall_url"] = page.url
    visit("fall")

    page.get_by_label("Abrechnungsmonat (JJJJ-MM)").fill("2023-12")
    page.get_by_role("button", name="Abgleich ausführen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abgleich Dezember 2023")
    seen["saldo_kamen"] = kanten_cell(page, "Stadt Bergkamen", "Stadt Kamen", "Saldo")
    page.locator("details.empfaenger summary", has_text="Stadt Kamen 2023").click()
    visit("ergebnis")

    with page.expect_download() as info:
        page.get_by_role("link", name="Abgleich_Kreis_Unna_2023-12.xlsx").click()
    seen["abgleich"] = work / "Abgleich_Kreis_Unna_2023-12.xlsx"
    info.value.save_as(seen["abgleich"])

    page.get_by_role("link", name="Verlauf", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verlauf der Läufe")
    seen["laeufe"] = page.locator("table tbody tr").count()
    visit("verlauf")
    page.locator("table tbody tr th a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lauf ")
    visit("lauf")

    page.get_by_role("link", name="Fristen", exact=True).click()
    page.get_by_label("Stichtag").fill("2024-03-15")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachweisfristen am 15.03.2024")
    seen["fristen"] = page.locator("table tbody tr").count()
    visit("fristen")

    page.goto(seen["fall_url"])
    macro = work / "Makro.xlsm"
    macro.write_bytes((example_case() / "Bescheid_KIM_2023.xlsx").read_bytes())
    page.set_input_files("#dateien-hinzu", [str(macro)])
    page.get_by_role("button", name="Hochladen und prüfen").click()
    expect(page.get_by_role("alert")).to_have_text("Die Datei wurde nicht angenommen.")
    seen["abgelehnt"] = page.locator("section.befunde-fehler li").first.inner_text()
    visit("abgelehnt")

    page.goto(seen["fall_url"])
    page.set_input_files("#dateien-hinzu", [str(broken_payments(work))])
    page.get_by_role("button", name="Hochladen und prüfen").click()
    expect(page.locator("#befund-zaehler")).to_contain_text("1 Fehler")
    seen["fehler"] = page.locator("section.befunde-fehler li").first.inner_text()
    visit("befunde")
    return seen

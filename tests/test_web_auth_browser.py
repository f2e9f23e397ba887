"""Signing in and out in real Chromium, with axe-core on the login form and the audit log.

Skips with a reason when Debian's chromium or Playwright is missing (CI installs both).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from web_support import CHROMIUM, launch_chromium, login_browser, make_account, running_server

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

PW = "Kreis-Passwort-2024!"


def test_sign_in_and_out_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import expect
    from test_web_browser import _axe

    daten = tmp_path / "daten"
    make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", PW)
    violations: dict[str, list[dict]] = {}
    with running_server(daten) as base, sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(locale="de-DE")
            page.set_default_timeout(30_000)
            page.goto(base + "/protokoll")  # a protected page leads to the form and back after the login
            expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
            violations["anmelden"] = _axe(page)
            page.get_by_label("Benutzername").fill("Kreis Unna")
            page.get_by_label("Passwort").fill("falsches-Passwort")
            page.get_by_role("button", name="Anmelden").click()
            expect(page.get_by_role("alert")).to_have_text("Benutzername oder Passwort ist falsch.")
            expect(page.get_by_label("Passwort")).to_have_value("")  # nothing typed comes back

            page.get_by_label("Benutzername").fill("Kreis Unna")
            page.get_by_label("Passwort").fill(PW)
            page.get_by_role("button", name="Anmelden").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")
            assert page.url == base + "/protokoll"
            expect(page.locator(".angemeldet")).to_contain_text("Angemeldet: Kreis Unna (Kreis, Kreis Unna)")
            first_row = page.locator("table tbody tr").first
            expect(first_row).to_contain_text("Kreis Unna")
            expect(first_row).to_contain_text("angemeldet")
            violations["protokoll"] = _axe(page)
            cookie = next(c for c in page.context.cookies() if c["name"] == "kimrecon_sitzung")
            assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")

            page.get_by_role("button", name="Abmelden").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
            assert [c for c in page.context.cookies() if c["name"] == "kimrecon_sitzung"] == []
            page.goto(base + "/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")

            login_browser(page, base, "Kreis Unna", PW)  # the helper the role tests use
            expect(page.get_by_role("heading", level=1)).to_have_text("Fälle")
        finally:
            browser.close()
    assert violations == {"anmelden": [], "protokoll": []}

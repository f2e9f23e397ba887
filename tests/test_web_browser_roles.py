"""Three real accounts in Chromium: Stadt Kamen reports its list, the Kreis Unna runs the month, the
Rechnungsprüfungsamt marks a Verwendungsnachweis geprüft; axe-core checks every page on the way.

Skips with a reason when Debian's chromium (/usr/bin/chromium) or Playwright is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from roles_support import PASSWORT, kamen_list
from test_web_browser import _axe
from web_support import CHROMIUM, kanten_cell, launch_chromium, login_browser, make_account, running_server

from kimrecon.write.nachweis import nachweis_filename

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

FALL = "beispiel-kreis-unna-2023"
KAMEN_EDGE = "2023--stadt-bergkamen--stadt-kamen"


def test_kamen_reports_the_kreis_runs_the_auditor_checks(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    daten = tmp_path / "daten"
    make_account(daten, "kreis.unna", "kreis", "Kreis Unna", PASSWORT)
    make_account(daten, "kamen", "kommune", "Stadt Kamen", PASSWORT)
    make_account(daten, "rpa.unna", "pruefer", "Kreis Unna", PASSWORT)
    liste = tmp_path / "Besetzung Kamen Dezember 2023.xlsx"
    liste.write_bytes(kamen_list())  # Stand 15.01.2024; KA-P02 from 01.02.2023 instead of 01.03.2023
    violations: dict[str, list[dict]] = {}
    seen: dict[str, object] = {}
    expect.set_options(timeout=30_000)
    with running_server(daten, beispiel=True) as base, sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            def signed_in(name: str):
                page = browser.new_context(accept_downloads=True, locale="de-DE").new_page()
                page.set_default_timeout(30_000)
                login_browser(page, base, name, PASSWORT)
                return page

            def visit(page, name: str) -> None:
                found = _axe(page)
                if found:
                    violations[name] = found

            # Stadt Kamen uploads its December list, sees it checked, and submits it
            kamen = signed_in("kamen")
            kamen.get_by_role("link", name="Beispiel: Kreis Unna 2023").click()
            expect(kamen.get_by_role("heading", level=1)).to_have_text("Beispiel: Kreis Unna 2023")
            seen["kamen_fall"] = kamen.content()
            visit(kamen, "kamen-fall")
            kamen.get_by_role("link", name="Monatliche Meldungen öffnen").click()
            expect(kamen.get_by_role("heading", level=1)).to_have_text("Monatliche Meldungen 2023")
            visit(kamen, "kamen-meldungen")
            kamen.get_by_label("Berichtsmonat (JJJJ-MM)").fill("2023-12")
            kamen.set_input_files("#dateien-meldung", [str(liste)])
            kamen.get_by_role("button", name="Hochladen und prüfen").click()
            expect(kamen.get_by_role("heading", level=1)).to_have_text("Meldung Stadt Kamen, Dezember 2023")
            expect(kamen.locator("#befund-zaehler")).to_contain_text("0 Fehler")
            visit(kamen, "kamen-entwurf")
            kamen.get_by_role("button", name="Liste einreichen").click()
            expect(kamen.locator("p.status-ok")).to_contain_text("Eingereicht am")
            visit(kamen, "kamen-eingereicht")

            # the Kreis sees it in the matrix and runs December
            kreis = signed_in("kreis.unna")
            kreis.goto(f"{base}/faelle/{FALL}/meldungen")
            expect(kreis.get_by_role("link", name="Stadt Kamen Dezember 2023: eingegangen")).to_be_visible()
            seen["kreis_kamen_november"] = kreis.locator("table.meldungen tr", has_text="Stadt Kamen").locator(
                "td").nth(10).inner_text()
            visit(kreis, "kreis-matrix")
            kreis.goto(f"{base}/faelle/{FALL}")
            kreis.get_by_label("Abrechnungsmonat (JJJJ-MM)").fill("2023-12")
            kreis.get_by_role("button", name="Abgleich ausführen").click()
            expect(kreis.get_by_role("heading", level=1)).to_have_text("Abgleich Dezember 2023")
            seen["kreis_saldo_kamen"] = kanten_cell(kreis, "Stadt Bergkamen", "Stadt Kamen", "Saldo")
            seen["kreis_kanten"] = kreis.locator("table.kanten tbody tr").count()

            # Kamen sees its own edge and its Verwendungsnachweis, nothing of Lünen or Bönen
            kamen.goto(f"{base}/faelle/{FALL}/abgleich/2023-12")
            expect(kamen.get_by_role("heading", level=1)).to_have_text("Abgleich Dezember 2023")
            seen["kamen_kanten"] = kamen.locator("table.kanten tbody tr").count()
            seen["kamen_ergebnis"] = kamen.content()
            visit(kamen, "kamen-ergebnis")
            kamen.get_by_role("link", name="Stadt Bergkamen → Stadt Kamen 2023").click()
            expect(kamen.get_by_role("heading", level=1)).to_have_text("Stadt Bergkamen → Stadt Kamen 2023")
            seen["kamen_saldo"] = kamen.locator("p.status").inner_text()
            visit(kamen, "kamen-weiterleitung")
            with kamen.expect_download() as info:
                kamen.get_by_role("link", name=nachweis_filename(2023, "Stadt Kamen")).click()
            seen["nachweis"] = info.value.suggested_filename
            guesses = ("2023--kreis-unna--stadt-luenen", "2023--stadt-bergkamen--gemeinde-boenen")
            seen["fremde_seiten"] = [kamen.goto(f"{base}/faelle/{FALL}/abgleich/2023-12/weiterleitung/{g}").status
                                     for g in guesses]
            seen["fremde_api"] = [
                kamen.request.get(f"{base}/api/faelle/{FALL}/abgleich/2023-12/weiterleitung/{g}").status
                for g in guesses]
            seen["fremde_datei"] = kamen.request.get(
                f"{base}/api/faelle/{FALL}/ausgaben/2023-12/{nachweis_filename(2023, 'Stadt Lünen')}").status

            # the auditor marks Kamen's Verwendungsnachweis geprüft and cannot upload or run
            rpa = signed_in("rpa.unna")
            rpa.goto(f"{base}/faelle/{FALL}/fristen?am=2024-03-15")
            expect(rpa.get_by_role("heading", level=1)).to_have_text("Nachweisfristen am 15.03.2024")
            visit(rpa, "pruefer-fristen")
            rpa.get_by_label("Weiterleitung", exact=True).select_option(label="Stadt Bergkamen → Stadt Kamen 2023")
            rpa.get_by_label("Datum", exact=True).fill("2024-03-10")
            rpa.get_by_role("button", name="Als geprüft markieren").click()
            expect(rpa.get_by_role("heading", level=1)).to_have_text("Nachweisfristen am 10.03.2024")
            seen["rpa_buttons"] = rpa.get_by_role("button", name="Als eingegangen markieren").count()
            rpa.goto(f"{base}/faelle/{FALL}")
            seen["rpa_fall"] = rpa.content()
            visit(rpa, "pruefer-fall")
            token = rpa.locator('input[name="csrf"]').first.get_attribute("value")
            seen["rpa_abgleich"] = rpa.request.post(f"{base}/faelle/{FALL}/abgleich",
                                                    form={"monat": "2023-12", "csrf": token}).status
            seen["rpa_meldung"] = rpa.request.post(
                f"{base}/faelle/{FALL}/meldungen", multipart={
                    "csrf": token, "monat": "2023-12",
                    "dateien": {"name": "x.xlsx", "mimeType": "application/octet-stream",
                                "buffer": liste.read_bytes()}},
            ).status

            kamen.goto(f"{base}/faelle/{FALL}/fristen?am=2024-03-15")
            seen["kamen_fristen"] = [r.inner_text() for r in kamen.locator("table tbody tr").all()]
            visit(kamen, "kamen-fristen")
        finally:
            browser.close()

    # Kamen's new list: KA-P02 from 01.02.2023, 11 months × 4.750,00 = 52.250,00 eligible;
    # paid 4 × 14.250,00 = 57.000,00; Saldo 57.000,00 − 52.250,00 = 4.750,00
    assert seen["kreis_saldo_kamen"] == "4.750,00 €"
    assert seen["kamen_saldo"] == "Saldo: 4.750,00 € (Rückforderung)"
    assert seen["kreis_kanten"] == 11 and seen["kamen_kanten"] == 1
    # November is covered by Kamen's submitted list (its Stand 15.01.2024 is after 30.11.2023)
    assert seen["kreis_kamen_november"] == "liegt vor\n15.01.2024"
    for page in ("kamen_fall", "kamen_ergebnis"):
        for other in ("Lünen", "Bönen", "Abgleich ausführen", "Hochladen und prüfen"):
            assert other not in str(seen[page]), (page, other)
    assert seen["nachweis"] == nachweis_filename(2023, "Stadt Kamen")
    assert seen["fremde_seiten"] == seen["fremde_api"] == [404, 404]
    assert seen["fremde_datei"] == 404
    assert seen["rpa_buttons"] == 0
    assert "Abgleich ausführen" not in str(seen["rpa_fall"]) and "Hochladen und prüfen" not in str(seen["rpa_fall"])
    assert seen["rpa_abgleich"] == seen["rpa_meldung"] == 403
    assert len(seen["kamen_fristen"]) == 1
    assert "geprüft" in seen["kamen_fristen"][0] and "10.03.2024" in seen["kamen_fristen"][0]
    assert violations == {}

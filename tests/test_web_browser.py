"""The web application in real Chromium: a clerk's walk, and axe-core on every page.

Skips with a reason when Debian's chromium (/usr/bin/chromium) or Playwright is missing; CI
installs chromium (.ci/run), so these run there.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from web_support import AXE, CHROMIUM, clerk_walk, launch_chromium, running_server

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe(page) -> list[dict]:
    """Serious and critical axe-core violations of the current page (axe is injected via the debugger, not a tag)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return {passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))}; }",
        AXE_TAGS,
    )
    assert result["passes"] > 10, "axe-core did not check the page"
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_clerk_walks_through_the_pages_in_chromium(tmp_path: Path) -> None:
    import openpyxl

    violations: dict[str, list[dict]] = {}
    csp_errors: list[str] = []
    dialogs: list[str] = []
    visited: list[str] = []
    with running_server(tmp_path / "daten") as base, sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(accept_downloads=True, locale="de-DE")
            page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            def visit(name: str) -> None:
                visited.append(name)
                found = _axe(page)
                if found:
                    violations[name] = found

            seen = clerk_walk(page, base, tmp_path, visit)
        finally:
            browser.close()

    assert "0 Fehler" in seen["zaehler"]
    # Bergkamen → Kamen: paid 4 × 14.250,00 € = 57.000,00 €; eligible 10 staffed months × 4.750,00 €
    # (57.000 € / 12) = 47.500,00 €; Saldo 57.000,00 − 47.500,00 = 9.500,00 € (Rückforderung)
    assert seen["saldo_kamen"] == "9.500,00 €"
    wb = openpyxl.load_workbook(seen["abgleich"], data_only=True)
    rows = list(wb["Kanten"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if "Saldo" in r)
    col = rows[head].index("Saldo")
    kamen = [r for r in rows[head + 1 :] if r[0] == "Stadt Bergkamen" and r[1] == "Stadt Kamen"]
    assert len(kamen) == 1
    assert Decimal(str(kamen[0][col])) == Decimal("9500.00")
    assert seen["laeufe"] == 1  # one run of 2023-12
    # deadlines on 15.03.2024: every one of the 11 edges of 2023 has its Nachweisfrist (README table)
    assert seen["fristen"] == 11
    assert "Zahlungen_Bergkamen_2023.xlsx › Zahlungen › D5" in seen["fehler"]
    assert "zwölf" in seen["fehler"]
    assert visited == ["start", "fall", "ergebnis", "verlauf", "lauf", "fristen", "abgelehnt", "befunde"]
    assert "Makro.xlsm" in seen["abgelehnt"]
    assert "Makros" in seen["abgelehnt"]
    assert violations == {}
    assert csp_errors == []
    assert dialogs == []


def test_the_same_walk_works_without_javascript(tmp_path: Path) -> None:
    with running_server(tmp_path / "daten") as base, sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_context(java_script_enabled=False, accept_downloads=True).new_page()
            seen = clerk_walk(page, base, tmp_path, lambda name: None)
        finally:
            browser.close()
    assert "0 Fehler" in seen["zaehler"]
    assert seen["saldo_kamen"] == "9.500,00 €"  # as above: 57.000,00 − 47.500,00
    assert seen["abgleich"].stat().st_size > 0
    assert "Makros" in seen["abgelehnt"]
    assert "Zahlungen_Bergkamen_2023.xlsx › Zahlungen › D5" in seen["fehler"]

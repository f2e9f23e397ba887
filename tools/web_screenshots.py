"""Regenerate the screenshots in docs/web/ by walking the web application in Chromium like the browser test.

    .venv/bin/python tools/web_screenshots.py

Needs Debian's chromium (/usr/bin/chromium) and the Python package playwright (test extras).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from web_support import clerk_walk, launch_chromium, running_server  # noqa: E402

OUT = ROOT / "docs" / "web"
SHOTS = ("start", "fall", "verlauf", "fristen", "befunde")


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "daten") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(accept_downloads=True, locale="de-DE", viewport={"width": 1280, "height": 900})

            def shot(name: str, full_page: bool = True) -> None:
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
                print(f"geschrieben: {OUT / (name + '.png')}")

            def visit(name: str) -> None:
                if name == "ergebnis":  # long page: its top, then the opened month matrix of Kamen
                    page.evaluate("window.scrollTo(0, 0)")
                    shot("ergebnis", full_page=False)
                    page.locator("details[open]").scroll_into_view_if_needed()
                    shot("monate", full_page=False)
                elif name in SHOTS:
                    shot(name)

            clerk_walk(page, base, Path(tmp), visit)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

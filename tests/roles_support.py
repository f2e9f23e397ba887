"""Accounts of the bundled example "Kreis Unna 2023" for the role tests, and their new monthly lists.

Who is who (workbooks/beispiel-kreis-unna-2023/README.md): the Bezirksregierung Arnsberg grants to
the Kreis Unna; the Kreis forwards to ten towns, among them Lünen and the hub Bergkamen, which
forwards to Kamen and Bönen.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from web_support import call, running_server

from kimrecon.web.identity import SCOPE_KEY, Benutzer, Rolle

ACCOUNTS: dict[str, Benutzer] = {
    "kreis": Benutzer("kreis.unna", Rolle.KREIS, "Kreis Unna"),
    "kamen": Benutzer("kamen", Rolle.KOMMUNE, "Stadt Kamen"),
    "luenen": Benutzer("luenen", Rolle.KOMMUNE, "Stadt Lünen"),
    "bergkamen": Benutzer("bergkamen", Rolle.KOMMUNE, "Stadt Bergkamen"),
    "pruefer": Benutzer("rpa.unna", Rolle.PRUEFER, "Kreis Unna"),
    "soest": Benutzer("kreis.soest", Rolle.KREIS, "Kreis Soest"),
    "dortmund": Benutzer("dortmund", Rolle.KOMMUNE, "Stadt Dortmund"),
}
TEST_HEADER = "X-Test-Benutzer"


class AsUser:
    """Test-only ASGI wrapper: the account named in the request's test header becomes the scope's user.

    It stands in for the sign-in layer (which sets the same scope key after a real login).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            who = dict(scope["headers"]).get(TEST_HEADER.lower().encode())
            if who:
                scope[SCOPE_KEY] = ACCOUNTS[who.decode()]
        await self.app(scope, receive, send)


@contextlib.contextmanager
def server_as_users(daten: Path, log: list[tuple[Any, ...]]) -> Iterator[str]:
    """The web server with the bundled example, users chosen per request; audit entries go to ``log``."""
    import pytest

    from kimrecon.web import server
    from kimrecon.web.app import create_app as real

    def wrapped(**kwargs: Any) -> Any:
        guard = real(**kwargs)
        inner = getattr(guard, "app", guard)
        inner.state.protokoll = lambda user, aktion, gegenstand, fall: log.append(
            (user.name if user else None, aktion, gegenstand, fall))
        return AsUser(guard)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server, "create_app", wrapped)
        with running_server(daten, beispiel=True) as base:
            yield base


def as_user(base: str, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
    """One request as the account ``who`` (None: no account)."""
    headers = dict(kwargs.pop("headers", {}) or {})
    if who:
        headers[TEST_HEADER] = who
    return call(base, method, path, headers=headers, **kwargs)


def page_token(base: str, who: str | None, path: str) -> str:
    """The form token of a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', as_user(base, who, "GET", path).text)
    assert found is not None
    return found.group(1)


def new_list(name: str, stand: str, cells: dict[str, Any] | None = None, extra: list[Any] | None = None) -> bytes:
    """A staffing list of the example with a new Stand (A2), changed cells and extra rows."""
    import openpyxl

    from kimrecon.resources import example_case

    wb = openpyxl.load_workbook(example_case() / name)
    ws = wb["Besetzung"]
    ws["A2"] = f"Stand: {stand}"
    for cell, value in (cells or {}).items():
        ws[cell] = value
    if extra:
        ws.append(extra)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def kamen_list(stand: str = "15.01.2024", beginn: datetime = datetime(2023, 2, 1), extra: list[Any] | None = None
               ) -> bytes:
    """Kamen's staffing list of the example with a new Stand, KA-P02 starting on ``beginn``, and extra rows."""
    return new_list("Besetzung_Kamen_2023.xlsx", stand, {"E6": beginn}, extra)  # row 6: KA-P02, E: Beginn

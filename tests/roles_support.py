"""Real accounts on the bundled example "Kreis Unna 2023" for the role tests, and the towns' new lists.

Who is who (workbooks/beispiel-kreis-unna-2023/README.md): the Bezirksregierung Arnsberg grants to
the Kreis Unna; the Kreis forwards to ten towns, among them Lünen and the hub Bergkamen, which
forwards to Kamen and Bönen.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from web_support import Sitzung, bearer, call, login, make_account, running_server

PASSWORT = "Gemeinsames-Test-Passwort-2024"
# who: (user name, role, organisation as the sheets name it)
ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "kreis": ("kreis.unna", "kreis", "Kreis Unna"),
    "kamen": ("kamen", "kommune", "Stadt Kamen"),
    "luenen": ("luenen", "kommune", "Stadt Lünen"),
    "bergkamen": ("bergkamen", "kommune", "Stadt Bergkamen"),
    "pruefer": ("rpa.unna", "pruefer", "Kreis Unna"),
    "soest": ("kreis.soest", "kreis", "Kreis Soest"),
    "dortmund": ("dortmund", "kommune", "Stadt Dortmund"),
}
_TOKENS: dict[str, dict[str, str]] = {}  # server URL → who → personal API token


@contextlib.contextmanager
def server_with_accounts(daten: Path, *, accounts: bool = True) -> Iterator[str]:
    """The web server with the bundled example and (unless ``accounts`` is False) the accounts above."""
    tokens = {who: make_account(daten, *acc, PASSWORT) for who, acc in ACCOUNTS.items()} if accounts else {}
    with running_server(daten, beispiel=True) as base:
        _TOKENS[base] = tokens
        try:
            yield base
        finally:
            del _TOKENS[base]


def audit(daten: Path) -> list[tuple[str | None, str, str, str | None]]:
    """The audit log of the server's data folder, oldest first: (user, action, object, case)."""
    from kimrecon.accounts import Konten

    with Konten.open(daten, None) as konten:
        entries, _ = konten.protokoll(1, 10_000)
    return [(e.benutzer, e.aktion, e.gegenstand, e.fall) for e in reversed(entries)]


def as_user(base: str, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
    """One request as the account ``who`` with its personal token (None: no account)."""
    headers = dict(kwargs.pop("headers", {}) or {})
    if who:
        headers.update(bearer(_TOKENS[base][who]))
    return call(base, method, path, headers=headers, **kwargs)


def session(base: str, who: str) -> Sitzung:
    """Sign ``who`` in through the form (for page forms with their per-session token)."""
    return login(base, ACCOUNTS[who][0], PASSWORT)


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

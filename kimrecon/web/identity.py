"""Who is asking: the signed-in user of a request and the audit-log entry point.

This module is the contract between the sign-in layer (accounts, sessions, tokens, proxy header)
and the routes that check roles per object. The sign-in layer puts a :class:`Benutzer` into the
request scope under :data:`SCOPE_KEY` and installs the audit-log writer as ``app.state.protokoll``;
the routes read the user with :func:`benutzer` and record what they did with :func:`protokolliere`.

Without any account the server runs for one person on loopback: :func:`benutzer` returns None and
every object is visible, as before accounts existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SCOPE_KEY = "kimrecon.benutzer"


class Rolle(StrEnum):
    """The role of an account; the value is the word used on the command line."""

    KREIS = "kreis"  # the whole tree of its Kreis (its Bescheid(e))
    KOMMUNE = "kommune"  # its own edges, its subtree if it is a hub, its uploads and Nachweise
    PRUEFER = "pruefer"  # reads everything of its Kreis, may mark a Nachweis "geprüft", changes nothing else


@dataclass(frozen=True, slots=True)
class Benutzer:
    """A signed-in account.

    ``stelle`` is the organisation as it is named in the sheets ("Kreis Unna", "Stadt Kamen").
    For ``kommune`` it is required; for ``kreis`` and ``pruefer`` None means every Kreis on this server.
    """

    name: str
    rolle: Rolle
    stelle: str | None


# the audit-log writer installed by the sign-in layer: (user, aktion, gegenstand, fall) -> None
Protokoll = Callable[[Benutzer | None, str, str, str | None], None]


def benutzer(request: Any) -> Benutzer | None:
    """The signed-in user of a request, or None when the server has no accounts."""
    return request.scope.get(SCOPE_KEY)  # type: ignore[no-any-return]


def protokolliere(request: Any, aktion: str, gegenstand: str, *, fall: str | None = None) -> None:
    """Append one entry to the audit log (who: the signed-in user); nothing happens without accounts.

    ``aktion`` is a German past participle as shown in the log ("hochgeladen", "eingereicht",
    "abgeglichen", "heruntergeladen", "als geprüft markiert"); ``gegenstand`` names the object
    (a file name, a month, a Weiterleitung "Kreis Unna → Stadt Kamen"), never personal data.
    """
    writer: Protokoll | None = getattr(request.app.state, "protokoll", None)
    if writer is not None:
        writer(benutzer(request), aktion, gegenstand, fall)

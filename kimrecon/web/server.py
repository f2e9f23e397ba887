"""`kimrecon serve`: the web application in one process (uvicorn).

Until accounts exist the server refuses any address but loopback; once ``kimrecon benutzer
anlegen`` created one, every request needs a signed-in user (``auth.SignIn``) and the server may
bind another address. The Host header is checked on every request (see ``app.Guard``): loopback
names, the ``--host`` name and every ``--hostname``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from kimrecon.web.app import create_app
from kimrecon.web.auth import AuthConfig

__all__ = ["create_app", "default_data_dir", "serve"]


def default_data_dir() -> Path:
    """The data folder in the user's data directory: ``$XDG_DATA_HOME/kimrecon`` or ``~/.local/share/kimrecon``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kimrecon"


def check_loopback(host: str) -> None:
    """Raise ValueError (German) unless ``host`` is a loopback address or ``localhost``."""
    if host.strip().lower() == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"Der Server darf ohne Benutzerkonten nur auf dem eigenen Rechner lauschen (127.0.0.1 oder localhost), "
            f"nicht auf „{host}“. Erst ein Konto anlegen: kimrecon benutzer anlegen NAME --rolle kreis."
        )


def has_accounts(daten: Path, db: str | None) -> bool:
    """Whether the server's accounts database holds at least one account (without creating the file)."""
    from kimrecon.accounts import ACCOUNTS_FILE, Konten

    if db is None and not (Path(daten) / ACCOUNTS_FILE).is_file():
        return False
    with Konten.open(daten, db) as konten:
        return konten.anzahl() > 0


def host_names(host: str, hostnames: Sequence[str]) -> list[str]:
    """The names the Host header may carry besides loopback: ``--host`` unless it is a wildcard, and ``--hostname``."""
    bare = host.strip().strip("[]").lower()
    names = [] if bare in ("0.0.0.0", "::", "") else [f"[{bare}]" if ":" in bare else bare]
    return [*names, *(h.strip().lower() for h in hostnames if h.strip())]


def serve(
    *, host: str = "127.0.0.1", port: int = 8000, daten: Path | None = None, db: str | None = None,
    beispiel: bool = False, hostnames: Sequence[str] = (), https: bool = False, proxies: Sequence[str] = (),
    sso_header: str | None = None, sitzung_minuten: int = 30,
) -> int:
    """Run the web application until stopped (Ctrl+C); return the exit code.

    ``hostnames``: names the Host header may carry; ``https``: behind a TLS proxy (Secure cookies);
    ``proxies``: trusted proxy addresses (X-Forwarded-For, ``sso_header``); ``sitzung_minuten``: idle timeout.
    """
    from datetime import timedelta

    import uvicorn

    from kimrecon.accounts import Policy

    auth = AuthConfig(https=https, proxies=tuple(proxies), sso_header=sso_header,
                      policy=Policy(idle=timedelta(minutes=sitzung_minuten)))

    daten = daten or default_data_dir()
    try:
        check_loopback(host)
    except ValueError:
        if not has_accounts(daten, db):
            raise
    app = create_app(daten=daten, db=db, beispiel=beispiel, auth=auth, hostnames=host_names(host, hostnames))
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False,
                            proxy_headers=False, access_log=False)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    print(f"kimrecon läuft unter http://{shown}:{port}/ (beenden mit Strg+C)")
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 2

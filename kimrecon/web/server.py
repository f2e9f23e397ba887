"""`kimrecon serve`: the web application in one process (uvicorn), bound to loopback only.

Until accounts exist the server refuses any address but loopback; the Host header is checked
on every request (see ``app.Guard``).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from kimrecon.web.app import create_app

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
            f"nicht auf „{host}“."
        )


def serve(
    *, host: str = "127.0.0.1", port: int = 8000, daten: Path | None = None, db: str | None = None,
    beispiel: bool = False,
) -> int:
    """Run the web application until stopped (Ctrl+C); return the exit code."""
    import uvicorn

    check_loopback(host)
    app = create_app(daten=daten or default_data_dir(), db=db, beispiel=beispiel)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False,
                            proxy_headers=False, access_log=False)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    print(f"kimrecon läuft unter http://{shown}:{port}/ (beenden mit Strg+C)")
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 2

"""The JSON API and the guard of the web application, against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from web_support import broken_payments, call, example_files, running_server

from kimrecon.resources import example_case

EPOCH = "1704067200"  # 2024-01-01 00:00:00 UTC: the same run id for CLI and server


def _german(reply) -> str:
    obj = reply.json()
    assert set(obj) >= {"fehler", "befunde"}
    assert "Traceback" not in reply.text
    return obj["fehler"]


def _left_over(daten: Path) -> list[str]:
    """Every file below the data folder except the ledger (what a refused upload must not leave behind)."""
    return sorted(str(p.relative_to(daten)) for p in daten.rglob("*") if p.is_file())


@pytest.fixture
def server(tmp_path: Path):
    with running_server(tmp_path / "daten") as base:
        yield base, tmp_path / "daten"


def test_example_through_the_api_gives_the_json_of_reconcile(tmp_path: Path, monkeypatch) -> None:
    from kimrecon.write.json_out import dumps

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    daten = tmp_path / "daten"
    with running_server(daten) as base:
        created = call(base, "POST", "/api/faelle", fields={"name": "Kreis Unna 2023"}, files=example_files())
        assert created.status == 201
        body = created.json()
        assert [b["schwere"] for b in body["befunde"]] == ["Hinweis", "Hinweis", "Hinweis"]
        assert len(body["dateien"]) == 16  # the example's 16 workbooks
        fall = body["fall"]
        # the stored case folder is an ordinary case folder: the CLI reads the very same files
        cli = subprocess.run(
            [sys.executable, "-m", "kimrecon.cli", "reconcile", str(daten / "faelle" / fall), "--month", "2023-12",
             "--json", "--ohne-laufbuch", "--out", str(tmp_path / "cli")],
            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, check=False,
        )
        assert cli.returncode == 1, cli.stderr  # differences (Saldo 9.500,00 € on three edges) → exit 1
        run = call(base, "POST", f"/api/faelle/{fall}/abgleich", json_body={"monat": "2023-12"})
        assert run.status == 200
        api = run.json()
        monkeypatch.delenv("SOURCE_DATE_EPOCH")  # a later run gets its own id
        form_run = call(base, "POST", f"/api/faelle/{fall}/abgleich", fields={"monat": "2023-12"})
        assert form_run.status == 200
        assert form_run.json()["wiederholung_von"] == api["lauf_id"]  # same inputs: a repeat
        files = api.pop("dateien")
        assert [f["name"] for f in files] == ["Abgleich_Kreis_Unna_2023-12.xlsx"]  # named after the Kreis
        download = call(base, "GET", files[0]["url"])
        assert download.status == 200
        assert download.body[:2] == b"PK"
        assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert api == json.loads(cli.stdout)
    assert dumps(api) + "\n" == cli.stdout  # byte for byte
    kamen = next(k for k in api["kanten"] if k["geber"] == "Stadt Bergkamen" and k["empfaenger"] == "Stadt Kamen")
    assert kamen["saldo"] == "9500.00"  # 57.000,00 paid − 47.500,00 eligible (10 staffed months × 4.750,00)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


BESCHEID = (example_case() / "Bescheid_KIM_2023.xlsx").read_bytes()
HOSTILE = {
    # 20 MB of zeros packs to about 20 KB: ratio ≈ 1000 > 100
    "zip bomb": ("Fall.zip", _zip({"Bescheid.xlsx": b"\0" * (20 << 20)}), 413),
    "zip slip": ("Fall.zip", _zip({"Bescheid.xlsx": BESCHEID, "../../boese.xlsx": BESCHEID}), 400),
    "absolute path in zip": ("Fall.zip", _zip({"/etc/boese.xlsx": BESCHEID}), 400),
    "empty file": ("Leer.xlsx", b"", 422),
    "macro workbook": ("Makro.xlsm", BESCHEID, 422),
    "name with a folder": ("../Bescheid.xlsx", BESCHEID, 400),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_uploads_are_refused_in_german_and_leave_nothing(server, case: str) -> None:
    base, daten = server
    name, content, status = HOSTILE[case]
    before = _left_over(daten)
    reply = call(base, "POST", "/api/faelle", fields={"name": "Angriff"}, files=[("dateien", name, content)])
    assert reply.status == status
    text = _german(reply)
    assert any(word in text for word in ("Datei", "Archiv", "Pfad")), text
    assert _left_over(daten) == before == []
    # the same upload into an existing case leaves the case as it was
    fall = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()[:1]).json()["fall"]
    before = _left_over(daten)
    again = call(base, "POST", f"/api/faelle/{fall}/dateien", files=[("dateien", name, content)])
    assert again.status == status
    _german(again)
    assert _left_over(daten) == before


def test_refused_files_carry_the_guards_findings(server) -> None:
    base, _ = server
    reply = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=[("dateien", "Makro.xlsm", BESCHEID)])
    assert reply.status == 422
    befunde = reply.json()["befunde"]
    assert [(b["datei"], b["code"]) for b in befunde] == [("Makro.xlsm", "datei_makro")]
    assert "Makros" in befunde[0]["meldung"]


def test_writes_without_csrf_token_or_api_header_are_refused(server) -> None:
    base, daten = server
    files = example_files()[:1]
    assert call(base, "POST", "/api/faelle", fields={"name": "x"}, files=files, api=False).status == 403
    assert call(base, "POST", "/faelle", fields={"name": "x"}, files=files, api=False).status == 403
    wrong = call(base, "POST", "/faelle", fields={"name": "x", "csrf": "falsch"}, files=files, api=False)
    assert wrong.status == 403
    assert "Formular" in wrong.text
    # a foreign page's form post carries its own Origin
    foreign = call(base, "POST", "/api/faelle", fields={"name": "x"}, files=files,
                   headers={"Origin": "http://boese.example"})
    assert foreign.status == 403
    assert _left_over(daten) == []


def test_page_form_with_token_creates_a_case(server) -> None:
    import re

    base, daten = server
    token = re.search(r'name="csrf" value="([^"]+)"', call(base, "GET", "/").text).group(1)
    reply = call(base, "POST", "/faelle", fields={"name": "Kreis Unna 2023", "csrf": token}, files=example_files(),
                 api=False)
    assert reply.status == 303
    assert reply.headers["location"].startswith("/faelle/kreis-unna-2023-")
    page = call(base, "GET", reply.headers["location"])
    assert page.status == 200
    assert "0 Fehler" in page.text


def test_foreign_host_header_is_refused(server) -> None:
    base, _ = server
    for method in ("GET", "POST"):
        reply = call(base, method, "/api/faelle", headers={"Host": "boese.example:8000"}, fields={"name": "x"})
        assert reply.status == 400
        assert "Host" in reply.json()["fehler"]
    assert call(base, "GET", "/", headers={"Host": "localhost:1"}).status == 200


def test_cell_text_with_markup_is_shown_escaped(server, tmp_path: Path) -> None:
    base, _ = server
    fall = call(base, "POST", "/api/faelle", fields={"name": "<b>Fall</b>"}, files=example_files()).json()["fall"]
    bad = broken_payments(tmp_path, "<script>alert(1)</script>")
    reply = call(base, "POST", f"/api/faelle/{fall}/dateien", files=[("dateien", bad.name, bad.read_bytes())])
    assert reply.status == 200
    errors = [b for b in reply.json()["befunde"] if b["schwere"] == "Fehler"]
    where = [(b["datei"], b["blatt"], b["zelle"]) for b in errors]
    assert where == [("Zahlungen_Bergkamen_2023.xlsx", "Zahlungen", "D5")]
    page = call(base, "GET", f"/faelle/{fall}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "&lt;b&gt;Fall&lt;/b&gt;" in page


def test_security_headers_and_strict_csp(server) -> None:
    base, _ = server
    reply = call(base, "GET", "/")
    csp = reply.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert reply.headers["x-frame-options"] == "DENY"
    assert "<script>" not in reply.text  # only <script src=…>
    assert call(base, "GET", "/static/htmx.min.js").status == 200


def test_unknown_ids_and_paths_are_404_in_german(server) -> None:
    base, _ = server
    fall = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()).json()["fall"]
    for path in (
        "/api/faelle/..%2F..%2Fetc",
        "/api/faelle/gibt-es-nicht/laeufe",
        f"/api/faelle/{fall}/ausgaben/2023-12/..%2F.fall.json",
        f"/api/faelle/{fall}/ausgaben/..%2F..%2Ffaelle/x.xlsx",
        f"/api/faelle/{fall}/ausgaben/2023-12/Abgleich_Fall_2023-12.xlsx",  # not run yet
    ):
        reply = call(base, "GET", path)
        assert reply.status == 404, path
        _german(reply)
    assert "gibt es nicht" in call(base, "GET", "/faelle/gibt-es-nicht").text


def test_bad_month_and_run_with_errors(server, tmp_path: Path) -> None:
    base, _ = server
    fall = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()).json()["fall"]
    bad_month = call(base, "POST", f"/api/faelle/{fall}/abgleich", json_body={"monat": "2023-13"})
    assert bad_month.status == 400
    assert "kein Monat" in _german(bad_month)
    bad = broken_payments(tmp_path)
    call(base, "POST", f"/api/faelle/{fall}/dateien", files=[("dateien", bad.name, bad.read_bytes())])
    run = call(base, "POST", f"/api/faelle/{fall}/abgleich", fields={"monat": "2023-12"})
    assert run.status == 422
    obj = run.json()
    assert obj["status"] == "fehler"
    assert "Fehler" in obj["fehler"]
    assert [d["name"] for d in obj["dateien"]] == [f"Fehlerbericht_{fall}_2023-12.xlsx"]
    assert call(base, "GET", obj["dateien"][0]["url"]).status == 200


def test_history_and_deadlines(server) -> None:
    base, _ = server
    fall = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()).json()["fall"]
    assert call(base, "GET", f"/api/faelle/{fall}/laeufe").json()["laeufe"] == []
    lauf = call(base, "POST", f"/api/faelle/{fall}/abgleich", fields={"monat": "2023-12"}).json()["lauf_id"]
    runs = call(base, "GET", f"/api/faelle/{fall}/laeufe").json()["laeufe"]
    assert [(r["lauf_id"], r["monat"], r["status"]) for r in runs] == [(lauf, "2023-12", "abweichungen")]
    assert call(base, "GET", f"/faelle/{fall}/laeufe/{lauf}").status == 200
    fristen = call(base, "GET", f"/api/faelle/{fall}/fristen?am=2024-03-15").json()
    assert fristen["am"] == "2024-03-15"
    assert len(fristen["fristen"]) == 11  # one Nachweisfrist per edge of 2023
    kamen = next(f for f in fristen["fristen"] if f["empfaenger"] == "Stadt Kamen")
    # Kommune → weiterleitende Kommune: 31.03. of the following year; 15.03. → 31.03.2024 is 16 days
    assert (kamen["frist"], kamen["tage_bis"]) == ("2024-03-31", 16)
    assert call(base, "GET", f"/api/faelle/{fall}/fristen?am=morgen").status == 400


def test_two_runs_of_one_case_at_once_are_both_recorded(server) -> None:
    base, _ = server
    fall = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()).json()["fall"]
    replies: list[int] = []

    def run() -> None:
        replies.append(call(base, "POST", f"/api/faelle/{fall}/abgleich", fields={"monat": "2023-12"}).status)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert replies == [200, 200]
    runs = call(base, "GET", f"/api/faelle/{fall}/laeufe").json()["laeufe"]
    assert len(runs) == 2
    assert sum(r["wiederholung_von"] is not None for r in runs) == 1  # the second one repeats the first


def test_example_is_preloaded_and_only_loopback_is_served(tmp_path: Path) -> None:
    from kimrecon.web.server import serve

    with running_server(tmp_path / "daten", beispiel=True) as base:
        faelle = call(base, "GET", "/api/faelle").json()["faelle"]
        assert [f["fall"] for f in faelle] == ["beispiel-kreis-unna-2023"]
        assert len(call(base, "GET", "/api/faelle/beispiel-kreis-unna-2023").json()["dateien"]) == 16
    for host in ("0.0.0.0", "192.168.1.10", "example.org", "::"):
        with pytest.raises(ValueError, match="nur auf dem eigenen Rechner"):
            serve(host=host, daten=tmp_path / "nie")
    assert not (tmp_path / "nie").exists()


def test_leftovers_of_a_killed_server_are_removed_on_start(tmp_path: Path) -> None:
    from kimrecon.web.storage import Store

    daten = tmp_path / "daten"
    Store(daten)
    (daten / "tmp" / "abgebrochen").mkdir()
    (daten / "tmp" / "abgebrochen" / "001.xlsx").write_bytes(b"halb")
    Store(daten)
    assert _left_over(daten) == []


def test_a_ledger_failure_names_no_server_path(tmp_path: Path, caplog) -> None:
    daten = tmp_path / "daten"
    admin = daten / "verwaltung" / "beispiel-kreis-unna-2023"
    admin.mkdir(parents=True)
    (admin / "kimrecon.sqlite").write_bytes(b"kein SQLite, sondern Text" * 100)  # a damaged ledger file
    with running_server(daten, beispiel=True) as base:
        reply = call(base, "POST", "/api/faelle/beispiel-kreis-unna-2023/abgleich", json_body={"monat": "2023-12"})
    assert reply.status == 409
    text = _german(reply)
    assert "Laufbuch" in text and "erneut versuchen" in text
    assert str(tmp_path) not in reply.text and "sqlite" not in reply.text
    assert any(str(admin) in r.getMessage() for r in caplog.records)  # the administrator finds it in the log
    out = admin / "ausgabe" / "2023-12"
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]  # nothing published

"""Findings: data problems as values with a source (file, sheet, cell), never raised one at a time.

Reason codes are a closed enum; the German message template for each code lives in one table
(``MESSAGES``) so that wording is reviewed in one place. A stage returns its findings beside
its frames; only programmer errors and I/O failures are exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    """How bad a finding is: a Fehler stops the run; a Warnung does not but needs action (exit 1); a Hinweis informs."""

    FEHLER = "Fehler"
    WARNUNG = "Warnung"
    HINWEIS = "Hinweis"


class Code(str, Enum):
    """Stable reason codes (used in JSON, the Fehlerbericht and the ledger)."""

    # file level
    DATEI_UNLESBAR = "datei_unlesbar"
    DATEI_VERSCHLUESSELT = "datei_verschluesselt"
    DATEI_MAKRO = "datei_makro"
    DATEI_ZU_GROSS = "datei_zu_gross"
    DATEI_BESCHAEDIGT = "datei_beschaedigt"
    DATEI_TEIL_FEHLT = "datei_teil_fehlt"
    DATEI_ZEICHENSATZ = "datei_zeichensatz"
    DATEI_ALTES_FORMAT = "datei_altes_format"
    DATEI_FORMAT = "datei_format"
    KEINE_TABELLE = "keine_tabelle"
    BLATT_UNBEKANNT = "blatt_unbekannt"
    BLATT_MEHRDEUTIG = "blatt_mehrdeutig"
    BLATT_FEHLT = "blatt_fehlt"
    BLATT_AUSGEBLENDET = "blatt_ausgeblendet"
    BLATT_UEBERSPRUNGEN = "blatt_uebersprungen"
    # columns
    SPALTE_FEHLT = "spalte_fehlt"
    SPALTE_UNBEKANNT = "spalte_unbekannt"
    SPALTE_DOPPELT = "spalte_doppelt"
    SPALTE_PERSONENBEZUG = "spalte_personenbezug"
    SPALTE_AUSGEBLENDET = "spalte_ausgeblendet"
    # sheet layouts and list versions (month grids, signed amounts, two versions of one list)
    BLATT_UNVOLLSTAENDIG = "blatt_unvollstaendig"
    MONATSTABELLE_JAHR_FEHLT = "monatstabelle_jahr_fehlt"
    MONATSTABELLE_KOMMUNE_FEHLT = "monatstabelle_kommune_fehlt"
    MONATSTABELLE_EINHEIT_UNKLAR = "monatstabelle_einheit_unklar"
    MONATSTABELLE_GANZE_MONATE = "monatstabelle_ganze_monate"
    DATEI_DOPPELT = "datei_doppelt"
    LISTE_ERSETZT = "liste_ersetzt"
    LISTE_WIDERSPRUCH = "liste_widerspruch"
    BETRAG_UMGEKEHRT = "betrag_umgekehrt"
    SOLL_UND_HABEN = "soll_und_haben"
    FORMEL_OHNE_WERT = "formel_ohne_wert"
    # values
    WERT_FEHLT = "wert_fehlt"
    ZAHL_UNGUELTIG = "zahl_ungueltig"
    DATUM_UNGUELTIG = "datum_ungueltig"
    WERT_UNGUELTIG = "wert_ungueltig"
    WERT_NEGATIV = "wert_negativ"
    SUMME_ABWEICHUNG = "summe_abweichung"
    # domain rules
    NAME_UNBEKANNT = "name_unbekannt"
    ZUTEILUNG_UNTER_MINIMUM = "zuteilung_unter_minimum"
    ZUTEILUNG_SCHRITT = "zuteilung_schritt"
    BETRAG_ABWEICHUNG = "betrag_abweichung"
    BEWILLIGUNG_ABWEICHUNG = "bewilligung_abweichung"
    ZUTEILUNG_UEBER_BESCHEID = "zuteilung_ueber_bescheid"
    ENDE_VOR_BEGINN = "ende_vor_beginn"
    BESCHAEFTIGUNG_UEBERLAPPT = "beschaeftigung_ueberlappt"
    DATUM_AUSSERHALB = "datum_ausserhalb"
    ZAHLUNG_DOPPELT = "zahlung_doppelt"
    ZAHLUNG_OHNE_VERTRAG = "zahlung_ohne_vertrag"
    BAUM_ZYKLUS = "baum_zyklus"
    BAUM_ZWEI_GEBER = "baum_zwei_geber"
    BAUM_HUB_FEHLT = "baum_hub_fehlt"
    SCHLUESSEL_WIDERSPRUCH = "schluessel_widerspruch"
    ERHALTUNG_VERLETZT = "erhaltung_verletzt"
    KEIN_BESCHEID = "kein_bescheid"
    ZINSSATZ_FEHLT = "zinssatz_fehlt"
    FRIST_VERSAEUMT = "frist_versaeumt"
    FRIST_NAHE = "frist_nahe"
    PARAMETER_UNGUELTIG = "parameter_ungueltig"
    # domain rules of the engine (one producer each)
    UMFANG_FEHLT = "umfang_fehlt"
    EMPFAENGER_DOPPELT = "empfaenger_doppelt"
    PERSONALKOSTEN_FEHLEN = "personalkosten_fehlen"
    BESETZUNG_FEHLT = "besetzung_fehlt"
    # a town's monthly list sent through the web (kimrecon/web/intake.py)
    MELDUNG_FREMDE_STELLE = "meldung_fremde_stelle"
    MELDUNG_ART = "meldung_art"
    MELDUNG_LEER = "meldung_leer"
    MELDUNG_STAND_AELTER = "meldung_stand_aelter"
    MELDUNG_STAND_ZUKUNFT = "meldung_stand_zukunft"
    SONSTIGES = "sonstiges"


# One table of German message templates; ``{…}`` fields come from Finding.details.
MESSAGES: dict[Code, str] = {
    Code.DATEI_UNLESBAR: "Die Datei kann nicht gelesen werden ({grund}). "
    "Bitte als .xlsx, .xls, .ods oder ;-getrennte CSV-Datei neu speichern.",
    Code.DATEI_VERSCHLUESSELT: "Die Datei ist verschlüsselt oder kennwortgeschützt. "
    "Bitte ohne Kennwort speichern und erneut einreichen.",
    Code.DATEI_MAKRO: "Die Datei enthält Makros (VBA) und wird deshalb nicht geöffnet. "
    "Bitte als Excel-Arbeitsmappe (.xlsx) ohne Makros speichern und erneut einreichen.",
    Code.DATEI_ZU_GROSS: "Die Datei überschreitet die Grenze ({grund}). "
    "Bitte prüfen, ob die Datei beschädigt ist, oder die Grenze in kimrecon.toml erhöhen.",
    Code.DATEI_BESCHAEDIGT: "Die Datei ist beschädigt und kann nicht gelesen werden ({grund}). "
    "Bitte im Tabellenprogramm öffnen und als .xlsx neu speichern; lässt sie sich nicht öffnen, "
    "beim Absender eine neue Datei anfordern.",
    Code.DATEI_TEIL_FEHLT: "In der Arbeitsmappe fehlt ein notwendiger Bestandteil ({teil}); "
    "sie ist unvollständig gespeichert oder beschädigt. Bitte im Tabellenprogramm öffnen und als .xlsx neu "
    "speichern oder beim Absender eine neue Datei anfordern.",
    Code.DATEI_ZEICHENSATZ: "Die Datei verwendet einen unbekannten Zeichensatz ({zeichensatz}). "
    "Bitte im Tabellenprogramm öffnen und als .xlsx speichern.",
    Code.DATEI_ALTES_FORMAT: "Die Datei hat ein altes Format ({format}), das nicht gelesen werden kann. "
    "Bitte im Tabellenprogramm öffnen und als .xlsx speichern.",
    Code.DATEI_FORMAT: "Das Dateiformat {format} wird nicht unterstützt. "
    "Bitte als .xlsx, .xls, .ods oder ;-getrennte CSV-Datei speichern.",
    Code.KEINE_TABELLE: "In den Eingaben wurde keine Tabelle einer bekannten Art gefunden "
    "(Bescheid, Zuweisung, Verteilungsschlüssel, Besetzung, Zahlungen, Rückforderungen, Weiterleitungsvertrag); "
    "es gibt nichts zu prüfen. Bitte die richtigen Dateien angeben oder die Spaltenüberschriften mit der "
    "Vorlage vergleichen (kimrecon template …).",
    Code.BLATT_UNBEKANNT: "Das Blatt passt zu keiner bekannten Tabellenart "
    "(Bescheid, Zuweisung, Verteilungsschlüssel, Besetzung, Zahlungen, Rückforderungen, "
    "Weiterleitungsvertrag). Bitte die Spaltenüberschriften mit der Vorlage vergleichen "
    "(kimrecon template …) oder das Blatt aus dem Fallordner entfernen.",
    Code.BLATT_MEHRDEUTIG: "Das Blatt passt zu mehreren Tabellenarten ({arten}). "
    "Bitte die Spaltenüberschriften eindeutig machen.",
    Code.BLATT_FEHLT: "Im Fall fehlt eine Tabelle der Art „{art}“. Bitte die Datei ergänzen.",
    Code.BLATT_AUSGEBLENDET: "Das Blatt ist ausgeblendet und wird nicht ausgewertet. "
    "Bitte einblenden, wenn es gelten soll.",
    Code.BLATT_UEBERSPRUNGEN: "Das Blatt gilt nach seinem Namen als Beispiel oder Anleitung und wird "
    "nicht ausgewertet. Bitte umbenennen, wenn es Daten des Falls enthält.",
    Code.SPALTE_FEHLT: "Die Pflichtspalte „{spalte}“ fehlt. Bitte die Spalte ergänzen.",
    Code.SPALTE_UNBEKANNT: "Die Spalte „{spalte}“ ist unbekannt und wird nicht ausgewertet.",
    Code.SPALTE_DOPPELT: "Die Spalte „{spalte}“ kommt mehrfach vor. Bitte eine davon entfernen.",
    Code.SPALTE_PERSONENBEZUG: "Die Spalte „{spalte}“ enthält personenbezogene Daten; "
    "sie wurde beim Einlesen verworfen.",
    Code.SPALTE_AUSGEBLENDET: "Die Spalte „{spalte}“ ist ausgeblendet; sie wird trotzdem ausgewertet. "
    "Bitte prüfen, ob sie gelten soll.",
    Code.BLATT_UNVOLLSTAENDIG: "Das Blatt sieht nach einer Tabelle der Art „{art}“ aus, es fehlt aber {fehlt}. "
    "Gelesen werden: {formen}. Bitte die fehlenden Spalten ergänzen (z. B. ab Zelle {zelle}).",
    Code.MONATSTABELLE_JAHR_FEHLT: "Die Monatstabelle nennt kein Jahr. Bitte eine Spalte „Jahr“ ergänzen "
    "(Zelle {zelle}) oder das Jahr in den Titel schreiben (Zelle {titel}, z. B. „Besetzung 2023“).",
    Code.MONATSTABELLE_KOMMUNE_FEHLT: "Die Monatstabelle nennt keine Kommune des Falls{grund}. Bitte eine Spalte "
    "„Kommune“ ergänzen (Zelle {zelle}) oder die Kommune in den Titel schreiben "
    "(Zelle {titel}, z. B. „Stadt Kamen – Besetzung 2023“).",
    Code.MONATSTABELLE_EINHEIT_UNKLAR: "„{wert}“: Die Monatswerte mischen Stellenanteile (bis 1) und Stunden "
    "(über 1). Bitte über die Monatsspalten „Stellenanteil“ oder „Wochenstunden“ schreiben.",
    Code.MONATSTABELLE_GANZE_MONATE: "Die Monatstabelle gibt nur ganze Monate an; im Tagesprinzip zählt jeder "
    "Monat mit seinem Wert an allen Tagen. Für tagesgenaue Werte bitte Beginn und Ende je Beschäftigung angeben.",
    Code.DATEI_DOPPELT: "Die Datei ist byte-gleich mit „{andere}“ und wird nur einmal gelesen. "
    "Bitte eine der beiden Dateien aus dem Fallordner entfernen.",
    Code.LISTE_ERSETZT: "Die Liste für „{kommune}“ (Stand {stand}) ist durch die neuere Liste {neuer} "
    "(Stand {stand_neu}) ersetzt und wird nicht ausgewertet. Bitte die ältere Liste entfernen.",
    Code.LISTE_WIDERSPRUCH: "Zwei Listen für „{kommune}“ widersprechen sich und kein Stand sagt, welche gilt: "
    "{person} ab {beginn} hat hier {hier}, in {andere} aber {dort}. Bitte die veraltete Liste entfernen "
    "oder jede Liste mit einer Zeile „Stand: TT.MM.JJJJ“ über der Tabelle versehen.",
    Code.BETRAG_UMGEKEHRT: "„{wert}“ ({grund}) ist eine Zahlung in Gegenrichtung: gelesen als Rückzahlung "
    "von {zahler} an {empfaenger} über {betrag}.",
    Code.SOLL_UND_HABEN: "Die Zeile hat Soll „{soll}“ und Haben „{haben}“ zugleich. "
    "Bitte nur eine der beiden Spalten füllen.",
    Code.FORMEL_OHNE_WERT: "Die Zelle enthält eine Formel ohne gespeichertes Ergebnis. Bitte die Datei in "
    "Excel oder LibreOffice öffnen und speichern, damit das Ergebnis mitgespeichert wird.",
    Code.WERT_FEHLT: "Der Wert für „{spalte}“ fehlt. Bitte eintragen.",
    Code.ZAHL_UNGUELTIG: "„{wert}“ ist keine gültige Zahl für „{spalte}“. "
    "Bitte eine Zahl eintragen (z. B. 57.000,00 für Beträge, 0,5 für VzÄ, 19,5 für Stunden).",
    Code.DATUM_UNGUELTIG: "„{wert}“ ist kein gültiges Datum für „{spalte}“. "
    "Bitte als TT.MM.JJJJ eintragen.",
    Code.WERT_UNGUELTIG: "„{wert}“ ist für „{spalte}“ nicht zulässig. {hinweis}",
    Code.WERT_NEGATIV: "„{wert}“ ist negativ; „{spalte}“ darf nicht negativ sein.",
    Code.SUMME_ABWEICHUNG: "Die Summenzeile weist {summe} aus, die Zeilen darüber ergeben {berechnet}. "
    "Bitte Summe oder Einzelwerte prüfen.",
    Code.NAME_UNBEKANNT: "„{name}“ ist keine bekannte Stelle dieses Falls. {rat}",
    Code.ZUTEILUNG_UNTER_MINIMUM: "„{wert}“ VzÄ: eine Zuteilung muss 0 oder mindestens {minimum} VzÄ sein. "
    "Bitte auf 0 setzen (Verzicht) oder auf mindestens {minimum} VzÄ erhöhen.",
    Code.ZUTEILUNG_SCHRITT: "„{wert}“ VzÄ liegt nicht auf dem Raster von {schritt} VzÄ. "
    "Bitte auf das Raster runden oder die Schrittweite in kimrecon.toml anpassen.",
    Code.BETRAG_ABWEICHUNG: "Der Betrag {betrag} passt nicht zu {vzae} VzÄ × {pauschale} = {erwartet}. "
    "Bitte Betrag oder VzÄ prüfen.",
    Code.BEWILLIGUNG_ABWEICHUNG: "Die Bewilligungssumme {betrag} passt nicht zu "
    "{vzae} VzÄ × {pauschale} = {erwartet}.",
    Code.ZUTEILUNG_UEBER_BESCHEID: "Die Zuteilungen für {jahr} ergeben {summe} VzÄ, "
    "der Bescheid bewilligt nur {bescheid} VzÄ.",
    Code.ENDE_VOR_BEGINN: "Das Ende {ende} liegt vor dem Beginn {beginn}. Bitte Daten prüfen.",
    Code.BESCHAEFTIGUNG_UEBERLAPPT: "Die Beschäftigung von {person} auf Stelle {stelle} "
    "überschneidet sich mit Zeile {andere}. Bitte Zeiträume prüfen.",
    Code.DATUM_AUSSERHALB: "Das Datum {datum} liegt außerhalb des Bewilligungszeitraums "
    "{von} – {bis}. Bitte Datum und Bezugsjahr prüfen.",
    Code.ZAHLUNG_DOPPELT: "Die Zahlung ist doppelt erfasst (gleich mit Zeile {andere}). "
    "Bitte eine davon entfernen oder unterscheidbar machen.",
    Code.ZAHLUNG_OHNE_VERTRAG: "Zwischen {zahler} und {empfaenger} besteht kein "
    "Weiterleitungsvertrag. Bitte Zahler und Empfänger prüfen.",
    Code.BAUM_ZYKLUS: "Die Weiterleitung bildet einen Kreis: {pfad}.",
    Code.BAUM_ZWEI_GEBER: "„{empfaenger}“ erhält {jahr} Mittel von zwei Stellen: {geber}.",
    Code.BAUM_HUB_FEHLT: "Die weiterleitende Stelle „{hub}“ fehlt im Weiterleitungsbaum {jahr}.",
    Code.SCHLUESSEL_WIDERSPRUCH: "Zuweisung ({zuweisung} VzÄ) und Verteilungsschlüssel "
    "({schluessel} VzÄ) widersprechen sich für „{kommune}“ {jahr}.",
    Code.ERHALTUNG_VERLETZT: "Mittelerhaltung verletzt bei „{knoten}“ {jahr}: "
    "weitergeleitet und Eigenanteil {aus}, erhalten {ein}.",
    Code.KEIN_BESCHEID: "Für {jahr} liegt kein Bescheid vor; für dieses Jahr besteht kein Anspruch.",
    Code.ZINSSATZ_FEHLT: "Für den Zeitraum ab {ab} ist kein {tabelle} hinterlegt. "
    "Bitte in kimrecon.toml unter [zinsen] ergänzen.",
    Code.FRIST_VERSAEUMT: "Die Nachweisfrist {frist} für {empfaenger} → {geber} ({jahr}) "
    "ist versäumt.",
    Code.FRIST_NAHE: "Die Nachweisfrist {frist} für {empfaenger} → {geber} ({jahr}) "
    "läuft in {tage} Tagen ab.",
    Code.PARAMETER_UNGUELTIG: "Der Parameter „{parameter}“ ist ungültig: {grund}.",
    Code.UMFANG_FEHLT: "Für diese Beschäftigung fehlen Wochenstunden und Stellenanteil. "
    "Bitte eines von beiden eintragen (z. B. 19,5 Wochenstunden oder 0,5 Stellenanteil).",
    Code.EMPFAENGER_DOPPELT: "„{wert}“ steht für {jahr} schon in {andere}. Bitte die Zeilen zusammenfassen.",
    Code.PERSONALKOSTEN_FEHLEN: "Für {empfaenger} sind keine Personalkosten angegeben; bei Spitzabrechnung gilt "
    "deshalb die Pauschale. Bitte die Spalte „Personalkosten“ in der Besetzung füllen, wenn gedeckelt werden soll.",
    Code.BESETZUNG_FEHLT: "Für „{empfaenger}“ liegen für {jahr} keine Besetzungsdaten vor, obwohl {vzae} VzÄ "
    "zugeteilt sind. Bitte die Besetzungsliste der Kommune einreichen; bis dahin weist kimrecon für diese Kante "
    "„Besetzung fehlt“ statt einer Rückforderung aus.",
    Code.MELDUNG_FREMDE_STELLE: "Die Zeile nennt „{wert}“; eine Meldung von „{stelle}“ darf nur eigene Zeilen "
    "enthalten. Bitte die Zeilen anderer Stellen entfernen (jede Stelle meldet ihre Liste selbst).",
    Code.MELDUNG_ART: "Das Blatt ist eine Tabelle der Art „{art}“; eine monatliche Meldung enthält nur die "
    "Besetzung und die eigenen Zahlungen. Bitte das Blatt aus der Datei entfernen.",
    Code.MELDUNG_LEER: "Die Datei enthält keine Besetzung und keine Zahlungen. Bitte die Besetzungsliste (und, "
    "wenn Ihre Stelle Mittel weiterleitet, die Zahlungsliste) hochladen.",
    Code.MELDUNG_STAND_AELTER: "Die Liste hat einen älteren Stand als die Liste {neuer}, die bereits gilt; "
    "eingereicht würde sie nicht ausgewertet. Bitte über der Tabelle „Stand:“ mit dem heutigen Datum eintragen.",
    Code.MELDUNG_STAND_ZUKUNFT: "Die Liste trägt den Stand {stand}, ein Datum nach dem heutigen; sie würde jede "
    "spätere Liste Ihrer Stelle verdrängen. Bitte über der Tabelle „Stand:“ mit dem heutigen Datum eintragen.",
    Code.SONSTIGES: "{text}",
}


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a value came from: file name, sheet, Excel row (1-based) and column letter."""

    datei: str
    blatt: str | None = None
    zeile: int | None = None
    spalte: str | None = None

    @property
    def zelle(self) -> str | None:
        """A1 address of the cell ("C14"), the row ("14") or None."""
        if self.zeile is None:
            return self.spalte
        return f"{self.spalte or ''}{self.zeile}"

    def __str__(self) -> str:
        """Render as ``datei › blatt › C14``."""
        parts = [self.datei]
        if self.blatt:
            parts.append(self.blatt)
        if self.zelle:
            parts.append(self.zelle)
        return " › ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    """One data problem with its source and a stable reason code."""

    code: Code
    severity: Severity
    source: SourceRef | None
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    value: str | None = None  # hyperlink-free copy of the offending cell value, as text

    @property
    def meldung(self) -> str:
        """The German message for the user."""
        return MESSAGES[self.code].format_map(_Default({**DEFAULT_DETAILS.get(self.code, {}), **dict(self.details)}))

    def __str__(self) -> str:
        """Render as ``datei › blatt › C14: message``."""
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.meldung}"


# Details a message falls back to when a finding does not carry them.
DEFAULT_DETAILS: dict[Code, dict[str, str]] = {
    Code.NAME_UNBEKANNT: {"rat": "Bitte Schreibweise prüfen oder den Empfänger in die Zuweisung aufnehmen."},
}


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def finding(
    code: Code,
    source: SourceRef | None = None,
    *,
    severity: Severity = Severity.FEHLER,
    value: object | None = None,
    **details: object,
) -> Finding:
    """Build a Finding; detail values are stored as text."""
    return Finding(
        code=code,
        severity=severity,
        source=source,
        details=tuple((k, str(v)) for k, v in details.items()),
        value=None if value is None else str(value),
    )


def has_errors(findings: Iterable[Finding]) -> bool:
    """Tell whether any finding is a Fehler (which stops the run)."""
    return any(f.severity is Severity.FEHLER for f in findings)


# Findings that make an input unusable: the CLI exits 2 instead of 1 (spec §6a).
UNUSABLE: frozenset[Code] = frozenset(
    {
        Code.DATEI_UNLESBAR,
        Code.DATEI_VERSCHLUESSELT,
        Code.DATEI_MAKRO,
        Code.DATEI_ZU_GROSS,
        Code.DATEI_BESCHAEDIGT,
        Code.DATEI_TEIL_FEHLT,
        Code.DATEI_ZEICHENSATZ,
        Code.DATEI_ALTES_FORMAT,
        Code.DATEI_FORMAT,
        Code.KEINE_TABELLE,
    }
)


def is_unusable(findings: Iterable[Finding]) -> bool:
    """Tell whether any finding makes the input unusable (exit code 2)."""
    return any(f.code in UNUSABLE for f in findings)


def read_cells(findings: Iterable[Finding]) -> set[tuple[str, str | None, int | None, str | None]]:
    """The cells that already carry a finding of the read stage."""
    return {(f.source.datei, f.source.blatt, f.source.zeile, f.source.spalte) for f in findings if f.source is not None}


def without_read_cells(
    out: Iterable[Finding], skip: set[tuple[str, str | None, int | None, str | None]]
) -> tuple[Finding, ...]:
    """Drop repeated findings and findings on cells whose value could not be read (one finding per cell)."""
    seen: set[tuple[object, ...]] = set()
    unique: list[Finding] = []
    for f in out:
        # an unknown name counts once per cell: the first finding (the one with the nearest names) wins
        key = (f.code, f.source) if f.code is Code.NAME_UNBEKANNT and f.source else (f.code, f.source, f.details)
        cell = (f.source.datei, f.source.blatt, f.source.zeile, f.source.spalte) if f.source else None
        if cell in skip and f.source is not None and f.source.spalte is not None:
            continue  # the cell's value could not be read: one finding for it is enough
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return tuple(unique)


def severity_rank(severity: Severity) -> int:
    """Sort order of findings everywhere: Fehler, Warnung, Hinweis."""
    return list(Severity).index(severity)


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings of each severity, in the order Fehler, Warnung, Hinweis."""
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def count_text(findings: Iterable[Finding]) -> str:
    """German count of findings by severity, e.g. "1 Fehler, 2 Warnungen, 1 Hinweis"."""
    words = {Severity.FEHLER: ("Fehler", "Fehler"), Severity.WARNUNG: ("Warnung", "Warnungen"),
             Severity.HINWEIS: ("Hinweis", "Hinweise")}
    return ", ".join(f"{n} {words[sev][0] if n == 1 else words[sev][1]}"
                     for sev, n in severity_counts(findings).items())

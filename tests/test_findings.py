from kimrecon.findings import MESSAGES, Code, Severity, SourceRef, finding, has_errors, is_unusable


def test_every_code_has_a_german_message():
    assert set(MESSAGES) == set(Code)


def test_finding_renders_file_sheet_cell_and_message():
    f = finding(Code.ZUTEILUNG_UNTER_MINIMUM, SourceRef("zuweisung_2023.xlsx", "Zuweisung", 14, "C"), wert="0,38",
                minimum="0,5")
    assert str(f) == (
        "zuweisung_2023.xlsx › Zuweisung › C14: „0,38“ VzÄ: eine Zuteilung muss 0 oder mindestens 0,5 VzÄ sein. "
        "Bitte auf 0 setzen (Verzicht) oder auf mindestens 0,5 VzÄ erhöhen."
    )
    assert f.severity is Severity.FEHLER
    assert has_errors([f])
    assert not is_unusable([f])


def test_hinweis_is_not_an_error_and_unreadable_is_unusable():
    h = finding(Code.SPALTE_UNBEKANNT, SourceRef("a.xlsx", "B", 3, "G"), severity=Severity.HINWEIS, spalte="Bemerkung")
    assert not has_errors([h])
    assert is_unusable([finding(Code.DATEI_UNLESBAR, SourceRef("x.xlsx"), grund="kein Arbeitsmappenformat")])

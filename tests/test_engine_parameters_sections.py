"""kimrecon.toml: a known section given as a plain value is a finding, not silently ignored."""

import pytest

from kimrecon.findings import Code, Severity
from kimrecon.parameters import load_parameters


@pytest.mark.parametrize("section", ["abrechnung", "zinsen", "fristen"])
def test_section_as_value_is_a_finding(section):
    _, findings = load_parameters({section: 3})
    assert [(f.code, f.severity) for f in findings] == [(Code.PARAMETER_UNGUELTIG, Severity.FEHLER)]
    assert f"[{section}] muss ein Abschnitt" in findings[0].meldung


def test_valid_sections_give_no_finding():
    _, findings = load_parameters({"abrechnung": {"modus": "tagesprinzip"}})
    assert findings == ()

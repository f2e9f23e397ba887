"""The pipeline loads the shipped parameter files once per process and case configuration (a warm web process)."""

from __future__ import annotations

import datetime as dt

from kimrecon import pipeline


def test_parameters_are_loaded_once_per_configuration() -> None:
    first = pipeline._parameters({})
    assert pipeline._parameters({}) is first  # the same frozen Params, not the files read again
    assert first[0].tarifstunden_h100 == 3900  # 39 h a week (TVöD) in hundredths
    # a case with its own kimrecon.toml gets its own parameters: 40 h → 4000 hundredths
    own = pipeline._parameters({"abrechnung": {"tarifstunden": 40}})
    assert own[0].tarifstunden_h100 == 4000
    assert pipeline._parameters({"abrechnung": {"tarifstunden": 40}}) is own
    assert pipeline._parameters({}) is first


def test_configurations_that_only_look_alike_are_told_apart() -> None:
    # 40 (a number) and "40" (text) read differently; a date and its text too
    assert pipeline._frozen({"a": 40}) != pipeline._frozen({"a": "40"})
    assert pipeline._frozen({"a": 40}) != pipeline._frozen({"a": 40.0})
    assert pipeline._frozen({"ab": dt.date(2023, 1, 1)}) != pipeline._frozen({"ab": "2023-01-01"})
    assert pipeline._frozen({"x": [1, 2]}) != pipeline._frozen({"x": [2, 1]})
    assert pipeline._frozen({"a": 1, "b": 2}) == pipeline._frozen({"b": 2, "a": 1})  # key order does not matter

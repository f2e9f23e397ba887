from datetime import date, datetime

import pytest

from kimrecon.month import Month, as_month, parse_month
from kimrecon.pipeline import make_run_id, run_time


def test_parse_month_once_with_its_stichtag():
    assert parse_month("2023-12") == Month(2023, 12)
    assert str(parse_month(" 2023-01 ")) == "2023-01"
    assert parse_month("2023-13") is None
    assert parse_month("12/2023") is None
    assert parse_month("2023-1") is None
    # the Stichtag is the last day of the month, leap years included
    assert Month(2024, 2).stichtag == date(2024, 2, 29)
    assert Month(2023, 2).stichtag == date(2023, 2, 28)
    assert Month(2023, 12).stichtag == date(2023, 12, 31)
    with pytest.raises(ValueError):
        as_month("2023-00")


def test_run_id_is_stable_for_same_time_and_inputs(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    when = run_time()
    assert when == datetime(2024, 1, 1, 0, 0, 0)
    a = make_run_id(None, Month(2023, 12), when)
    assert a == make_run_id(None, Month(2023, 12), when)
    assert a.startswith("20240101-000000-")
    assert a != make_run_id(None, Month(2023, 11), when)

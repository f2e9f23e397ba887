from datetime import datetime

from kimrecon.pipeline import make_run_id, parse_month, run_time


def test_parse_month():
    assert parse_month("2023-12") == "2023-12"
    assert parse_month(" 2023-01 ") == "2023-01"
    assert parse_month("2023-13") is None
    assert parse_month("12/2023") is None


def test_run_id_is_stable_for_same_time_and_inputs(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    when = run_time()
    assert when == datetime(2024, 1, 1, 0, 0, 0)
    a = make_run_id(None, "2023-12", when)
    assert a == make_run_id(None, "2023-12", when)
    assert a.startswith("20240101-000000-")
    assert a != make_run_id(None, "2023-11", when)

"""``discover`` finds the same files, with the same duplicates dropped, as when it resolved every file as a whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kimrecon.read.files import discover
from tests.read_reference import old_reader


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_discover_with_links_as_before(tmp_path: Path) -> None:
    case = tmp_path / "fall"
    (case / "sub").mkdir(parents=True)
    (case / "a.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    (case / "sub" / "b.csv").write_text("x;y\n3;4\n", encoding="utf-8")
    elsewhere = tmp_path / "anderswo"
    elsewhere.mkdir()
    (elsewhere / "c.csv").write_text("x;y\n5;6\n", encoding="utf-8")
    (case / "link_a.csv").symlink_to(case / "a.csv")  # the same file twice: read once
    (case / "link_c.csv").symlink_to(elsewhere / "c.csv")
    (case / "linked").symlink_to(case / "sub", target_is_directory=True)
    paths = [case, case / "sub" / "b.csv", Path(os.path.relpath(case / "a.csv"))]
    new = discover(paths)
    with old_reader():
        old = discover(paths)
    assert new == old
    # a.csv, link_c.csv (a file elsewhere), sub/b.csv; link_a.csv is a.csv again, the explicit files too
    assert [name for _, name in new[0]] == ["a.csv", "link_c.csv", "sub/b.csv"]

"""A read stopped before the last file ends the probe's child at once (issue 18: the probe runs alongside)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kimrecon.read as read

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "beispiel-kreis-unna-2023"


def _children() -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text() if (task / "children").exists() else ""
        out.update(int(p) for p in text.split())
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_interrupted_read_leaves_no_probe_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = tmp_path / "fall"
    shutil.copytree(EXAMPLE, case)
    before = _children()
    real = read._read_file
    calls = {"n": 0}

    def interrupted(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:  # the second of the example's 16 workbooks: the child is still probing
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(read, "_read_file", interrupted)
    with pytest.raises(KeyboardInterrupt) as caught:
        read.read_case([case])
    assert calls["n"] == 2
    # the traceback still holds read_case's frame (and so the probe): only an explicit close ends the child
    assert caught.value.__traceback__ is not None
    assert _children() - before == set()

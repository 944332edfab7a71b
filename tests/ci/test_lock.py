"""The committed lock is what installs: `.ci/lock.py check` must catch a lock that no longer
matches pyproject's dependencies, and the install files must hold every pin."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _checkout_copy(tmp_path: Path) -> Path:
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "lock.py", tmp_path / ".ci" / "lock.py")
    return tmp_path


def _lock(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(root / ".ci" / "lock.py"), *args], capture_output=True, text=True
    )


def test_the_committed_lock_matches_pyproject():
    done = _lock(ROOT, "check")
    assert done.returncode == 0, done.stderr


def test_a_changed_range_in_pyproject_makes_the_lock_stale(tmp_path):
    root = _checkout_copy(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"networkx>=3.2"', '"networkx>=3.3"'))
    done = _lock(root, "check")
    assert done.returncode == 2
    assert "out of date" in done.stderr and "make lock" in done.stderr


def test_every_named_dependency_is_pinned_with_hashes(tmp_path):
    lock = (ROOT / "requirements.txt").read_text()
    for name in ("litellm", "langgraph", "textual", "llama-cpp-python", "pydantic", "pytest"):
        block = lock.split(f"\n{name}==", 1)
        assert len(block) == 2, f"{name} is not pinned"
        assert "--hash=sha256:" in block[1].split("\n\n")[0].split("\n", 3)[1]
    done = _lock(ROOT, "install-files", str(tmp_path / "install"))
    assert done.returncode == 0, done.stderr
    constraints = (tmp_path / "install" / "build-constraints.txt").read_text().splitlines()
    assert any(line.startswith("scikit-build-core==") for line in constraints)
    assert all("--hash" not in line for line in constraints)
    assert (tmp_path / "install" / "pip.lock").read_text().startswith("pip==")

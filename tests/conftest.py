"""Fixtures shared across the suite: scripted model settings, a fresh runs DB, sampled personas."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

SCRIPTED = {
    "therapist": "scripted/adherent",
    "patient": "scripted/patient",
    "tracker": "scripted/tracker",
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "runs" / "patientsim.db"


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail the test if anything opens a socket to a non-loopback address."""
    real_connect = socket.socket.connect
    attempts: list = []

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
            "127.0.0.1",
            "::1",
            "localhost",
        ):
            attempts.append(address)
            raise OSError(f"test blocked a non-loopback connection to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield attempts

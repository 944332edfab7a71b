"""Shared fixture for the loopback server tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.testing import LoopbackServer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A fault-free, instant server in its own thread."""
    with LoopbackServer(seed=11) as running:
        yield running

"""Test doubles that talk over real sockets: an OpenAI-compatible loopback model server.

The CLI lives in `simulator.testing.loopback_server` (`python -m ...`); it is not imported
here so that running it as a module does not import it twice.
"""

from simulator.testing.loopback_app import AsyncLoopbackServer
from simulator.testing.loopback_config import (
    FaultShares,
    FixedLatency,
    LognormalLatency,
    LoopbackConfig,
    UniformLatency,
)
from simulator.testing.loopback_process import LoopbackProcess
from simulator.testing.loopback_stats import Outcome, ServerStats
from simulator.testing.loopback_thread import LoopbackServer
from simulator.testing.schema_instance import schema_instance, schema_violation

__all__ = [
    "AsyncLoopbackServer",
    "FaultShares",
    "FixedLatency",
    "LognormalLatency",
    "LoopbackConfig",
    "LoopbackProcess",
    "LoopbackServer",
    "Outcome",
    "ServerStats",
    "UniformLatency",
    "schema_instance",
    "schema_violation",
]

"""Test doubles that talk over real sockets: an OpenAI-compatible loopback model server.

The CLI lives in `simulator.testing.loopback_server` (`python -m ...`); it is not imported
here so that running it as a module does not import it twice. Names load on first use: the
scripted models need only `schema_instance`, not the server.
"""

from importlib import import_module

# Imported here, not on demand: the function shares its module's name, and a submodule
# imported later would otherwise shadow a lazily found function of the same name.
from simulator.testing.schema_instance import schema_instance as schema_instance
from simulator.testing.schema_instance import schema_violation as schema_violation

_HOMES = {
    "AsyncLoopbackServer": "loopback_app",
    "FaultShares": "loopback_config",
    "FixedLatency": "loopback_config",
    "LognormalLatency": "loopback_config",
    "LoopbackConfig": "loopback_config",
    "UniformLatency": "loopback_config",
    "LoopbackProcess": "loopback_process",
    "Outcome": "loopback_stats",
    "ServerStats": "loopback_stats",
    "LoopbackServer": "loopback_thread",
}
__all__ = sorted([*_HOMES, "schema_instance", "schema_violation"])


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'simulator.testing' has no attribute {name!r}")
    return getattr(import_module(f"simulator.testing.{_HOMES[name]}"), name)

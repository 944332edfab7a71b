"""patientsim's simulator: models, sessions, judges, sweeps, statistics, reports, storage and CLI."""

from simulator import _lean_imports

__version__ = "0.1.0"

_lean_imports.install()

"""patientsim's simulator: models, sessions, judges, sweeps, statistics, reports, storage and CLI."""

__version__ = "0.1.0"

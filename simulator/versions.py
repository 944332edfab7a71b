"""patientsim's version and the versions of the libraries its results depend on.

Read from installed package metadata, so nothing heavy is imported. `patientsim --version`
prints this line; every run stores it as its provenance (`runs.code_version`).
"""

from __future__ import annotations

from importlib import metadata

from simulator import __version__

# The libraries whose release changes what a session does or shows.
KEY_DEPENDENCIES = ("litellm", "langgraph", "textual", "llama-cpp-python")


def dependency_versions() -> dict[str, str]:
    """Each key dependency's installed version, or "not installed"."""
    found = {}
    for name in KEY_DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def version_line() -> str:
    """`patientsim 0.1.0 (litellm 1.110.2, langgraph 1.2.24, textual 8.2.8, ...)`."""
    parts = ", ".join(f"{name} {version}" for name, version in dependency_versions().items())
    return f"patientsim {__version__} ({parts})"

"""Keep sqlite-utils from importing pandas and numpy, which it only uses for their types.

sqlite_utils.db imports pandas and numpy whenever they are installed (statsmodels brings
pandas) to map their types to column types; that costs ~0.35 s at every start of a command
that opens the runs DB. patientsim never stores pandas or numpy values through sqlite-utils
(its tables are created by migrations with Python types), so while `sqlite_utils.db`
executes, the two are hidden unless something has imported them already.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

HIDDEN_WHILE_LOADING = ("pandas", "numpy")
TARGET = "sqlite_utils.db"


class _HidingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        hidden = [name for name in HIDDEN_WHILE_LOADING if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # `import name` now raises ImportError
        try:
            self.loader.exec_module(module)
        finally:
            for name in hidden:
                if sys.modules.get(name) is None:
                    del sys.modules[name]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _HidingLoader(spec.loader)
        return spec


def install() -> None:
    if TARGET not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())

"""The sub-models, one file each, each a `Module` (engine.module). The core runs every module
found here, in the order they declare; nothing else lists them, so a new sub-model is one new
file here (with its schema part, catalogue entries and report row outside the engine)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from simulate.engine.module import Module


def _discover() -> tuple[type[Module[Any]], ...]:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        importlib.import_module(f"{__name__}.{info.name}")
    found = [kind for kind in Module.__subclasses__() if kind.__module__.startswith(__name__)]
    kinds = sorted(found, key=lambda kind: kind.order)
    for field in ("name", "order"):
        values = [getattr(kind, field) for kind in kinds]
        if len(set(values)) != len(values):
            raise RuntimeError(f"two engine modules share a {field}: {values}")
    return tuple(kinds)


MODULES = _discover()
# every reason the ledger may show, in the order the modules run
LOSS_REASONS = tuple(dict.fromkeys(reason for kind in MODULES for reason in kind.losses))

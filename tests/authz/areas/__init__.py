"""Areas of the authorization table kept in their own modules (one per app or feature),
so that adding an app adds a file here instead of editing the middle of ``policy.py``.

Each module may define ``CAPABILITIES`` (a dict built with ``policy._caps``), ``ROUTES``
(a list of ``policy.Route``), ``SKIPPED`` (route name -> why) and
``build_objects(ids, *, own_hotel, other_hotel, users)`` which adds the objects its
routes name to ``ids`` (``ids["chain"]``, ``ids["own"]``, ``ids["other"]``).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]

"""The one place that imports the C extension.

Everything in the package that needs ``cqlio._core`` goes through here, so the
pure-Python parts (statements, row factories, value types, error mapping) stay
importable — and testable — on a machine where the extension is not built yet.
Using a feature that needs the extension without it raises ImportError naming
the original cause.
"""
from __future__ import annotations

import importlib
from typing import Any, Optional

core: Any
CORE_IMPORT_ERROR: Optional[BaseException]

try:
    core = importlib.import_module(__package__ + "._core")
    CORE_IMPORT_ERROR = None
except ImportError as exc:  # the extension is not built (or failed to load)
    core = None
    CORE_IMPORT_ERROR = exc


def require_core() -> Any:
    """The extension module, or ImportError saying why it is missing."""
    if core is None:
        raise ImportError(
            "cqlio._core (the C extension) cannot be imported: %s" % (CORE_IMPORT_ERROR,)
        ) from CORE_IMPORT_ERROR
    return core


class _UnsetType:
    """Stands in for ``_core.UNSET`` when the extension is absent, so that
    ``cqlio.query.UNSET_VALUE`` always exists. With the extension present the
    extension's own object is used (the binder recognises it by identity)."""

    _instance: Optional["_UnsetType"] = None

    def __new__(cls) -> "_UnsetType":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET_VALUE"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Any = getattr(core, "UNSET", None) if core is not None else None
if UNSET is None:
    UNSET = _UnsetType()

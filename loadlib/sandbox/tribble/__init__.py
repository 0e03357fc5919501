"""Ubiquitous Tribble (seed 000): the fintech API of the sandbox, mounted at ``/tribble``.

Three functions form the seam with the sandbox core (contract: docs/api/tribble.md):

    app = build(cfg, db)       # Starlette sub-app; creates the tribble_* tables
    audit(db)                  # [{"name", "ok", "detail"}, ...]
    openapi_paths()            # OpenAPI 3 path items relative to /tribble
"""

from __future__ import annotations

from typing import Any

from loadlib.sandbox.tribble.app import ENDPOINTS, build
from loadlib.sandbox.tribble.audit import audit
from loadlib.sandbox.tribble.openapi import paths as _paths

__all__ = ["audit", "build", "openapi_paths"]


def openapi_paths() -> dict[str, Any]:
    """OpenAPI 3 path items relative to ``/tribble``.

    >>> "/payments" in openapi_paths()
    True
    """
    return _paths(ENDPOINTS)

"""Base user classes and environment-variable declarations for workloads.

    from loadlib import FastUser, env

    API_URL = env("API_URL", base_url=True, help="escrowgrid base URL")

``env`` and the declarations never import Locust; ``FastUser``/``HttpUser`` do
(they are Locust classes), so they are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from loadlib.users.defaults import SANDBOX, SandboxDefaults
from loadlib.users.envvars import DECLARED, EnvVar, env
from loadlib.users.reply import Reply

_LAZY = {"FastUser": "loadlib.users.classes", "HttpUser": "loadlib.users.classes",
         "WorkloadMixin": "loadlib.users.base"}

__all__ = ["DECLARED", "SANDBOX", "EnvVar", "FastUser", "HttpUser", "Reply", "SandboxDefaults", "WorkloadMixin",
           "env"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'loadlib.users' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

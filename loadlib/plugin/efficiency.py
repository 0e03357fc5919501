"""Hub module: efficiency. (Placeholder until its owner fills it in.)"""

from __future__ import annotations

from typing import Any


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""

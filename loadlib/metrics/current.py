"""Global state department for metrics: the process's active registry and default tags.

Metric objects created at locustfile import (``Trend("payment_duration")`` at
module level) record into whatever registry is current when ``add`` runs, so
they work in a plain process, on a worker and on a master alike. The hub may
install a provider of default tags (the running user's scenario); this module
knows nothing of Locust.

>>> reg = set_current_registry(Registry())
>>> current_registry() is reg
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from loadlib.metrics.registry import Registry

_CURRENT: Registry | None = None
_TAGS_PROVIDER: Callable[[], Mapping[str, str] | None] | None = None


def current_registry() -> Registry:
    """The registry metric objects record into (created on first use)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = Registry()
    return _CURRENT


def set_current_registry(registry: Registry) -> Registry:
    """Make ``registry`` the active one (tests, or a fresh run); returns it."""
    global _CURRENT
    _CURRENT = registry
    return registry


def set_default_tags_provider(provider: Callable[[], Mapping[str, str] | None] | None) -> None:
    """Install the callable whose tags every custom sample carries (e.g. ``{"scenario": ...}``)."""
    global _TAGS_PROVIDER
    _TAGS_PROVIDER = provider


def default_tags() -> dict[str, str]:
    """The tags of the current context (empty without a provider)."""
    if _TAGS_PROVIDER is None:
        return {}
    return dict(_TAGS_PROVIDER() or {})

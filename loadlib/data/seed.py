"""The run's data seed: the one mutable value of ``loadlib.data`` (global state department).

Every generator derives its own ``random.Random`` from the run seed plus labels, so
two runs with the same ``--seed`` (and the same worker layout) draw the same data,
and no two users share a stream.

    >>> _ = set_seed(7); derive("user", 0) == derive("user", 0) != derive("user", 1)
    True
"""

from __future__ import annotations

import hashlib
import random
import secrets

_SEED: int | None = None


def set_seed(seed: int | None) -> int:
    """Fix the run seed (``None`` picks a fresh random one); returns the seed in force."""
    global _SEED
    _SEED = secrets.randbits(32) if seed is None else int(seed)
    return _SEED


def get_seed() -> int:
    """The run seed, chosen at random on first use when nobody set one."""
    return _SEED if _SEED is not None else set_seed(None)


def derive(*labels: object) -> int:
    """A 64-bit integer determined by the run seed and ``labels`` (stable across processes)."""
    text = "\x1f".join(map(str, (get_seed(), *labels)))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def rng(*labels: object) -> random.Random:
    """An independent ``random.Random`` for ``labels`` under the run seed."""
    return random.Random(derive(*labels))

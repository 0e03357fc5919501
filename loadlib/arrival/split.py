"""Splitting a rate over workers, and re-splitting it when workers join or leave.

Locust gives workers no worker count (locust #1744), so the master tells each
worker ``(index, count)`` together with the instant (seconds after the test
started, on the shared clock) from which that split holds. Every worker keeps
the history of splits, so all of them agree which worker owns global start k
at time t: worker ``index`` owns the starts with ``k % count == index``.

>>> a = Assignments()
>>> a.add(Assignment(effective_s=0.0, index=1, count=2))
>>> a.owns(3, 1.0), a.owns(4, 1.0)
(True, False)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from loadlib.arrival.schedule import owner

RESPLIT_MARGIN_S = 1.0
"""How far ahead of now a new split takes effect: time for the message to reach every worker
(workers settle a start's owner 0.25 s before it is due, so a message has 0.75 s to arrive)."""


@dataclass(frozen=True)
class Assignment:
    effective_s: float  # seconds after the test's start reference; -inf = from the beginning
    index: int
    count: int

    def to_wire(self) -> dict[str, float | int]:
        return {"effective_s": self.effective_s, "index": self.index, "count": self.count}

    @classmethod
    def from_wire(cls, data: Mapping[str, float | int]) -> Assignment:
        return cls(float(data["effective_s"]), int(data["index"]), int(data["count"]))


SOLO = Assignment(float("-inf"), 0, 1)
"""One process (local runner): it owns every start."""


class Assignments:
    """The splits this worker has been told, in effect order; ``version`` bumps on every change."""

    def __init__(self, initial: Iterable[Assignment] = ()) -> None:
        self._items: list[Assignment] = []
        self._keys: list[float] = []
        self.version = 0
        for a in initial:
            self.add(a)

    def add(self, a: Assignment) -> None:
        # a later message for the same instant replaces the earlier one
        self._items = [x for x in self._items if x.effective_s != a.effective_s]
        keys = [x.effective_s for x in self._items]
        self._items.insert(bisect.bisect(keys, a.effective_s), a)
        self._keys = [x.effective_s for x in self._items]
        self.version += 1

    def at(self, t: float) -> Assignment | None:
        """The split in effect at test time ``t`` (None before this worker had any)."""
        items = self._items
        if items and t >= items[-1].effective_s:  # the common case: the latest split
            return items[-1]
        i = bisect.bisect_right(self._keys, t) - 1
        return items[i] if i >= 0 else None

    @property
    def first_effective(self) -> float | None:
        return self._items[0].effective_s if self._items else None

    @property
    def current(self) -> Assignment | None:
        return self._items[-1] if self._items else None

    def owns(self, k: int, t: float) -> bool:
        a = self.at(t)
        return a is not None and owner(k, a.count) == a.index

    def __bool__(self) -> bool:
        return bool(self._items)


def plan(workers: Sequence[str], effective_s: float) -> dict[str, Assignment]:
    """The split for the given workers (in a stable order the caller chooses).

    >>> plan(["w-a", "w-b"], 12.5)["w-b"]
    Assignment(effective_s=12.5, index=1, count=2)
    """
    n = len(workers)
    return {w: Assignment(effective_s, i, n) for i, w in enumerate(workers)}

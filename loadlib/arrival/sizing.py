"""End-of-run advice on preAllocatedVUs and maxVUs (k6#2837: sizing them is a common stumbling block).

Pure: takes the merged executor numbers of one scenario, returns lines to print.
The rule of thumb is Little's law: VUs busy at once = arrival rate x time
per iteration, so ``maxVUs >= ceil(peak rate x p99 iteration duration)``.

>>> advise(ScenarioOutcome("checkout", peak_rate=50.0, pre_allocated=5, max_vus=10,
...        dropped=120, peak_busy=10, iteration_p99_ms=480.0))[0]
'checkout: 120 iterations dropped: maxVUs=10 was too small; set maxVUs >= ceil(50/s x 0.480 s) = 24'
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: str
    peak_rate: float  # iterations per second at the curve's peak
    pre_allocated: int
    max_vus: int
    dropped: int
    peak_busy: int  # most VUs running iterations at once (summed over workers)
    iteration_p99_ms: float


def needed_vus(rate_per_s: float, p99_ms: float) -> int:
    """Little's law with a p99 service time: VUs needed so a start rarely finds none free."""
    return max(1, math.ceil(rate_per_s * p99_ms / 1000.0))


def advise(o: ScenarioOutcome) -> list[str]:
    """Lines of advice for one scenario; empty when the sizing was right."""
    lines: list[str] = []
    need = needed_vus(o.peak_rate, o.iteration_p99_ms)
    calc = f"ceil({o.peak_rate:g}/s x {o.iteration_p99_ms / 1000.0:.3f} s) = {need}"
    if o.dropped > 0:
        lines.append(f"{o.scenario}: {o.dropped} iterations dropped: maxVUs={o.max_vus} was too small; "
                     f"set maxVUs >= {calc}")
    if o.peak_busy > o.pre_allocated:
        lines.append(f"{o.scenario}: {o.peak_busy} VUs were busy at once but preAllocatedVUs={o.pre_allocated}; "
                     f"set preAllocatedVUs >= {max(o.peak_busy, need)} ({calc}) so no VU is activated mid-run")
    return lines

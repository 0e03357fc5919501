"""Open-model executors: ``constant-arrival-rate`` and ``ramping-arrival-rate``, as in k6.

Iterations start on a schedule (10/s = one every 100 ms) whatever the
target's latency; a free VU (a Locust user of the scenario's ``exec`` class)
runs each; more VUs are activated up to ``maxVUs``; a start no VU can take is
dropped and counted in ``dropped_iterations``. Beyond k6: every iteration's
schedule lag is a trend (``iteration_schedule_lag``), ``--latency-from-schedule``
records ``http_req_duration_corrected`` (coordinated omission corrected), the
rate is split exactly over workers and re-split when they come and go, and the
end of the run says how to size preAllocatedVUs / maxVUs.

Modules (pure unless noted): ``schedule`` (rate curve -> start times),
``pool`` (VU pool decisions), ``split`` (worker shares), ``sizing``,
``report``, ``histogram``; on gevent: ``runtime`` (the executors), ``user``
(the Locust user run loop), ``webui``. The Locust wiring is
``loadlib.plugin.arrival``.

>>> from loadlib.arrival import RateCurve
>>> len(list(RateCurve.constant(50.0, 10.0).start_times()))
500
"""

from __future__ import annotations

from loadlib.arrival.current import current_iteration
from loadlib.arrival.schedule import RateCurve, owner, share
from loadlib.arrival.sizing import ScenarioOutcome, advise

__all__ = ["RateCurve", "ScenarioOutcome", "advise", "current_iteration", "owner", "share"]

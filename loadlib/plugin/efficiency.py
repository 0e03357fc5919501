"""Hub module: efficiency. The generator CPU watch.

A load generator whose own CPU is saturated queues its requests behind its own
work: the latencies it reports grow with its load, not the target's. Every locust
process (local, master, each worker) samples its CPU every few seconds; when it
stays at or above 90% of a core for 5 s it says so once per episode, in plain
words, with how many processes to use instead (each aiming at <= 70%). A worker
also tells the master, so the master's log and the end-of-run notes
(``state.RUN.notes``, which the reports print) name the worker that saturated.

"Used" counts the time the process wanted a core but waited for one (Linux
schedstat run-queue wait): on a machine shared with other busy processes a
generator can be starved at 35% CPU, and its latencies are just as wrong. Such
an episode is reported as starvation, with advice to give the generator a core
of its own rather than more processes.

The decision logic (``CpuWatch``, ``suggest_processes``, the messages) is pure and
is fed samples by one greenlet; tests feed it samples directly.

    >>> watch = CpuWatch()
    >>> [watch.observe(t, cpu) for t, cpu in [(0, 0.0), (3, 97.0), (6, 99.0), (9, 50.0)]]
    [None, None, 'start', 'end']
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from loadlib.plugin import state

logger = logging.getLogger("loadlib.efficiency")

THRESHOLD = 90.0  # % of one core at which a process's latencies stop being trustworthy
RECOVER_BELOW = 80.0  # an episode ends when a sample falls below this (hysteresis: no flapping at 89-91%)
SUSTAIN_SECONDS = 5.0  # hot for at least this long before warning: a GC pause or spawn burst is not an episode
TARGET_PER_PROCESS = 70.0  # what each process should run at after the load is spread
SAMPLE_INTERVAL = 3.0
MESSAGE = "loadlib_cpu_saturation"  # worker -> master custom message


STARVED_WAIT = 20.0  # mean run-queue wait (% of a core) above which an episode is starvation, not load


@dataclass(frozen=True)
class Episode:
    """One stretch of saturation: from the start of the first hot sample interval to the first cool sample.

    ``peak`` and ``mean`` are the demand (CPU used + run-queue wait, % of one core);
    ``mean_wait`` is the part of the mean spent waiting for a core others held.
    """

    started_at: float
    peak: float
    mean: float
    samples: int
    ended_at: float | None = None
    mean_wait: float = 0.0

    @property
    def starved(self) -> bool:
        return self.mean_wait >= STARVED_WAIT

    @property
    def mean_cpu(self) -> float:
        return self.mean - self.mean_wait

    def seconds(self, now: float) -> float:
        return (self.ended_at if self.ended_at is not None else now) - self.started_at


class CpuWatch:
    """Turns CPU samples (``psutil.Process().cpu_percent()``, % of one core) into episode starts and ends.

    ``observe(t, cpu, wait)`` returns "start" once when saturation (``cpu + wait``, the
    demand) has lasted ``sustain`` seconds, "end" when it is over, else None. A sample's
    values cover the interval since the previous sample, so the first sample only sets the clock.
    """

    def __init__(self, threshold: float = THRESHOLD, recover_below: float = RECOVER_BELOW,
                 sustain: float = SUSTAIN_SECONDS) -> None:
        self.threshold = threshold
        self.recover_below = recover_below
        self.sustain = sustain
        self.episode: Episode | None = None
        self.episodes: list[Episode] = []
        self._prev_t: float | None = None
        self._hot: list[tuple[float, float]] = []  # (demand, wait) of the current hot run, before it is an episode
        self._hot_since: float | None = None

    def observe(self, t: float, cpu: float, wait: float = 0.0) -> str | None:
        prev, self._prev_t = self._prev_t, t
        if prev is None:
            return None
        demand = cpu + wait
        if self.episode is not None:
            ep = self.episode
            if demand < self.recover_below:
                self.episode = None
                self.episodes[-1] = replace(ep, ended_at=prev)
                return "end"
            n = ep.samples + 1
            self.episode = self.episodes[-1] = replace(
                ep, peak=max(ep.peak, demand), samples=n, mean=ep.mean + (demand - ep.mean) / n,
                mean_wait=ep.mean_wait + (wait - ep.mean_wait) / n)
            return None
        if demand < self.threshold:
            self._hot, self._hot_since = [], None
            return None
        if self._hot_since is None:
            self._hot_since = prev
        self._hot.append((demand, wait))
        if t - self._hot_since < self.sustain:
            return None
        n = len(self._hot)
        self.episode = Episode(self._hot_since, max(d for d, _ in self._hot), sum(d for d, _ in self._hot) / n, n,
                               mean_wait=sum(w for _, w in self._hot) / n)
        self.episodes.append(self.episode)
        self._hot, self._hot_since = [], None
        return "start"

    def close(self, t: float) -> Episode | None:
        """End an open episode at ``t`` (the test stopped while saturated); returns it."""
        if self.episode is None:
            return None
        ep = self.episodes[-1] = replace(self.episode, ended_at=t)
        self.episode = None
        return ep


def suggest_processes(cpu_per_process: Sequence[float], target: float = TARGET_PER_PROCESS,
                      threshold: float = THRESHOLD) -> int:
    """How many generator processes the current load needs so each runs at about ``target`` %.

    A saturated process hides how much more it would use, so the answer is a floor:
    at least one more than now whenever any process is saturated.

    >>> suggest_processes([100.0])
    2
    >>> suggest_processes([95.0, 60.0, 99.0])
    4
    """
    total = sum(cpu_per_process)
    need = math.ceil(total / target) if total > 0 else 1
    if any(c >= threshold for c in cpu_per_process):
        need = max(need, len(cpu_per_process) + 1)
    return max(need, 1)


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def _starved(who: str, ep: Episode) -> str:
    return (f"{who} has needed {ep.mean:.0f}% of a CPU core since {_clock(ep.started_at)} but got only "
            f"{ep.mean_cpu:.0f}%: other processes on this machine held the core for the rest")


STARVED_ADVICE = ("Give the generator a core of its own (stop other work on this machine, or run it "
                  "on another machine): more processes on the same busy cores would not help.")


def local_message(ep: Episode, suggested: int) -> str:
    if ep.starved:
        return (f"loadlib: {_starved('this generator process', ep)}. The response times it reports include "
                f"that wait and are no longer trustworthy. {STARVED_ADVICE}")
    return (f"loadlib: this generator process has used {ep.mean:.0f}% of a CPU core since {_clock(ep.started_at)} "
            f"(peak {ep.peak:.0f}%). From here on the response times it reports include its own queueing and are "
            f"no longer trustworthy, and its request rate is capped by its own CPU, not by the target. "
            f"Spread the load over at least {suggested} processes: rerun with `--processes {suggested}` "
            f"(or a master with {suggested} workers), so each stays under {TARGET_PER_PROCESS:.0f}% CPU.")


def worker_message(worker: str, ep: Episode, workers: int, suggested: int) -> str:
    more = max(suggested - workers, 1)
    if ep.starved:
        return (f"loadlib: {_starved(f'worker {worker}', ep)}. Response times measured by that worker are no "
                f"longer trustworthy. Give each worker a core of its own (fewer workers or other processes "
                f"per machine).")
    return (f"loadlib: worker {worker} has used {ep.mean:.0f}% of a CPU core since {_clock(ep.started_at)} "
            f"(peak {ep.peak:.0f}%). Response times measured by that worker are no longer trustworthy, and its "
            f"share of the load is capped by its own CPU. This run has {workers} worker(s): add at least {more} "
            f"more ({suggested} in all) so each stays under {TARGET_PER_PROCESS:.0f}% CPU.")


def own_worker_message(ep: Episode) -> str:
    if ep.starved:
        return (f"loadlib: {_starved('this worker', ep)}. Response times it measures are no longer "
                f"trustworthy. The master has been told.")
    return (f"loadlib: this worker has used {ep.mean:.0f}% of a CPU core since {_clock(ep.started_at)} "
            f"(peak {ep.peak:.0f}%). Response times it measures are no longer trustworthy. The master has been "
            f"told; add workers so each stays under {TARGET_PER_PROCESS:.0f}% CPU.")


def master_message(ep: Episode) -> str:
    return (f"loadlib: the master process has used {ep.mean:.0f}% of a CPU core since {_clock(ep.started_at)} "
            f"(peak {ep.peak:.0f}%). It only aggregates, so this comes from the number of workers, request names "
            f"or web UI clients; stats and threshold checks may lag. Give the master its own core.")


def episode_note(who: str, ep: Episode, advice: str, now: float) -> str:
    """The line the end-of-run reports carry for one episode."""
    still = " (still saturated at the end)" if ep.ended_at is None else ""
    if ep.starved:
        return (f"Generator CPU starved: {who} needed {ep.mean:.0f}% of a core but got {ep.mean_cpu:.0f}% "
                f"(other processes held it) from {_clock(ep.started_at)} for {ep.seconds(now):.0f} s{still}; "
                f"latencies it measured in that window are not trustworthy. {STARVED_ADVICE}")
    return (f"Generator CPU saturated: {who} ran at {ep.mean:.0f}% of a core (peak {ep.peak:.0f}%) from "
            f"{_clock(ep.started_at)} for {ep.seconds(now):.0f} s{still}; latencies it measured in that window are "
            f"not trustworthy. {advice}")


class Watcher:
    """One process's watch, wired to its runner: feed it samples, it logs, notes and forwards."""

    def __init__(self, environment: Any, role: str, clock: Callable[[], float] = time.time) -> None:
        self.environment = environment
        self.role = role  # "local", "master" or "worker"
        self.clock = clock
        self.watch = CpuWatch()
        self._note_at: dict[str, int] = {}  # episode key -> index in state.RUN.notes
        self._remote: dict[str, Episode] = {}  # worker id -> its open episode (master only)

    # ---- this process
    def feed(self, t: float, cpu: float, wait: float = 0.0) -> None:
        event = self.watch.observe(t, cpu, wait)
        if event == "start":
            self._on_start(self.watch.episodes[-1])
        elif event == "end":
            self._on_end(self.watch.episodes[-1])

    def _on_start(self, ep: Episode) -> None:
        if self.role == "worker":
            logger.warning(own_worker_message(ep))
            self._send({"event": "start", **_ep_dict(ep)})
            return
        if self.role == "master":
            logger.warning(master_message(ep))
            self._note("self", episode_note("the master", ep, "Give the master its own core.", self.clock()))
            return
        suggested = suggest_processes([ep.mean])
        logger.warning(local_message(ep, suggested))
        self._note("self", episode_note("this generator process", ep, self._local_advice(suggested), self.clock()))

    def _on_end(self, ep: Episode, stopped: bool = False) -> None:
        now = self.clock()
        if self.role == "worker":
            self._send({"event": "end", **_ep_dict(ep)})
        elif self.role == "master":
            self._note("self", episode_note("the master", ep, "Give the master its own core.", now))
        else:
            self._note("self", episode_note("this generator process", ep,
                                            self._local_advice(suggest_processes([ep.mean])), now))
        if not stopped:
            logger.info(f"loadlib: generator CPU back below {RECOVER_BELOW:.0f}% after {ep.seconds(now):.0f} s")

    def stop(self) -> None:
        """The test stopped: close open episodes so the notes say how long they lasted."""
        ep = self.watch.close(self.clock())
        if ep is not None:
            self._on_end(ep, stopped=True)
        for worker, remote in list(self._remote.items()):
            self._remote_note(worker, remote)
        self._remote.clear()

    @staticmethod
    def _local_advice(suggested: int) -> str:
        return f"Rerun with `--processes {suggested}` or more (or {suggested}+ workers)."

    # ---- workers (master side)
    def on_worker_message(self, environment: Any, msg: Any, **_: Any) -> None:
        data, worker = msg.data or {}, str(msg.node_id)
        ep = Episode(data["started_at"], data["peak"], data["mean"], data["samples"], data.get("ended_at"),
                     data.get("mean_wait", 0.0))
        if data.get("event") == "start":
            self._remote[worker] = ep
            workers, suggested = self._worker_plan(worker, ep)
            logger.warning(worker_message(self._worker_label(worker), ep, workers, suggested))
        else:
            self._remote.pop(worker, None)
        self._remote_note(worker, ep)

    def _remote_note(self, worker: str, ep: Episode) -> None:
        workers, suggested = self._worker_plan(worker, ep)
        advice = f"This run had {workers} worker(s); use at least {suggested}."
        self._note(f"worker:{worker}", episode_note(f"worker {self._worker_label(worker)}", ep, advice,
                                                    self.clock()))

    def _worker_plan(self, worker: str, ep: Episode) -> tuple[int, int]:
        runner = self.environment.runner
        clients = getattr(runner, "clients", {}) or {}
        cpus = [ep.mean if str(cid) == worker else float(getattr(c, "cpu_usage", 0.0) or 0.0)
                for cid, c in clients.items()]
        if worker not in {str(cid) for cid in clients}:
            cpus.append(ep.mean)
        return len(cpus), suggest_processes(cpus)

    def _worker_label(self, worker: str) -> str:
        runner = self.environment.runner
        try:
            return f"{worker} (index {runner.get_worker_index(worker)})"
        except Exception:  # noqa: BLE001  (a label is best effort: the worker may have left)
            return worker

    # ---- plumbing
    def _send(self, data: dict[str, Any]) -> None:
        try:
            self.environment.runner.send_message(MESSAGE, data)
        except Exception as e:  # noqa: BLE001  (a lost warning must never stop the worker)
            logger.debug(f"loadlib: could not forward CPU warning to the master: {e}")

    def _note(self, key: str, text: str) -> None:
        notes = state.RUN.notes
        i = self._note_at.get(key)
        if i is not None and i < len(notes):
            notes[i] = text
        else:
            self._note_at[key] = len(notes)
            notes.append(text)


def _ep_dict(ep: Episode) -> dict[str, Any]:
    return {"started_at": ep.started_at, "peak": ep.peak, "mean": ep.mean, "samples": ep.samples,
            "ended_at": ep.ended_at, "mean_wait": ep.mean_wait}


def _role(runner: Any) -> str:
    from locust.runners import MasterRunner, WorkerRunner

    if isinstance(runner, MasterRunner):
        return "master"
    if isinstance(runner, WorkerRunner):
        return "worker"
    return "local"


def run_queue_wait_seconds(proc_dir: str = "/proc/self/task") -> float | None:
    """Seconds this process's threads have spent runnable but waiting for a core (None off Linux).

    Each ``/proc/self/task/<tid>/schedstat`` reads "run_ns wait_ns timeslices".
    """
    import os

    try:
        tids = os.listdir(proc_dir)
    except OSError:
        return None
    total = 0
    for tid in tids:
        try:
            with open(f"{proc_dir}/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a thread that just ended
    return total / 1e9


def _sample_forever(watcher: Watcher) -> None:
    import gevent
    import psutil

    process = psutil.Process()
    process.cpu_percent(None)  # the first reading only starts psutil's clock
    t_prev, wait_prev = time.monotonic(), run_queue_wait_seconds()
    watcher.feed(time.time(), 0.0)
    while True:
        gevent.sleep(SAMPLE_INTERVAL)
        cpu = process.cpu_percent(None)
        t, waited = time.monotonic(), run_queue_wait_seconds()
        wait = 0.0
        if waited is not None and wait_prev is not None and t > t_prev:
            wait = max(0.0, 100.0 * (waited - wait_prev) / (t - t_prev))
        t_prev, wait_prev = t, waited
        watcher.feed(time.time(), cpu, wait)


def _on_init(environment: Any, **_: Any) -> None:
    runner = getattr(environment, "runner", None)
    if runner is None:
        return
    import gevent

    watcher = Watcher(environment, _role(runner))
    if watcher.role == "master":
        runner.register_message(MESSAGE, watcher.on_worker_message)
    state.RUN.extras["efficiency"] = watcher
    greenlet = gevent.spawn(_sample_forever, watcher)
    state.RUN.extras["efficiency_greenlet"] = greenlet


def _on_test_stop(environment: Any, **_: Any) -> None:
    watcher = state.RUN.extras.get("efficiency")
    if watcher is not None:
        watcher.stop()


def _on_quitting(environment: Any, **_: Any) -> None:
    greenlet = state.RUN.extras.pop("efficiency_greenlet", None)
    if greenlet is not None:
        greenlet.kill(block=False)


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init.add_listener(_on_init)
    events.test_stop.add_listener(_on_test_stop)
    events.quitting.add_listener(_on_quitting)

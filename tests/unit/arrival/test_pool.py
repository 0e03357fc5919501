"""The VU pool's decisions: run, wait for a spawning VU, or drop (k6's dropped_iterations)."""

from __future__ import annotations

from loadlib.arrival.pool import VuPool


def pool_with(n: int, pre: int, mx: int, **kw: object) -> VuPool:
    p = VuPool(pre, mx, **kw)  # type: ignore[arg-type]
    for i in range(n):
        p.attach(f"u{i}", 0.0)
    return p


def test_idle_preallocated_vu_runs_the_start() -> None:
    p = pool_with(2, 2, 2)
    d = p.offer(0.0, 0.0)
    assert d.kind == "run" and d.vu in ("u0", "u1")
    assert p.stats().busy == 1


def test_the_vu_that_freed_last_runs_the_next_start() -> None:
    p = pool_with(3, 3, 3)
    a, b = p.offer(0.0, 0.0).vu, p.offer(0.1, 0.1).vu
    p.ready(a, 0.2)
    p.ready(b, 0.3)
    assert p.offer(0.4, 0.4).vu == b  # warm connection; the others stay idle
    assert p.stats().peak_busy == 2


def test_another_vu_is_activated_up_to_max_then_drops() -> None:
    p = pool_with(3, 1, 3)
    assert [p.offer(t, t).kind for t in (0.0, 0.1, 0.2)] == ["run", "run", "run"]
    st = p.stats()
    assert (st.active, st.busy, st.peak_busy) == (3, 3, 3)
    d = p.offer(0.3, 0.3)
    assert d.kind == "drop" and d.first_drop
    assert p.offer(0.4, 0.4).kind == "drop"
    assert p.stats().dropped == 2


def test_freed_vu_is_reused_no_drop() -> None:
    p = pool_with(1, 1, 1)
    d = p.offer(0.0, 0.0)
    assert p.ready(d.vu, 0.05) is None  # nothing waiting: it goes idle
    assert p.offer(0.1, 0.1).kind == "run"
    assert p.stats().dropped == 0


def test_start_waits_for_a_vu_still_spawning() -> None:
    p = VuPool(2, 2)
    assert p.offer(0.0, 0.0).kind == "wait"
    assert p.offer(0.1, 0.1).kind == "wait"
    assert p.offer(0.2, 0.2).kind == "wait"  # k6 has its VUs before the clock starts; Locust spawns them after
    d = p.ready("late", 0.3)  # the first user attaches: it takes the oldest waiting start
    assert d is not None and d.kind == "run" and d.scheduled == 0.0
    assert p.stats().waiting == 2
    p.ready("later", 0.3)
    d = p.ready("late", 0.35)
    assert d is not None and d.scheduled == 0.2
    assert p.offer(0.4, 0.4).kind == "drop"  # both VUs exist and are busy: maxVUs reached
    assert p.stats().dropped == 1


def test_latency_from_schedule_queues_instead_of_dropping() -> None:
    p = pool_with(1, 1, 1, queue_when_full=True, max_wait_s=1.0)
    first = p.offer(0.0, 0.0)
    assert p.offer(0.1, 0.1).kind == "wait"
    later = p.ready(first.vu, 0.5)
    assert later is not None and later.scheduled == 0.1  # runs late; its lag shows the stall
    assert p.offer(0.6, 0.6).kind == "wait"
    p.expire(2.0)
    assert p.stats().dropped == 1  # waited longer than max_wait_s


def test_flush_drops_what_still_waits() -> None:
    p = VuPool(1, 1)
    p.offer(0.0, 0.0)
    p.flush()
    assert p.stats().dropped == 1 and p.stats().waiting == 0


def test_detached_vu_is_never_handed_a_start() -> None:
    p = pool_with(2, 2, 2)
    p.detach("u1")
    assert p.offer(0.0, 0.0).vu == "u0"
    assert p.offer(0.1, 0.1).kind == "wait"  # fewer than maxVUs attached: Locust may spawn one again

"""Locust users under an arrival-rate scenario: one iteration per scheduled start, no loop of their own.

``install(cls, runtime)`` replaces the class's ``run`` (Locust's user
greenlet body) for the duration of a run; locustfile authors write ordinary
users and never see it. The replacement does what ``User.run`` does
(``on_start``, tasks, ``on_stop``, Locust's exception rules) except that
instead of looping ``task, wait_time, task, ...`` it parks until the
executor hands it a start, then runs exactly one task pick + execution, as
Locust would pick it (weights, ``schedule_task`` queue, nested TaskSets one
task at a time), then parks again. ``wait_time`` is not used: the schedule
paces the iterations.

A user whose class also runs a closed-model scenario, and is not needed by
an arrival pool, runs Locust's own loop unchanged.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from gevent import GreenletExit, getcurrent
from locust.exception import InterruptTaskSet, RescheduleTask, RescheduleTaskImmediately, StopTest, StopUser
from locust.user.task import (
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    DefaultTaskSet,
    TaskSet,
)

from loadlib.arrival.runtime import ArrivalRuntime, Ticket, VuHandle

logger = logging.getLogger("loadlib.arrival")

_ORIGINAL = "_loadlib_original_run"


def install(cls: type, runtime: ArrivalRuntime) -> None:
    """Make ``cls`` run iterations on ``runtime``'s schedule (idempotent; ``uninstall`` restores it)."""
    if _ORIGINAL not in cls.__dict__:
        setattr(cls, _ORIGINAL, cls.__dict__.get("run"))
    original: Any = getattr(cls, "run")  # noqa: B009  (a user class, typed loosely as ``type``)
    if getattr(original, "_loadlib_arrival", False):
        original = original._loadlib_closed

    def run(self: Any) -> None:
        _run(self, runtime, original)

    run._loadlib_arrival = True  # type: ignore[attr-defined]
    run._loadlib_closed = original  # type: ignore[attr-defined]
    cls.run = run  # type: ignore[attr-defined]


def uninstall(cls: type) -> None:
    if _ORIGINAL not in cls.__dict__:
        return
    saved = cls.__dict__[_ORIGINAL]
    delattr(cls, _ORIGINAL)
    if saved is None:
        delattr(cls, "run")
    else:
        cls.run = saved  # type: ignore[attr-defined]


def _run(user: Any, runtime: ArrivalRuntime, closed_run: Any) -> None:
    vu = runtime.attach(user)
    if vu is None:
        closed_run(user)
        return
    # mirrors locust.user.users.User.run
    user._state = LOCUST_STATE_RUNNING
    user._taskset_instance = DefaultTaskSet(user)
    try:
        try:
            user.on_start()
        except Exception as e:
            logger.error("%s\n%s", e, traceback.format_exc())
            if not isinstance(e, (StopUser, StopTest)):
                user.environment.events.user_error.fire(user_instance=user, exception=e, tb=e.__traceback__)
            raise
        try:
            while True:
                user._state = LOCUST_STATE_WAITING  # idle VUs die at once when Locust stops them
                ticket = vu.next()
                if user._state == LOCUST_STATE_STOPPING:
                    raise StopUser()
                user._state = LOCUST_STATE_RUNNING
                _iteration(user, runtime, vu, ticket)
                if user._state == LOCUST_STATE_STOPPING:
                    raise StopUser()
        finally:
            vu.detach()
    except (GreenletExit, StopUser, StopTest):
        user.on_stop()


def _iteration(user: Any, runtime: ArrivalRuntime, vu: VuHandle, ticket: Ticket) -> None:
    key = getcurrent()
    runtime.began(key, vu, ticket)
    try:
        _one_task(user, user._taskset_instance)
    except (RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet):
        pass  # the task gave up its turn: the iteration is over
    except (StopUser, StopTest, GreenletExit):
        raise
    except Exception as e:
        user.environment.events.user_error.fire(user_instance=user._taskset_instance, exception=e,
                                                tb=e.__traceback__)
        if not user.environment.catch_exceptions:
            raise
        logger.error("%s\n%s", e, traceback.format_exc())
    finally:
        runtime.ended(key, vu, ticket)


def _one_task(user: Any, taskset: TaskSet) -> None:
    """Pick and run one task of ``taskset`` as its own loop would; a nested TaskSet runs one of its tasks."""
    task = taskset._task_queue.popleft() if taskset._task_queue else taskset.get_next_task()
    if not (isinstance(task, type) and issubclass(task, TaskSet)):
        taskset.execute_task(task)
        return
    # nested TaskSets live across iterations (their on_start runs once), until they interrupt()
    nested_sets: dict[type, TaskSet] = user.__dict__.setdefault("_loadlib_nested", {})
    nested = nested_sets.get(task)
    if nested is None:
        parent: Any = user if isinstance(taskset, DefaultTaskSet) else taskset
        nested = task(parent)
        nested_sets[task] = nested
        nested.on_start()
    try:
        _one_task(user, nested)
    except InterruptTaskSet:
        nested_sets.pop(task, None)
        nested.on_stop()
        raise

"""The faults hub module: timeouts applied to user classes, log records redacted and de-duplicated."""

from __future__ import annotations

import logging

import pytest

locust = pytest.importorskip("locust")

from locust.contrib.fasthttp import FastHttpUser  # noqa: E402

from loadlib.plugin import faults  # noqa: E402
from loadlib.redact import add_secret  # noqa: E402


def test_profile_timeout_applies_unless_the_class_sets_its_own() -> None:
    class Plain(FastHttpUser):
        pass

    class Own(FastHttpUser):
        network_timeout = 7.0

    class Requests(locust.HttpUser):
        pass

    class RequestsOwn(locust.HttpUser):
        network_timeout = 3.0

    applied = faults.apply_timeouts([Plain, Own, Requests, RequestsOwn], 1.5)
    assert applied == ["Plain", "Requests"]
    assert (Plain.network_timeout, Plain.connection_timeout) == (1.5, 1.5)
    assert Own.network_timeout == 7.0 and Own.connection_timeout == 60.0
    assert Requests.network_timeout == 1.5 and RequestsOwn.network_timeout == 3.0
    # a later run in the same process may set another value: ours is not "the class's own"
    assert faults.apply_timeouts([Plain], 60.0) == ["Plain"] and Plain.network_timeout == 60.0


def _record(msg: str, *args: object, level: int = logging.ERROR, name: str = "locust.user.task") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_redact_filter_masks_message_and_traceback() -> None:
    add_secret("hub-test-secret-123")
    rec = _record("failed with %s", "hub-test-secret-123")
    rec.exc_text = "Traceback ...\nValueError: hub-test-secret-123"
    assert faults.RedactFilter().filter(rec)
    assert rec.getMessage() == "failed with [REDACTED]"
    assert "hub-test-secret-123" not in rec.exc_text


def test_task_exceptions_one_line_per_kind() -> None:
    f = faults.TaskErrorFilter()
    bad = ValueError("Expecting value: line 1 column 1 (char 0)")
    bad_json = type("JSONDecodeError", (ValueError,), {})("Expecting value")
    first = _record("%s\n%s", bad_json, "Traceback (most recent call last): ...")
    assert f.filter(first) and "\n" not in first.getMessage()
    assert first.getMessage().startswith("task exception (bad_body): JSONDecodeError")
    assert not f.filter(_record("%s\n%s", bad_json, "Traceback ..."))
    script_bug = _record("%s\n%s", bad, "Traceback (most recent call last): ...")
    assert f.filter(script_bug) and "Traceback" in script_bug.getMessage()  # a script bug keeps its traceback
    assert not f.filter(_record("%s\n%s", bad, "Traceback ..."))
    assert f.suppressed == 2
    assert f.filter(_record("plain %s", "message"))  # not an exception record: untouched

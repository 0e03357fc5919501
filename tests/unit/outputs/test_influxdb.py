"""InfluxDB output: URL validation, line protocol, per-interval points, bounded buffer with retries."""

from __future__ import annotations

import pytest

from loadlib.errors import ConfigError
from loadlib.metrics import MetricType, Registry, ValueKind, tagset
from loadlib.outputs.influxdb import InfluxBuffer, IntervalPoints, line, parse_url


def test_parse_url_as_k6() -> None:
    t = parse_url("http://127.0.0.1:8086/k6")
    assert (t.base, t.db, t.write_url) == ("http://127.0.0.1:8086", "k6", "http://127.0.0.1:8086/write?db=k6&precision=ms")
    auth = parse_url("https://user:s3cret@influx.example:8443/loadtests/")
    assert auth.db == "loadtests" and auth.headers()["Authorization"].startswith("Basic ")
    assert "s3cret" not in str(auth)


@pytest.mark.parametrize(("url", "words"), [
    ("127.0.0.1:8086/k6", "http://"),
    ("http://127.0.0.1:8086", "database"),
    ("http://127.0.0.1:8086/a/b", "database"),
    ("http://127.0.0.1:port/k6", "port"),
    ("ftp://h/k6", "http://"),
])
def test_bad_urls_are_config_errors_naming_the_value(url: str, words: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_url(url)
    assert e.value.exit_code == 104
    assert url in str(e.value) and words in str(e.value)


def test_line_protocol_escaping() -> None:
    got = line("http reqs", [("name", "GET /a,b=c"), ("status", "200"), ("empty", "")],
               {"value": 1.5, "count": 3, "note": 'say "hi"'}, 1700000000123)
    assert got == 'http\\ reqs,name=GET\\ /a\\,b\\=c,status=200 value=1.5,count=3i,note="say \\"hi\\"" 1700000000123'


def _reg() -> tuple[Registry, dict]:
    reg = Registry(clock=lambda: 0.0)
    d = {"reqs": reg.define("http_reqs", MetricType.COUNTER),
         "dur": reg.define("http_req_duration", MetricType.TREND, ValueKind.TIME),
         "failed": reg.define("http_req_failed", MetricType.RATE),
         "vus": reg.define("vus", MetricType.GAUGE)}
    return reg, d


def _parse(lines: list[str]) -> dict[str, dict[str, str]]:
    out = {}
    for ln in lines:
        head, fields, _ts = ln.split(" ")
        out[head] = dict(f.split("=") for f in fields.split(","))
    return out


def test_points_are_per_interval_and_only_for_series_that_changed() -> None:
    reg, d = _reg()
    ok = tagset({"name": "buy", "status": "200"})
    ip = IntervalPoints()
    for v in (10.0, 20.0, 30.0):
        reg.add(d["reqs"], 1.0, ok)
        reg.add(d["dur"], v, ok)
        reg.add(d["failed"], False, ok)
    reg.add(d["vus"], 3.0)
    first = _parse(ip.points(reg.snapshot(1.0), now=100.0))
    assert first["http_reqs,name=buy,status=200"] == {"value": "3.0", "rate": "3.0", "total": "3.0"}
    assert first["http_req_failed,name=buy,status=200"] == {"value": "0.0", "passes": "0i", "fails": "3i"}
    dur = first["http_req_duration,name=buy,status=200"]
    assert dur["count"] == "3i" and float(dur["p50"]) == pytest.approx(20.0, rel=1e-3)
    assert first["vus"] == {"value": "3.0"}

    reg.add(d["reqs"], 1.0, ok)
    reg.add(d["dur"], 1000.0, ok)
    second = _parse(ip.points(reg.snapshot(3.0), now=102.0))
    assert second["http_reqs,name=buy,status=200"] == {"value": "1.0", "rate": "0.5", "total": "4.0"}
    dur = second["http_req_duration,name=buy,status=200"]
    # only this interval's sample: percentiles of {1000}, not of the whole run
    assert dur["count"] == "1i" and float(dur["p50"]) == pytest.approx(1000.0, rel=1e-3)
    assert float(dur["min"]) == pytest.approx(1000.0, rel=1e-3)
    assert "http_req_failed,name=buy,status=200" not in second  # unchanged: no point
    assert "vus" in second  # gauges every interval

    ts = {ln.rsplit(" ", 1)[1] for ln in ip.points(reg.snapshot(4.0), now=103.5)}
    assert ts == {"103500"}


class FakeInflux:
    def __init__(self) -> None:
        self.up = True
        self.bodies: list[bytes] = []

    def __call__(self, target, body: bytes) -> None:
        if not self.up:
            raise ConnectionRefusedError(111, "Connection refused")
        self.bodies.append(body)

    @property
    def lines(self) -> list[str]:
        return [ln for b in self.bodies for ln in b.decode().splitlines()]


def test_buffer_batches_and_delivers_in_order() -> None:
    sink = FakeInflux()
    buf = InfluxBuffer(parse_url("http://h:1/db"), sink, batch=3)
    buf.add(f"m v={i} {i}" for i in range(7))
    assert buf.send_due() is True
    assert [len(b.decode().splitlines()) for b in sink.bodies] == [3, 3, 1]
    assert sink.lines == [f"m v={i} {i}" for i in range(7)] and buf.sent == 7 and len(buf) == 0


def test_outage_keeps_points_backs_off_and_resumes_without_loss() -> None:
    now = [0.0]
    sink = FakeInflux()
    buf = InfluxBuffer(parse_url("http://h:1/db"), sink, clock=lambda: now[0])
    sink.up = False
    buf.add(["a 1", "b 2"])
    assert buf.send_due() is False and buf.failing and len(buf) == 2
    assert "refused" in (buf.last_error or "").lower()
    now[0] = 0.5
    buf.add(["c 3"])
    assert buf.send_due() is False and buf.failures == 1  # backing off: no attempt before 1 s
    now[0] = 1.0
    assert buf.send_due() is False and buf.failures == 2  # tried again, next wait 2 s
    now[0] = 2.5
    sink.up = True
    assert buf.send_due() is False and buf.failures == 2  # still inside the 2 s backoff
    now[0] = 3.0
    assert buf.send_due() is True
    assert sink.lines == ["a 1", "b 2", "c 3"] and not buf.failing and buf.dropped == 0


def test_buffer_is_bounded_and_counts_what_it_drops() -> None:
    sink = FakeInflux()
    sink.up = False
    buf = InfluxBuffer(parse_url("http://h:1/db"), sink, max_points=5)
    buf.add(f"p {i}" for i in range(8))
    buf.send_due()
    assert len(buf) == 5 and buf.dropped == 3
    sink.up = True
    assert buf.send_due(force=True) is True
    assert sink.lines == [f"p {i}" for i in range(3, 8)]  # the oldest went first

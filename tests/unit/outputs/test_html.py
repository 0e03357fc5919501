from html.parser import HTMLParser

from loadlib.outputs import html
from tests.unit.outputs.fixtures import result


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.rows: list[tuple[str, list[str]]] = []
        self._row: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self._row = (dict(attrs).get("class") or "", [])

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None and data.strip():
            self._row[1].append(data.strip())


def _parse(**kw) -> _Collect:
    p = _Collect()
    p.feed(html.render(result(**kw), test_type="api_read_load").decode("utf-8"))
    p.close()
    return p


def test_header_status_and_self_contained():
    p = _parse()
    header = next(a for t, a in p.tags if t == "header")
    assert header["class"] == "failed"
    assert "FAILED" in p.text
    # nothing fetched from the network: no script, no external stylesheet or image
    assert not [t for t, a in p.tags if t in ("script", "link", "img")]
    assert not [a for t, a in p.tags if any(v and "http" in v and k in ("src", "href") for k, v in a.items())]


def test_threshold_rows_and_slo_matrix_are_green_and_red():
    p = _parse()
    thresholds = [cells for cls, cells in p.rows if cls.startswith("threshold")]
    assert len(thresholds) == 4
    assert [cls for cls, _ in p.rows if cls.startswith("threshold")] == [
        "threshold fail", "threshold ok", "threshold ok", "threshold fail"]
    assert thresholds[0][:3] == ["http_req_duration", "p(95)<500", "p(95)=505ms"]
    slo = {cells[0]: cells[-1] for cls, cells in p.rows if cls == "slo"}
    assert slo == {"p50": "met", "p95": "NOT MET", "p99": "met", "error_rate": "NOT MET"}
    checks = [cells for cls, cells in p.rows if cls == "check"]
    assert checks[0] == ["status is 200", "90", "10", "90.00%", "✗"]


def test_svg_charts_from_the_timeline():
    p = _parse()
    charts = [a["data-chart"] for t, a in p.tags if t == "svg"]
    assert charts == ["rps", "vus", "error_rate", "latency"]
    lines = [a for t, a in p.tags if t == "polyline"]
    assert len(lines) >= 6  # rps; vus actual+target; errors; p50, p95, p99 (p99 broken by one gap)
    assert all(a["points"] for a in lines)


def test_text_is_escaped():
    doc = html.render(result(), test_type="x").decode()
    assert "<script>" not in doc
    assert "payments&lt;script&gt;" in doc
    assert "body &lt;b&gt;ok&lt;/b&gt;" in doc


def test_passed_and_interrupted_headers():
    assert next(a for t, a in _parse(status="passed", exit_code=0, thresholds=()).tags if t == "header")["class"] \
        == "passed"
    p = _parse(status="interrupted", exit_code=105, interrupted=True)
    assert next(a for t, a in p.tags if t == "header")["class"] == "interrupted"
    assert "INTERRUPTED" in p.text and "interrupted" in p.text

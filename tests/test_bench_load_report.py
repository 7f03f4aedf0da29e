"""The load test's report (bench/load_report.py): Locust's CSV read back, CSV/SVG written, bad input refused."""

import csv
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from load_report import csv_write, stats_read, svg_write, table

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)
ROWS = [
    "GET,field: GET my tasks today,120,0,21,25.3,9,310,800,4.0,0.0,21,24,27,30,40,55,80,120,300,310,310",
    "POST,field: POST punch in,30,2,35,40.1,20,150,300,1.0,0.07,35,38,40,44,60,90,140,150,150,150,150",
    ",Aggregated,150,2,23,28.1,9,310,700,5.0,0.07,23,26,29,32,45,60,100,130,300,310,310",
]


@pytest.fixture
def stats(tmp_path: Path) -> Path:
    path = tmp_path / "locust_stats.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


def test_stats_are_read_per_type_with_the_aggregate_apart(stats: Path) -> None:
    rows, total = stats_read(stats)
    assert [r.name for r in rows] == ["field: GET my tasks today", "field: POST punch in"]
    assert (total.requests, total.errors, total.p50_ms, total.p95_ms, total.p99_ms) == (150, 2, 23, 60, 130)
    assert rows[1].errors == 2 and rows[1].rps == 1.0


def test_a_run_without_an_aggregate_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "empty_stats.csv"
    path.write_text(HEADER + "\n")
    with pytest.raises(SystemExit, match="no Aggregated row"):
        stats_read(path)


def test_csv_and_svg_are_written(stats: Path, tmp_path: Path) -> None:
    rows, total = stats_read(stats)
    rows[0].queries = 7
    csv_write(tmp_path / "load.csv", rows, total)
    written = list(csv.DictReader((tmp_path / "load.csv").open()))
    assert [r["name"] for r in written] == [*(r.name for r in rows), "Aggregated"]
    assert written[0]["queries"] == "7"
    svg_write(tmp_path / "load.svg", rows, "Load <test>")
    chart = ElementTree.parse(tmp_path / "load.svg").getroot()  # noqa: S314 - a file this test just wrote
    assert chart.tag.endswith("svg")
    assert len([e for e in chart.iter() if e.tag.endswith("rect")]) >= 3 * len(rows)
    assert "| field: POST punch in | 30 | 2 |" in table(rows, total)

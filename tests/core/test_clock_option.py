"""The suite's --clock option: every test but the browser ones runs at the moved clock, and CI's daily
pick of instants visits all of them within a few days."""
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.clock import CLOCKS, clocks_for_day, parse_clock

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
from datetime import datetime, timezone
import pytest

def test_plain():
    print("\\nPLAIN", datetime.now(timezone.utc).isoformat())

@pytest.mark.browser
def test_in_a_browser():
    print("\\nBROWSER", datetime.now(timezone.utc).isoformat())
'''


def test_four_days_of_ci_runs_visit_every_instant():
    visited = set()
    for offset in range(4):
        picked = clocks_for_day(date(2027, 1, 1) + timedelta(days=offset))
        assert len(set(picked)) == 3
        visited.update(picked)
    assert visited == set(CLOCKS)


def test_names_and_instants_parse_and_nonsense_is_a_usage_error():
    assert parse_clock("leap-day").isoformat() == "2028-02-29T12:00:00+00:00"
    assert parse_clock("2027-06-15T23:50").isoformat() == "2027-06-15T23:50:00+00:00"
    assert parse_clock("2027-06-15T23:50+05:30").utcoffset() == timedelta(hours=5, minutes=30)
    with pytest.raises(pytest.UsageError):
        parse_clock("tomorrow")


def test_the_option_moves_the_clock_of_every_test_but_the_browser_ones(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(probe), "-s", "-p", "tests.clock", "--clock=leap-day",
         "-p", "no:cacheprovider", "-o", "addopts=", "-o", "markers=browser", "--rootdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(("PLAIN", "BROWSER")))
    assert lines["PLAIN"].startswith("2028-02-29T12:00:0")
    assert not lines["BROWSER"].startswith("2028-02-29")
    assert "clock moved to 2028-02-29T12:00:00+00:00" in result.stdout

"""The README a newcomer reads first: how to try the app comes first, with the logins and test cards,
and the table of environment variables last; what it says about the scheduler, CI and the test suite
is what the code does."""
import re
from pathlib import Path

from django.conf import settings

from tests.video import live

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


def _sections() -> list[str]:
    return re.findall(r"^## (.+)$", README, re.MULTILINE)


def test_try_it_comes_first_with_the_logins_and_test_cards_and_the_variables_come_last():
    sections = _sections()
    assert sections[0] == "Try it" and sections[-1] == "Environment variables", sections
    try_it = README.split("\n## Try it\n", 1)[1].split("\n## ", 1)[0]
    for needed in ("make run", "customer@serene.test", "expert@serene.test", "admin@serene.test", "serene-demo-2026",
                   "4111 1111 1111 1111", "success@razorpay", "failure@razorpay", "/dev/mail/"):
        assert needed in try_it, needed


def test_the_scheduler_s_jobs_are_counted_as_the_settings_list_them():
    jobs = len(settings.SCHEDULED_TASKS) + len(settings.SCHEDULED_TASKS_AT_START)
    assert f"queues {NUMBER_WORDS[jobs]} jobs" in README
    timed = NUMBER_WORDS[len(settings.SCHEDULED_TASKS)]
    assert f"{timed} on a timer" in README
    assert "queues the payments sweep every few minutes" not in README


def test_no_promise_the_seed_does_not_always_keep():
    assert "The seed prints its time." not in README
    assert "no session to join this time" in README  # what the seed says when Sarah is booked


def test_what_ci_installs_is_what_the_readme_says_and_what_off_ci_needs():
    ci = (ROOT / ".ci" / "run").read_text()
    for package in ("chromium", "coturn", "redis-server", "nginx", "npm", "default-jre-headless"):
        assert re.search(rf"apt-get install .*\b{package}\b", ci), package
        assert package in README, package
    assert "make axe" in ci and "make vnu" in ci
    python = re.search(r'requires-python = ">=(\d+\.\d+)', (ROOT / "pyproject.toml").read_text()).group(1)
    for needed in (f"Python {python}", "root", "apt-get", "PyPI", "npm registry"):
        assert needed in README, needed


def test_what_the_suite_uses_is_written_down():
    assert live.REDIS_URL.endswith("/7") and "Redis database 7" in README
    assert "`test_…`" in README  # pytest-django's copy of the PostgreSQL database
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        assert f"var/{Path(settings.DATABASES['default']['TEST']['NAME']).name}" in README
    assert "never 8000" in README

"""Serene's production settings with one more address, /test/slow, for the serving tests: a request
that takes as long as it is told to (tests/core/test_serving.py)."""
from serene.settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.slow_urls"

"""Serene's production settings with one more address, /test/slow, for the serving tests: a request
that takes as long as it is told to (tests/core/test_serving.py)."""
from serene.settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.slow_urls"
# Pages render without `collectstatic` having run (the 503 page links the style sheet).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

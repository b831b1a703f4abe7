"""PLATFORM_FEE_PERCENT is a number from 0 to 100 (decimals allowed); anything else stops start-up."""
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from .test_settings import ROOT, _run_settings


@pytest.mark.parametrize("value", ["abc", "-1", "100.5", "NaN", "Infinity"])
def test_a_fee_that_is_not_a_percentage_stops_start_up(value):
    result = _run_settings({"DEBUG": "true", "PLATFORM_FEE_PERCENT": value})
    assert result.returncode != 0
    assert "PLATFORM_FEE_PERCENT must be a number from 0 to 100" in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("", Decimal("15")), ("12.5", Decimal("12.5")), ("0", Decimal("0"))])
def test_the_fee_defaults_to_fifteen_percent_and_takes_decimals(raw, expected):
    script = "import django; django.setup(); from django.conf import settings; print(settings.PLATFORM_FEE_PERCENT)"
    env = {**os.environ, "DEBUG": "true", "PLATFORM_FEE_PERCENT": raw, "DJANGO_SETTINGS_MODULE": "serene.settings"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert Decimal(result.stdout.strip()) == expected

"""The settings' reader (serene/settings/env.py): django-environ's Env held to the rules the settings
kept before it, where the library's own casts are looser."""
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from serene.settings.env import Env


def reader(**variables: str) -> Env:
    env = Env()
    env.ENVIRON = variables
    return env


def test_a_value_starting_with_a_dollar_is_taken_as_written_not_as_another_variables_name():
    # django-environ would read "$ecret" as "the value of the variable ecret"; Django's own generated
    # secret keys may start with "$".
    assert reader(SECRET_KEY="$ecret", ecret="other").str("SECRET_KEY", "") == "$ecret"


def test_a_blank_switch_number_or_list_takes_its_default_and_a_blank_text_stays_blank():
    env = reader(DEBUG=" ", EMAIL_PORT="", ALLOWED_HOSTS="  ", BRAND_NAME="")
    assert env.bool("DEBUG", False) is False
    assert env.int("EMAIL_PORT", 587) == 587
    assert env.list("ALLOWED_HOSTS", default=["a"]) == ["a"]
    assert env.str("BRAND_NAME", "Serene") == ""
    assert env.str("UNSET", "fallback") == "fallback"


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), (" on ", True), ("TRUE", True),
                                               ("0", False), ("no", False), ("off", False), ("False", False)])
def test_switches_take_the_usual_words(raw, expected):
    assert reader(FLAG=raw).bool("FLAG", not expected) is expected


@pytest.mark.parametrize(("method", "raw", "message"), [
    ("bool", "maybe", "FLAG must be true or false, not 'maybe'."),
    ("bool", "ok", "FLAG must be true or false, not 'ok'."),  # django-environ would take "ok" as true
    ("int", "1.5", "FLAG must be a whole number, not '1.5'."),
    ("int", "10s", "FLAG must be a whole number, not '10s'."),  # django-environ's float would drop the s
    ("seconds", "soon", "FLAG must be a number of seconds, not 'soon'."),
    ("seconds", "-1", "FLAG must be 0 or more seconds, not '-1'."),
    ("seconds", "inf", "FLAG must be 0 or more seconds, not 'inf'."),
    ("percent", "abc", "FLAG must be a number from 0 to 100."),
    ("percent", "100.5", "FLAG must be a number from 0 to 100."),
    ("percent", "NaN", "FLAG must be a number from 0 to 100."),
])
def test_a_value_that_is_not_what_the_setting_needs_stops_start_up_naming_the_variable(method, raw, message):
    defaults = {"bool": False, "int": 1, "seconds": 1.0, "percent": Decimal("1")}
    with pytest.raises(ImproperlyConfigured) as refusal:
        getattr(reader(FLAG=raw), method)("FLAG", defaults[method])
    assert str(refusal.value) == message


def test_numbers_seconds_percentages_and_lists_read_as_before():
    env = reader(N=" 7 ", S="0.25", P=" 12.5 ", L=" a, b ,,c ,")
    assert env.int("N", 1) == 7
    assert env.seconds("S", 1.0) == 0.25
    assert env.percent("P", Decimal("15")) == Decimal("12.5")
    assert env.list("L", default=[]) == ["a", "b", "c"]

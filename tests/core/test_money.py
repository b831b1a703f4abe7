import pytest

from serene.core.money import format_money, minor_to_major, price_for_duration


@pytest.mark.parametrize(("minutes", "expected"), [(30, 75000), (60, 150000), (90, 225000), (120, 300000)])
def test_price_for_duration_matches_the_brief(minutes, expected):
    assert price_for_duration(hourly_rate_minor=150000, duration_minutes=minutes) == expected


def test_price_rounds_half_up_to_a_whole_paisa():
    # ₹999.99 an hour for 30 minutes is 49999.5 paise → 50000.
    assert price_for_duration(hourly_rate_minor=99999, duration_minutes=30) == 50000
    assert price_for_duration(hourly_rate_minor=99997, duration_minutes=30) == 49999


def test_price_rejects_nonsense():
    with pytest.raises(ValueError):
        price_for_duration(hourly_rate_minor=100, duration_minutes=0)


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (150000, "INR", "₹1,500"), (75000, "INR", "₹750"), (15000000, "INR", "₹1,50,000"),
    (75050, "INR", "₹750.50"), (123456789, "INR", "₹12,34,567.89"), (150000, "USD", "$1,500"),
    (-5000, "INR", "-₹50"),
])
def test_format_money(minor, currency, text):
    assert format_money(minor, currency) == text


def test_minor_to_major_keeps_whole_amounts_whole():
    assert minor_to_major(150000) == 1500 and isinstance(minor_to_major(150000), int)
    assert minor_to_major(75050) == 750.5

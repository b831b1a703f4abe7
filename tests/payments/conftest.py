"""Fixtures shared by the payment tests."""
import pytest

from tests.factories import ExpertFactory


@pytest.fixture
def sarah():
    """The expert most payment tests book: Rs 1,500 an hour, bookable at once."""
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)

"""Fixtures shared by the payment tests."""
import pytest

from tests.factories import ExpertFactory


@pytest.fixture
def sarah():
    """The expert most payment tests book: Rs 1,500 an hour, bookable at once."""
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)


@pytest.fixture
def quiet(settings):
    """The emulator records its webhooks but does not send them; tests deliver them by hand."""
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False

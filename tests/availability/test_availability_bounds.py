"""Dates at the edges of the calendar are a 400 naming the parameter, never an overflow 500."""
import pytest

from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sarah():
    return ExpertFactory(slug="sarah", minimum_notice_hours=0)


@pytest.mark.parametrize(("query", "field"), [
    ("availability?date=9999-12-31", "date"), ("availability?date=0001-01-01", "date"),
    ("availability?date=9999-12-31&tz=Pacific/Kiritimati&dateTz=Pacific/Kiritimati", "date"),
    ("availability?date=0001-01-01&dateTz=Etc/GMT%2B12", "date"), ("availability?date=1999-12-31", "date"),
    ("availability?date=2101-01-01", "date"), ("availability?date=2026-01-15&duration=15", "duration"),
    ("availability?date=2026-01-15&tz=%00", "tz"),
    ("available-dates?month=9999-12", "year"), ("available-dates?month=12&year=9999", "year"),
    ("available-dates?month=1&year=1", "year"), ("available-dates?month=0001-01", "year"),
    ("available-dates?month=99999-01", "month"), ("available-dates?month=1&year=2026&duration=0", "duration"),
])
def test_out_of_range_dates_are_a_400_naming_the_parameter(client, query, field):
    response = client.get(f"/api/v1/experts/sarah/{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("query", [
    "availability?date=2000-01-01&dateTz=Etc/GMT%2B12", "availability?date=2100-12-31&dateTz=Pacific/Kiritimati",
    "available-dates?month=1&year=2000&tz=Etc/GMT%2B12", "available-dates?month=2100-12&tz=Pacific/Kiritimati",
])
def test_the_first_and_last_days_work_in_the_farthest_zones(client, query):
    response = client.get(f"/api/v1/experts/sarah/{query}")
    assert response.status_code == 200, response.content

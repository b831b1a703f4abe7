import pytest
from django.contrib.auth.hashers import identify_hasher

from serene.accounts.models import Role, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_a_customer_logs_them_in_and_keeps_the_browser_time_zone(client):
    response = client.post("/accounts/signup/?next=/experts/x/", {
        "name": "Asha Verma", "email": "Asha@Example.test", "password": "a-calm-evening-walk",
        "time_zone": "Europe/London", "next": "/experts/x/"})
    assert response.status_code == 302 and response["Location"] == "/experts/x/"
    user = User.objects.get(email="asha@example.test")
    assert user.role == Role.CUSTOMER and user.time_zone == "Europe/London"
    assert client.get("/accounts/profile/").status_code == 200


def test_signup_hashes_with_argon2_under_production_settings(client, settings):
    from serene.settings_test import PRODUCTION_PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS
    client.post("/accounts/signup/", {"name": "Ravi", "email": "ravi@example.test", "password": "a-calm-evening-walk"})
    assert identify_hasher(User.objects.get(email="ravi@example.test").password).algorithm == "argon2"


def test_signup_with_an_unknown_time_zone_falls_back_to_the_default(client):
    client.post("/accounts/signup/", {"name": "Ravi", "email": "ravi@example.test",
                                      "password": "a-calm-evening-walk", "time_zone": "Mars/Olympus"})
    assert User.objects.get(email="ravi@example.test").time_zone == "Asia/Kolkata"


def test_signup_refuses_a_taken_email_whatever_its_case(client):
    UserFactory(email="taken@example.test")
    response = client.post("/accounts/signup/", {"name": "X", "email": "TAKEN@example.test", "password": "a-calm-evening-walk"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1


def test_signup_refuses_a_weak_password_with_a_message(client):
    response = client.post("/accounts/signup/", {"name": "X", "email": "x@example.test", "password": "12345"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="x@example.test").exists()


def test_signup_ignores_an_offsite_next(client):
    response = client.post("/accounts/signup/", {"name": "X", "email": "x@example.test",
                                                 "password": "a-calm-evening-walk", "next": "https://evil.test/"})
    assert response["Location"] == "/"


def test_profile_saves_name_phone_and_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/profile/", {"name": "New Name", "phone": "+91 98765 43210",
                                                  "time_zone": "America/New_York"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.phone, user.time_zone) == ("New Name", "+91 98765 43210", "America/New_York")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("time_zone", "Mars/Olympus", "Select a valid choice"),
    ("phone", "call me maybe", "digits only"),
    ("name", "", "This field is required"),
])
def test_profile_rejects_bad_values_and_keeps_the_old_ones(client, field, value, message):
    user = UserFactory(name="Old Name", time_zone="Asia/Kolkata")
    client.force_login(user)
    data = {"name": "Fine", "phone": "", "time_zone": "Asia/Kolkata", field: value}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.name == "Old Name"


def test_profile_needs_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_with_email_in_any_case_and_logout(client):
    UserFactory(email="meera@example.test")
    response = client.post("/accounts/login/", {"username": "MEERA@example.test", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302


# --- Time zones are kept under their current names ------------------------------------------------

def test_signup_stores_a_browsers_legacy_zone_under_its_current_name(client):
    """Chromium reports Kolkata as "Asia/Calcutta"; the account keeps "Asia/Kolkata", and says so."""
    client.post("/accounts/signup/", {"name": "Asha", "email": "asha@example.test", "password": "a-calm-evening-walk",
                                      "time_zone": "Asia/Calcutta"})
    assert User.objects.get(email="asha@example.test").time_zone == "Asia/Kolkata"
    assert client.get("/api/v1/auth/me").json()["user"]["timezone"] == "Asia/Kolkata"


def test_profile_saves_a_legacy_zone_under_its_current_name(client):
    user = UserFactory(time_zone="Europe/London")
    client.force_login(user)
    response = client.post("/accounts/profile/", {"name": "Asha", "phone": "", "time_zone": "Europe/Kiev"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Europe/Kyiv"


def test_profile_shows_a_zone_saved_under_an_old_name_as_its_current_one_and_offers_no_aliases(client):
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(time_zone="Asia/Calcutta")  # a row from before names were kept current
    client.force_login(user)
    page = client.get("/accounts/profile/").content.decode()
    assert '<option value="Asia/Kolkata" selected>' in page
    assert 'value="Asia/Calcutta"' not in page and 'value="US/Eastern"' not in page


def test_profile_keeps_an_unusual_zone_staff_set_selected_and_saves_it(client):
    user = UserFactory(time_zone="Etc/GMT+5")
    client.force_login(user)
    assert '<option value="Etc/GMT+5" selected>' in client.get("/accounts/profile/").content.decode()
    assert client.post("/accounts/profile/", {"name": "A", "phone": "", "time_zone": "Etc/GMT+5"}).status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Etc/GMT+5"


def test_the_short_name_greets_past_a_title():
    from serene.accounts.models import User
    assert User(name="Dr. Sarah Khan").get_short_name() == "Sarah"
    assert User(name="Prof Anil Rao").get_short_name() == "Anil"
    assert User(name="Asha Verma").get_short_name() == "Asha"
    assert User(name="Dr.", email="x@example.test").get_short_name() == "Dr."
    assert User(name="", email="x@example.test").get_short_name() == "x@example.test"

"""Names and notes keep only characters one can see (core.text.plain_text): a right-to-left override
or a zero-width space cannot make one name pass for another, on the pages, over the API, in the admin.
Stripped, not refused; a name of nothing but invisible characters is no name."""
import json

import pytest
from django.test import Client

from serene.accounts.models import User
from serene.bookings.services import booking_hold
from serene.core.text import plain_text
from serene.experts.models import Expert
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

RLO, ZWSP, LRI, PDI, ZWJ, ZWNJ = "\u202e", "\u200b", "\u2066", "\u2069", "\u200d", "\u200c"


@pytest.mark.parametrize("typed, kept", [
    (f"Asha{RLO}amreV", "AshaamreV"),
    (f"As{ZWSP}ha Ver{ZWJ}ma", "Asha Verma"),              # joiners between ASCII letters only hide
    (f"{LRI}Dr. Sarah Khan{PDI}", "Dr. Sarah Khan"),
    ("\u200eRavi\u200f\u061c\ufeff\u00ad", "Ravi"),       # marks, BOM, soft hyphen (all Cf)
    ("Meera\x00\x07\x1b[31m", "Meera[31m"),                # Cc: NUL, BEL, ESC
    ("Line one\nline two\tend", "Line one line two end"),  # a name is one line
    ("  Asha  ", "Asha"),
    ("Cafe\u0301", "Café"),                                 # NFC
    (f"क्{ZWJ}ष", f"क्{ZWJ}ष"),                               # Devanagari needs its joiner
    (f"ന്{ZWJ}", f"ന്{ZWJ}"),                                 # a Malayalam chillu
    (f"👩{ZWJ}💻", f"👩{ZWJ}💻"),                             # an emoji sequence
    (f"र्{ZWNJ}य", f"र्{ZWNJ}य"),
    (f"{RLO}{ZWSP}", ""),
])
def test_plain_text_strips_what_cannot_be_seen_and_keeps_what_scripts_need(typed, kept):
    assert plain_text(typed) == kept


def test_notes_keep_their_lines():
    assert plain_text(f"First line\r\nsecond{RLO} line\n\n\tindented", multiline=True) == \
        "First line\nsecond line\n\n\tindented"


pytestmark = pytest.mark.django_db


def test_the_sign_up_page_strips_the_override_and_refuses_a_name_of_nothing_visible(client):
    answer = client.post("/accounts/signup/", {"name": f"Asha{RLO}amreV", "email": "asha@example.test",
                                               "password": "a-calm-evening-walk"})
    assert answer.status_code == 302, answer.content
    assert User.objects.get(email="asha@example.test").name == "AshaamreV"
    refused = Client().post("/accounts/signup/", {"name": f"{RLO}{ZWSP}", "email": "ravi@example.test",
                                                  "password": "a-calm-evening-walk"})
    assert refused.status_code == 400 and "Please tell us your name." in refused.content.decode()
    assert not User.objects.filter(email="ravi@example.test").exists()


def test_the_sign_up_api_does_the_same():
    browser = Client(enforce_csrf_checks=True)
    token = browser.get("/api/v1/auth/csrf").json()["csrfToken"]

    def signup(name, email):
        return browser.post("/api/v1/auth/signup", content_type="application/json", HTTP_X_CSRFTOKEN=token,
                            data=json.dumps({"name": name, "email": email, "password": "a-calm-evening-walk"}))

    refused = signup(f"{LRI}{PDI}{ZWSP}", "nobody@example.test")
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["name"] == ["Please tell us your name."]
    answer = signup(f"{LRI}Dr. Sarah Khan{PDI}", "impostor@example.test")
    assert answer.status_code == 200 and answer.json()["user"]["name"] == "Dr. Sarah Khan"


def test_the_profile_page_strips_them(client):
    user = UserFactory(name="Asha Verma")
    client.force_login(user)
    answer = client.post("/accounts/profile/", {"name": f"Asha{ZWSP} Verma{RLO}", "phone": "",
                                                "time_zone": user.time_zone})
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.name == "Asha Verma"


def test_a_booking_note_over_the_api_and_the_service_is_stripped_but_keeps_its_lines():
    expert = ExpertFactory(minimum_notice_hours=0, buffer_minutes=0)
    booking = booking_hold(customer=UserFactory(), expert=expert, starts_at=at(next_weekday(), 10),
                           duration_minutes=60, customer_note=f"Sleep{RLO} and stress\r\nsince May{ZWSP}")
    assert booking.customer_note == "Sleep and stress\nsince May"


def test_the_admin_strips_an_experts_headline_and_bio(admin_client):
    expert = ExpertFactory()
    form = admin_client.get(f"/admin/experts/expert/{expert.pk}/change/")
    assert form.status_code == 200
    data = {key: value for key, value in form.context["adminform"].form.initial.items()
            if value is not None and key != "avatar"}
    data.update({"headline": f"Clinical{RLO} psychologist", "bio": f"Ten years{ZWSP}.\nCBT.",
                 "languages": [language.pk for language in expert.languages.all()],
                 "offered_durations": json.dumps(expert.offered_durations),
                 "category": expert.category_id, "user": expert.user_id})
    answer = admin_client.post(f"/admin/experts/expert/{expert.pk}/change/", data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    expert = Expert.objects.get(pk=expert.pk)
    assert (expert.headline, expert.bio) == ("Clinical psychologist", "Ten years.\nCBT.")

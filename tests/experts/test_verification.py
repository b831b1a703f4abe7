"""Staff mark an expert verified from the admin; the profile shows credentials and the mark; a
changed registration clears it, also when the change races the staff check."""
import pytest
from django.utils import timezone

from serene.accounts.models import Role
from serene.experts.models import Expert
from serene.experts.services import expert_credentials_update, expert_mark_verified
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at, run_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True, name="Asha Staff")


@pytest.fixture
def registered(db):
    return ExpertFactory(slug="sarah-khan", user__name="Dr. Sarah Khan", years_experience=11,
                         qualifications="M.Phil. Clinical Psychology, NIMHANS (2014)\n\nM.A. Psychology, Delhi (2012)",
                         registration_body="Rehabilitation Council of India", registration_number="CRR A21873")


def test_the_admin_action_marks_an_expert_verified_with_who_and_when(client, staff, registered):
    client.force_login(staff)
    before = timezone.now()
    response = client.post("/admin/experts/expert/", {"action": "mark_verified", "_selected_action": [registered.pk]},
                           follow=True)
    assert "1 expert marked verified." in response.content.decode()
    registered.refresh_from_db()
    assert registered.is_verified and registered.verified_by == staff and registered.verified_at >= before


def test_an_expert_without_a_registration_cannot_be_marked_verified(client, staff):
    coach = ExpertFactory(slug="coach", user__name="Vikram Singh", qualifications="Certified Habit Coach")
    client.force_login(staff)
    response = client.post("/admin/experts/expert/", {"action": "mark_verified", "_selected_action": [coach.pk]},
                           follow=True)
    assert "Vikram Singh has no registration body and number to verify." in response.content.decode()
    coach.refresh_from_db()
    assert not coach.is_verified


def test_marking_twice_keeps_the_first_check(staff, registered):
    first = expert_mark_verified(expert_id=registered.pk, by=staff)
    other = UserFactory(role=Role.STAFF, is_staff=True)
    again = expert_mark_verified(expert_id=registered.pk, by=other)
    assert (again.verified_at, again.verified_by) == (first.verified_at, staff)


def test_the_profile_shows_credentials_and_the_mark_only_once_verified(client, staff, registered):
    body = client.get("/experts/sarah-khan/").content.decode()
    for text in ("M.Phil. Clinical Psychology, NIMHANS (2014)", "M.A. Psychology, Delhi (2012)",
                 "Rehabilitation Council of India", "CRR A21873", "Years of practice",
                 "Serene has not checked this registration yet."):
        assert text in body
    assert "Verified by Serene" not in body
    assert 'class="verified-mark"' not in client.get("/").content.decode()

    expert_mark_verified(expert_id=registered.pk, by=staff)
    body = client.get("/experts/sarah-khan/").content.decode()
    assert "Verified by Serene" in body and "Serene checked this registration with Rehabilitation Council" in body
    assert 'class="verified-mark"' in client.get("/").content.decode()


def test_a_changed_registration_clears_the_mark_but_new_qualifications_do_not(client, staff, registered):
    expert_mark_verified(expert_id=registered.pk, by=staff)
    expert_credentials_update(expert_id=registered.pk, qualifications="PhD Psychology (2020)",
                              registration_body="Rehabilitation Council of India", registration_number="CRR A21873")
    assert Expert.objects.get(pk=registered.pk).is_verified
    expert_credentials_update(expert_id=registered.pk, qualifications="PhD Psychology (2020)",
                              registration_body="Rehabilitation Council of India", registration_number="CRR B99999")
    assert not Expert.objects.get(pk=registered.pk).is_verified


def test_changing_the_registration_in_the_admin_clears_the_mark(client, staff, registered):
    expert_mark_verified(expert_id=registered.pk, by=staff)
    client.force_login(staff)
    page = client.get(f"/admin/experts/expert/{registered.pk}/change/")
    assert page.status_code == 200
    form = {key: value for key, value in page.context["adminform"].form.initial.items()
            if value is not None and key not in ("avatar", "languages", "verified_by", "verified_at")}
    form.update({"user": registered.user_id, "category": registered.category_id, "languages": [],
                 "offered_durations": "[30, 60, 90]", "registration_number": "CRR B12345"})
    response = client.post(f"/admin/experts/expert/{registered.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    registered.refresh_from_db()
    assert registered.registration_number == "CRR B12345" and not registered.is_verified


@pytest.mark.django_db(transaction=True)
def test_two_staff_marking_at_once_verify_once(registered):
    staff = [UserFactory(role=Role.STAFF, is_staff=True) for _ in range(4)]
    results = run_at_once([lambda person=person: expert_mark_verified(expert_id=registered.pk, by=person).verified_by_id
                           for person in staff])
    registered.refresh_from_db()
    assert registered.is_verified and set(results) == {registered.verified_by_id}


@pytest.mark.django_db(transaction=True)
def test_a_registration_changed_while_staff_check_it_is_not_left_verified(registered, staff):
    """Staff's check holds the row; the change waits for it, then clears the mark it would otherwise inherit."""
    with paused_at("django.utils.timezone.now") as pause:
        check = pause.run(lambda: expert_mark_verified(expert_id=registered.pk, by=staff))
        change = pause.run_rival(lambda: expert_credentials_update(
            expert_id=registered.pk, qualifications=registered.qualifications,
            registration_body="Rehabilitation Council of India", registration_number="CRR Z00001"), wait=1.0)
        pause.release()
    check.result()
    change.result()
    registered.refresh_from_db()
    assert registered.registration_number == "CRR Z00001"
    assert not registered.is_verified


def test_the_api_tells_whether_an_expert_is_verified_and_their_credentials(client, staff, registered):
    assert client.get("/api/v1/experts").json()["experts"][0]["verified"] is False
    expert_mark_verified(expert_id=registered.pk, by=staff)
    detail = client.get("/api/v1/experts/sarah-khan").json()["expert"]
    assert detail["verified"] is True and detail["verifiedAt"]
    assert detail["qualifications"] == ["M.Phil. Clinical Psychology, NIMHANS (2014)", "M.A. Psychology, Delhi (2012)"]
    assert (detail["registrationBody"], detail["registrationNumber"]) == ("Rehabilitation Council of India", "CRR A21873")

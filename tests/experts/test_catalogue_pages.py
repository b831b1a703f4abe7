"""The browse (home) page, profile pages, avatars and the admin."""
import pytest

from serene.accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_lists_experts_with_prices(client, expert):
    body = client.get("/").content.decode()
    assert "Dr. Sarah Khan" in body and "₹1,500" in body


def test_home_page_with_a_bad_filter_is_400_with_a_message_and_a_way_out(client, expert):
    response = client.get("/?min_price=abc")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter the lowest price as a whole number of rupees" in body


def test_empty_result_says_so_and_offers_to_clear_filters(client, expert):
    body = client.get("/?q=astrophysics").content.decode()
    assert "No experts match your search" in body and "Clear filters" in body


def test_profile_page_shows_prices_for_each_duration_and_a_book_button(client, expert):
    body = client.get("/experts/sarah-khan/").content.decode()
    for text in ("Dr. Sarah Khan", "₹750", "₹1,500", "₹2,250", "Kolkata time", "Book a session"):
        assert text in body


def test_unknown_profile_is_a_friendly_404(client, db):
    response = client.get("/experts/nobody/")
    assert response.status_code == 404
    assert "We could not find" in response.content.decode()


def test_initials_avatar_is_svg(client, expert):
    response = client.get("/experts/sarah-khan/avatar.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert ">SK<" in response.content.decode()


def test_demo_experts_get_an_illustrated_portrait_the_same_each_time(client, expert):
    from serene.experts.models import Expert
    Expert.objects.filter(pk=expert.pk).update(generated_portrait=True)
    first = client.get("/experts/sarah-khan/avatar.svg").content.decode()
    assert first == client.get("/experts/sarah-khan/avatar.svg").content.decode()
    assert "Illustrated portrait of Dr. Sarah Khan" in first and ">SK<" not in first
    assert "<ellipse" in first and "http://" not in first.replace("http://www.w3.org/2000/svg", "")


def test_uploaded_avatar_is_used_when_present(client, expert):
    from django.core.files.uploadedfile import SimpleUploadedFile
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    expert.avatar = SimpleUploadedFile("face.png", png, content_type="image/png")
    expert.save()
    assert client.get("/api/v1/experts/sarah-khan").json()["expert"]["avatar"].endswith(".png")


@pytest.mark.parametrize("path", ["/admin/accounts/user/?q=sarah&role__exact=expert",
                                  "/admin/experts/expert/?q=sarah&category__id__exact=1",
                                  "/admin/experts/category/?q=a"])
def test_admin_lists_with_search_and_filters_for_staff(client, expert, path):
    staff = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get(path).status_code == 200

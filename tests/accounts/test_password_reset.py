"""Password reset by email through a real SMTP server."""
import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_email_link_sets_a_new_password(client, smtp_server):
    UserFactory(email="asha@example.test", name="Asha Verma")
    response = client.post("/accounts/password/reset/", {"email": "asha@example.test"})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["to"] == ["asha@example.test"]
    assert message["message"]["Subject"] == "Reset your Serene password"
    text = message["message"].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", text).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a-brand-new-secret", "new_password2": "a-brand-new-secret"})
    assert done.status_code == 302
    assert client.post("/accounts/login/", {"username": "asha@example.test", "password": "a-brand-new-secret"}).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client, smtp_server):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert smtp_server.messages == []

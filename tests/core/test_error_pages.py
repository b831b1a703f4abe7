import pytest


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": {"code": "not_found", "message": "There is nothing at this address."}}


@pytest.mark.django_db
def test_server_error_page_is_friendly(client, settings):
    from django.test import RequestFactory

    from serene.core.views import server_error
    response = server_error(RequestFactory().get("/experts/x/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    api_response = server_error(RequestFactory().get("/api/v1/experts"))
    assert api_response.status_code == 500 and b'"success": false' in api_response.content


@pytest.mark.django_db
def test_health_check(client):
    assert client.get("/healthz").json() == {"success": True, "status": "ok"}

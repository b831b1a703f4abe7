"""The customer's moves are in the OpenAPI document with the errors they answer."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "errors"), [
    ("/api/v1/sessions/{session_id}/reschedule", {"400", "401", "403", "404", "409", "413", "503"}),
    ("/api/v1/sessions/{session_id}/review", {"400", "401", "403", "404", "409", "413"}),
    ("/api/v1/sessions/{session_id}/cancel", {"400", "401", "403", "404", "409", "413", "503"}),
])
def test_the_customers_moves_document_their_errors(client, path, errors):
    operation = client.get("/api/v1/openapi.json").json()["paths"][path]["post"]
    assert errors <= set(operation["responses"]), sorted(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("SessionResponse")
    assert operation.get("description")

"""The OpenAPI document says what each operation answers: its success schema, its errors, typed parameters."""
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def _operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, path, operation


def _schema_ref(response):
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


def test_every_operation_has_a_schema_for_each_success(document):
    operations = list(_operations(document))
    assert len(operations) >= 16
    for label, _, _, operation in operations:
        successes = {status: response for status, response in operation["responses"].items() if status.startswith("2")}
        assert successes, label
        for status, response in successes.items():
            assert _schema_ref(response), f"{label} {status} has no schema"


def test_every_operation_documents_the_errors_it_can_answer_with_the_error_body(document):
    for label, method, path, operation in _operations(document):
        responses = operation["responses"]
        expected = set()
        if operation.get("security"):
            expected |= {"401"} | ({"403"} if method in UNSAFE else set())
        if method in UNSAFE:
            expected |= {"400", "413"}
        if operation.get("parameters"):
            expected |= {"400"}
        if "{" in path:
            expected |= {"404"}
        assert expected <= set(responses), f"{label} lacks {sorted(expected - set(responses))}"
        for status, response in responses.items():
            if status[0] in "45":
                assert _schema_ref(response) == ERROR_REF, f"{label} {status}"
                assert response["description"] not in ("", "Unknown Status Code"), f"{label} {status}"
    error = document["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"success", "error"}


@pytest.mark.parametrize(("label", "status"), [
    ("POST /api/v1/payments/create-order", "409"), ("POST /api/v1/payments/create-order", "410"),
    ("POST /api/v1/payments/create-order", "503"),
    ("POST /api/v1/payments/verify", "503"), ("POST /api/v1/auth/login", "429"),
    ("POST /api/v1/payments/webhook", "413"),
])
def test_conflicts_throttling_and_outages_are_documented_where_they_happen(document, label, status):
    operations = {name: operation for name, _, _, operation in _operations(document)}
    assert status in operations[label]["responses"]


def test_query_parameters_are_typed(document):
    parameters = {}
    for label, _, _, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                parameters[(label.split()[1], parameter["name"])] = parameter["schema"]
    availability = "/api/v1/experts/{expert_id}/availability"
    dates = "/api/v1/experts/{expert_id}/available-dates"
    assert parameters[(availability, "date")]["format"] == "date"
    assert parameters[(availability, "duration")]["$ref"] == "#/components/schemas/SessionLength"
    assert document["components"]["schemas"]["SessionLength"]["enum"] == [30, 60, 90, 120]
    assert {key: parameters[(dates, "year")][key] for key in ("type", "minimum", "maximum")} == {
        "type": "integer", "minimum": 2000, "maximum": 2100}
    assert {key: parameters[("/api/v1/experts", "page_size")][key] for key in ("type", "minimum", "maximum")} == {
        "type": "integer", "minimum": 1, "maximum": 50}
    assert parameters[("/api/v1/experts", "sort")]["enum"] == ["recommended", "price_asc", "price_desc", "rating"]
    assert parameters[("/api/v1/sessions", "when")]["enum"] == ["upcoming", "past"]
    for (path, name), schema in parameters.items():
        typed = schema.get("type") in ("integer", "number") or "$ref" in schema or any(
            key in schema for key in ("enum", "pattern", "format", "maxLength"))
        assert typed, f"{path} ?{name} is an untyped string: {schema}"


def test_the_document_tells_a_single_page_client_how_to_sign_in(document):
    description = document["info"]["description"]
    for step in ("GET /api/v1/auth/csrf", "POST /api/v1/auth/login", "X-CSRFToken", "401", "csrf_failed"):
        assert step in description
    assert "X-CSRFToken" in document["components"]["securitySchemes"]["SessionAuth"]["description"]
    create_order = document["paths"]["/api/v1/payments/create-order"]["post"]
    notes = document["components"]["schemas"]["OrderNotesIn"]["properties"]["sessionTime"]
    assert "01:30-05:00" in notes["description"] and "daylight-saving" in create_order["description"]


def test_the_served_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    errors = [f"{list(error.path)}: {error.message}" for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []
    validate(document)


def test_a_parameter_s_examples_are_a_map_of_example_objects(document):
    parameters = [(label, parameter) for label, _, _, operation in _operations(document)
                  for parameter in operation.get("parameters", []) if "examples" in parameter]
    assert len(parameters) >= 3
    for label, parameter in parameters:
        assert isinstance(parameter["examples"], dict), label
        assert all("value" in example for example in parameter["examples"].values()), label


def test_what_redocly_s_recommended_rules_ask_for(document):
    """Every operation states its security (public ones with an empty list), the servers are named,
    no allOf wraps a single schema, and no schema is listed that nothing uses."""
    assert document["servers"] and all(server["url"] for server in document["servers"])
    public = set()
    for label, _, _, operation in _operations(document):
        assert "security" in operation, label
        if operation["security"] == []:
            public.add(label)
    assert {"GET /api/v1/experts", "POST /api/v1/auth/login", "POST /api/v1/payments/webhook"} <= public
    assert "GET /api/v1/sessions" not in public

    def single_all_of(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("allOf"), list) and len(node["allOf"]) < 2:
                yield where
            for key, value in node.items():
                yield from single_all_of(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from single_all_of(value, f"{where}/{index}")

    assert list(single_all_of(document, "")) == []
    text = str(document)
    unused = [name for name in document["components"]["schemas"] if f"#/components/schemas/{name}'" not in text]
    assert unused == []

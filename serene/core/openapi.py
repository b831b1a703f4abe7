"""Finishes ninja's OpenAPI document so that it is valid OpenAPI 3.1 and says what ninja leaves out:
what each error answer means, which operations are public, and where the API is served."""
from __future__ import annotations

from typing import Any

from .api_common import ERROR_ANSWERS

# The document is served by the site it describes, so its one server is that site, whatever its address.
SERVERS = [{"url": "/", "description": "The site that serves this document."}]


def openapi_polish(schema: dict) -> dict:
    """Finish the document in place and return it."""
    schema["servers"] = SERVERS
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            # An operation without a security requirement is public; OpenAPI says so with an empty list.
            operation.setdefault("security", [])
            for status, response in operation.get("responses", {}).items():
                if str(status).isdigit() and int(status) in ERROR_ANSWERS:
                    response["description"] = ERROR_ANSWERS[int(status)]
            for parameter in operation.get("parameters", []):
                _parameter_polish(parameter)
    _single_all_of_unwrap(schema)
    _unused_components_drop(schema)
    return schema


def _parameter_polish(parameter: dict) -> None:
    # ninja copies the JSON Schema `examples` (a list) onto the parameter, where OpenAPI wants a map
    # of Example Objects; the schema keeps its list.
    examples = parameter.get("examples")
    if isinstance(examples, list):
        parameter["examples"] = {f"example-{number}": {"value": value} for number, value in enumerate(examples, 1)}
    # A query string has no null, so an optional query parameter is typed as what it is, without
    # pydantic's `| None`.
    options = parameter.get("schema", {}).get("anyOf")
    if parameter.get("in") == "query" and options and {"type": "null"} in options:
        others = [option for option in options if option != {"type": "null"}]
        if len(others) == 1:
            rest = {key: value for key, value in parameter["schema"].items() if key != "anyOf"}
            parameter["schema"] = {**others[0], **rest}


def _single_all_of_unwrap(node: Any) -> None:
    """`{"allOf": [X]}` (ninja's wrapping of an optional body) says no more than X, which OpenAPI 3.1
    allows beside other keywords."""
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            del node["allOf"]
            for key, value in all_of[0].items():
                node.setdefault(key, value)
        for value in node.values():
            _single_all_of_unwrap(value)
    elif isinstance(node, list):
        for value in node:
            _single_all_of_unwrap(value)


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node)) if node else set()
    return set()


def _unused_components_drop(schema: dict) -> None:
    """ninja lists the models it flattens into query parameters as schemas that nothing refers to."""
    schemas = schema.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    while True:
        rest = {key: value for key, value in schema.items() if key != "components"}
        used = _references(rest) | _references(schemas) | _references(
            {key: value for key, value in schema.get("components", {}).items() if key != "schemas"})
        unused = [name for name in schemas if prefix + name not in used]
        if not unused:
            return
        for name in unused:
            del schemas[name]

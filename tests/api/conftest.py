import copy

import jsonschema_rs

from api.openapi import document


def _closed(schema, components):
    """``schema`` with references resolved, allOf merged and every object closed.

    The published document leaves objects open so clients accept fields added later; the
    tests close them, so a field a view sends but the document does not name fails.
    """
    if isinstance(schema, list):
        return [_closed(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _closed(components[schema["$ref"].rsplit("/", 1)[1]], components)
    schema = {key: _closed(value, components) for key, value in schema.items()}
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": []}
        for part in schema.pop("allOf"):
            merged["properties"] |= part.get("properties", {})
            merged["required"] += part.get("required", [])
            merged.pop("additionalProperties", None)
        schema = merged | {k: v for k, v in schema.items() if k != "type"}
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
    return schema


def response_schema(path: str, status: int) -> dict:
    spec = document()
    operation = spec["paths"][path]["get"]
    response = operation["responses"][str(status)]
    schema = copy.deepcopy(response["content"]["application/json"]["schema"])
    return _closed(schema, spec["components"]["schemas"])


def assert_conforms(response, path: str) -> dict:
    """The answer is JSON that the document, closed, allows for this path and status."""
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    validator = jsonschema_rs.Draft202012Validator(
        response_schema(path, response.status_code), validate_formats=True
    )
    errors = [error.message for error in validator.iter_errors(body)]
    assert not errors, errors
    return body

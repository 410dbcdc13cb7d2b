"""OpenAPI: every operation documents the error answers it can give, in one shape.

drf-spectacular documents the success responses from the serializers; this
post-processing hook adds ``400/401/403/404/409/413/429`` pointing at one ``Error`` component that matches
``crm_site.errors.error_body``.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer of the API.",
    "properties": {
        "code": {
            "type": "string",
            "description": "Stable, machine-readable: invalid, invalid_rows, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, not_found, method_not_allowed, conflict, "
            "request_too_large, unsupported_media_type, throttled, server_error, or a rule's own code.",
        },
        "detail": {"type": "string", "description": "A sentence for people, in the request's language."},
        "errors": {
            "type": "object",
            "description": "Messages per invalid field (empty when the error is not about a field).",
            "additionalProperties": {},
        },
        "rows": {
            "type": "array",
            "description": "Bulk writes only: the rejected rows.",
            "items": {
                "type": "object",
                "properties": {
                    "row": {"type": "integer"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "required": ["code", "detail", "errors"],
}

DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each invalid field; nothing was written.",
    "401": "No valid credentials (missing, expired or revoked token).",
    "403": "Authenticated, but the role does not allow this.",
    "404": "No such object, or it is outside what the user may see.",
    "409": "Conflict: a stale version, a reused Idempotency-Key, or a state that does not allow this.",
    "413": "The request body is too large.",
    "429": "Too many requests; retry after the `Retry-After` seconds.",
}
WRITE_ONLY = {"409", "413"}
REF = {"$ref": "#/components/schemas/Error"}
HEADERS = {
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in DESCRIPTIONS.items():
                if status in WRITE_ONLY and method in {"get", "head", "options"}:
                    continue
                response = {"description": description, "content": {"application/json": {"schema": REF}}}
                if status in HEADERS:
                    response["headers"] = HEADERS[status]
                responses.setdefault(status, response)
    return result

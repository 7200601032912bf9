"""OpenAPI document tweaks: publish ``OutcomeIn`` as the schema of outcome batch items, and
the bearer-token security of every operation that authenticates.

Batch items are received as plain objects so that one bad item is rejected on its own
instead of failing the whole batch; the document still names their intended shape.
``server.deps.current_user`` reads the ``Authorization`` header itself (a FastAPI security
dependency costs measurable CPU per request), so the ``HTTPBearer`` scheme is declared here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from server.deps import BEARER_SCHEME, current_user
from server.schema import OutcomeIn

REF = "#/components/schemas/OutcomeIn"


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            schemas["OutcomeIn"] = OutcomeIn.model_json_schema(ref_template=REF)
            items = schemas["OutcomeBatch"]["properties"]["items"]
            items["items"] = {"anyOf": [{"$ref": REF}, {"type": "object"}]}
            _bearer_security(app, doc)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _bearer_security(app: FastAPI, doc: dict[str, Any]) -> None:
    doc["components"].setdefault("securitySchemes", {})["HTTPBearer"] = BEARER_SCHEME
    for path, route in _api_routes():
        if _uses(route.dependant, current_user):
            for method in route.methods or ():
                operation = doc["paths"].get(path, {}).get(method.lower())
                if operation is not None:
                    operation["security"] = [{"HTTPBearer": []}]


def _api_routes() -> list[tuple[str, APIRoute]]:
    """Every API route with its full path (the areas' routers are mounted under a prefix)."""
    from server import api  # here: server.api imports the areas, which import server.deps

    return [
        (api.PREFIX + route.path_format, route)
        for module in api.AREAS
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]


def _uses(dependant: Dependant, call: Any) -> bool:
    return dependant.call is call or any(_uses(d, call) for d in dependant.dependencies)

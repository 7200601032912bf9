"""OpenAPI document tweaks: publish ``OutcomeIn`` as the schema of outcome batch items.

Batch items are received as plain objects so that one bad item is rejected on its own
instead of failing the whole batch; the document still names their intended shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

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
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

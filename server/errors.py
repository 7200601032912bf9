"""API errors: one JSON shape, ``{"error": {"code", "message", "details"?}}``, for every failure.

Handlers turn validation errors into 422, HTTP errors into their status, and anything
unexpected into a logged 500 (never HTML, never a traceback on the wire).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


async def _api_error(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(_body(exc.code, exc.message), exc.status, headers=headers)


async def _validation(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    return JSONResponse(
        _body("validation_error", "request failed validation", jsonable_encoder(details)), 422
    )


async def _http(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        _body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _integrity(_req: Request, exc: Exception) -> JSONResponse:
    log.info("integrity conflict: %s", exc)
    return JSONResponse(_body("conflict", "conflicts with data stored concurrently; retry"), 409)


async def _unavailable(_req: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return JSONResponse(
        _body("unavailable", "database busy or unreachable; retry later"),
        503,
        headers={"Retry-After": "2"},
    )


async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled server error", exc_info=exc)
    return JSONResponse(_body("internal_error", "internal server error"), 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def forbidden(message: str = "not allowed for your role") -> ApiError:
    return ApiError(403, "forbidden", message)

"""The gateway's ASGI app: REST under /api, the room WebSocket under /ws,
operational endpoints, and the built web app at / when there is one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chorus.v1 import room_pb2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chorus_gateway import api, logs, metrics, ops, ws
from chorus_gateway.config import GatewaySettings
from chorus_gateway.errors import GatewayError
from chorus_gateway.metrics import GatewayMetrics
from chorus_gateway.request_context import RequestContext
from chorus_gateway.runtime import Gateway
from chorus_gateway.spa import SpaStaticFiles


async def _gateway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    metrics.error_answered(exc.code)
    return JSONResponse(exc.to_body(), status_code=exc.status, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors()
    )
    error = GatewayError(400, room_pb2.ERROR_CODE_INVALID_ARGUMENT, problems[:300] or "Invalid.")
    metrics.error_answered(error.code)
    return JSONResponse(error.to_body(), status_code=400)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Unknown routes and methods answer in the documented error shape too."""
    assert isinstance(exc, StarletteHTTPException)
    code = (
        room_pb2.ERROR_CODE_NOT_FOUND
        if exc.status_code in (404, 405)
        else room_pb2.ERROR_CODE_INVALID_ARGUMENT
    )
    message = {404: "No such route.", 405: "Method not allowed on this route."}.get(
        exc.status_code, str(exc.detail)
    )
    error = GatewayError(exc.status_code, code, message)
    metrics.error_answered(error.code)
    return JSONResponse(error.to_body(), status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug answers in the documented shape, and keeps the connection."""
    error = GatewayError(500, room_pb2.ERROR_CODE_INTERNAL, "Internal error.")
    metrics.error_answered(error.code)
    return JSONResponse(error.to_body(), status_code=500)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    logs.install_filters()
    counters = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = Gateway(settings, counters)
        app.state.gateway = gateway
        try:
            yield
        finally:
            await gateway.aclose()

    app = FastAPI(
        title="Chorus gateway",
        summary="REST and WebSocket edge of Chorus. Bodies and frames are the protobuf "
        "JSON mapping of protos/chorus/v1/room.proto and chat.proto.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics_registry = counters.registry()
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(api.router)
    app.router.routes.extend(ws.routes)
    app.include_router(ops.router)
    if settings.web_dist.is_dir():
        app.mount("/", SpaStaticFiles(directory=settings.web_dist), name="web")
    app.add_middleware(RequestContext, gateway_id=settings.gateway_id)
    return app

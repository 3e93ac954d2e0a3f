"""The built web app (web/dist) at /, with the single-page-app fallback:
a GET for a path that is no file and not under the API's own prefixes gets
index.html, so /r/<room_id> loads the app."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

#: First path segments that never fall back to the app.
RESERVED = frozenset({"api", "ws", "docs", "redoc", "openapi.json", "metrics", "healthz", "readyz"})


def is_reserved(path: str) -> bool:
    return path.lstrip("/").split("/", 1)[0] in RESERVED


class SpaStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if is_reserved(path):
            raise HTTPException(status_code=404)
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = await super().get_response("index.html", scope)
            response.headers["Cache-Control"] = "no-cache"
            return response
        if path.startswith("assets/"):  # content-hashed names from the build
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif path in ("", ".", "index.html"):
            response.headers["Cache-Control"] = "no-cache"
        return response

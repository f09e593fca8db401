"""The dashboard's ASGI app (Starlette): one HTML page, its static files, JSON reads, guarded writes.

Routes:

* ``GET /``: the page; ``GET /static/...``: its script, style and the vendored uPlot chart library;
* ``GET /api/overview``: heartbeat, versions, generations, markets, candidate, faults, log tail;
* ``GET /api/series``: equity and realized PnL over time, per-version curves and figures, swaps;
* ``GET /api/backtests``: the last ``liveswap backtest`` results, the newest one's equity curves;
* ``POST /api/actions/{name}``: activate, rollback, pause, resume, promote, reject (token required).

Reads are plain file reads and read-only SQLite, run in a worker thread so a slow disk never
stalls the event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from liveswap.settings import Settings
from liveswap.web import actions, data
from liveswap.web.backtests import last_backtests

STATIC = Path(__file__).resolve().parent / "static"
NO_STORE = {"Cache-Control": "no-store"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(settings: Settings, guard: actions.Guard) -> Starlette:
    state_dir = settings.state_dir

    def refused(exc: actions.Refused) -> JSONResponse:
        return JSONResponse({"ok": False, "reason": exc.reason}, status_code=exc.status, headers=NO_STORE)

    async def page(request: Request) -> Response:
        try:
            guard.check_host(request.headers)
        except actions.Refused as exc:
            return refused(exc)
        return FileResponse(STATIC / "index.html", headers={**NO_STORE, **SECURITY_HEADERS})

    async def overview(request: Request) -> Response:
        try:
            guard.check_host(request.headers)
        except actions.Refused as exc:
            return refused(exc)
        found = await run_in_threadpool(data.overview, state_dir, None, list(settings.markets))
        return JSONResponse(found, headers=NO_STORE)

    async def series(request: Request) -> Response:
        try:
            guard.check_host(request.headers)
        except actions.Refused as exc:
            return refused(exc)
        return JSONResponse(await run_in_threadpool(data.series, state_dir), headers=NO_STORE)

    async def backtests(request: Request) -> Response:
        try:
            guard.check_host(request.headers)
        except actions.Refused as exc:
            return refused(exc)
        return JSONResponse(await run_in_threadpool(last_backtests, state_dir), headers=NO_STORE)

    async def action(request: Request) -> Response:
        try:
            guard.check_write(request.headers)
            try:
                body: Any = await request.json()
            except ValueError:
                raise actions.Refused(400, "the body is not valid JSON") from None
            result = await run_in_threadpool(actions.apply, request.path_params["name"], body, settings)
        except actions.Refused as exc:
            return refused(exc)
        return JSONResponse({"ok": True, **result}, headers=NO_STORE)

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    return Starlette(routes=[
        Route("/", page),
        Route("/favicon.ico", no_icon),
        Route("/api/overview", overview),
        Route("/api/series", series),
        Route("/api/backtests", backtests),
        Route("/api/actions/{name}", action, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ])

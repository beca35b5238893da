"""The bridge's HTTP app, assembled: the routers, the exception handlers, the middleware, the worker's life.

Routes are plain (synchronous) functions unless they must not leave the event loop: FastAPI runs
them in its thread pool, each with its own database session and its own chain connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Annotated

from eth_account.signers.local import LocalAccount
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ost_chain.exceptions import OstError

from .bridge import Bridge
from .chain import Unreachable
from .middleware import Guard
from .problems import (
    Problem,
    on_anything,
    on_database,
    on_http,
    on_ost_error,
    on_problem,
    on_unreachable,
    on_validation,
)
from .routes import (
    businesses,
    documents,
    health,
    i18n,
    meals,
    members,
    participations,
    phones,
    recoveries,
    relay,
    town,
    ussd,
)
from .routes.town import STATIC
from .settings import Settings, current_settings


def create_app(settings: Settings | None = None, *, relayer: LocalAccount | None = None) -> FastAPI:
    """The bridge for the town of ``settings.bridge.manifest`` (settings from the environment when not given)."""
    settings = settings or current_settings()
    bridge = Bridge(settings, relayer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bridge.start()
        yield
        bridge.stop()

    # /docs and /redoc from the scripts and styles fastapi-offline installs, never a CDN: they work offline.
    app = FastAPIOffline(
        static_url="/docs-assets",
        title="One Small Town bridge",
        version="1",
        description="Coordinators submit verified participations; the bridge mints INFINITY on chain, exactly once.",
        lifespan=lifespan,
    )
    app.state.bridge = bridge
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(Unreachable, on_unreachable)
    app.add_exception_handler(OstError, on_ost_error)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(DBAPIError, on_database)
    app.add_exception_handler(Exception, on_anything)
    app.add_middleware(Guard, max_body=settings.bridge.max_body_bytes)
    # Compressed for a phone on a slow connection: the page's scripts, the libraries and the longer answers.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    for module in (
        participations,
        relay,
        ussd,
        phones,
        documents,
        i18n,
        meals,
        members,
        recoveries,
        town,
        businesses,
        health,
    ):
        app.include_router(module.router)
    app.include_router(
        in_each_town((town, businesses, members, documents, recoveries), acting=(relay, participations, meals, phones))
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _town_named(request: Request, town: Annotated[str, Path(description="The town's slug (GET /v1/towns).")]) -> None:
    """Refuse a town this bridge does not serve (404 with the towns it does), before the route runs."""
    request.app.state.bridge.served(town)


def in_each_town(modules: tuple[ModuleType, ...], acting: tuple[ModuleType, ...] = ()) -> APIRouter:
    """Every read of a town (the GET routes under /v1/ of ``modules``), and every route of ``acting`` (what the bridge
    does for every town it serves: participations, meals, members' relayed actions), again under
    /v1/towns/{town}/…; the route's dependencies find the town from the path (``deps.get_served``)."""
    scoped = APIRouter()
    for module in (*modules, *acting):
        for route in module.router.routes:
            if not isinstance(route, APIRoute) or not route.path.startswith("/v1/") or route.path == "/v1/towns":
                continue
            methods = route.methods or set()
            if not methods or (module not in acting and not methods <= {"GET", "HEAD"}):
                continue
            scoped.add_api_route(
                "/v1/towns/{town}" + route.path.removeprefix("/v1"),
                route.endpoint,
                response_model=route.response_model,
                status_code=route.status_code,
                methods=sorted(methods),
                operation_id=f"{route.operation_id}InTown" if route.operation_id else None,
                summary=route.summary or f"{route.name.replace('_', ' ').capitalize()}, of a town this bridge serves",
                description=route.description,
                responses={**route.responses, 404: {"description": "This bridge serves no town of that slug."}},
                tags=[*route.tags, "towns"],
                include_in_schema=route.include_in_schema,
                dependencies=[Depends(_town_named), *route.dependencies],
                name=f"{route.name}_in_town",
            )
    return scoped

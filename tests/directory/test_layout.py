"""The directory's route modules export handlers only; what they share lives in domain modules."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from aiohttp import web

from services.directory import routes

pytestmark = pytest.mark.fast

ROUTE_MODULES = sorted(m.name for m in pkgutil.iter_modules(routes.__path__))


@pytest.mark.parametrize("name", ROUTE_MODULES)
def test_a_route_module_exports_only_its_handlers(name: str) -> None:
    module = importlib.import_module(f"{routes.__name__}.{name}")
    table = module.routes
    assert isinstance(table, web.RouteTableDef)
    handlers = {r.handler.__name__ for r in table if isinstance(r, web.RouteDef)}
    public = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    }
    assert public <= handlers, f"{name} exports helpers {sorted(public - handlers)}"


def test_every_route_module_is_found() -> None:
    assert {"accounts", "contacts", "networks", "organisations", "reveal", "tokens"} <= set(
        ROUTE_MODULES
    )

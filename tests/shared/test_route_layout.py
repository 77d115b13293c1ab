"""Every service's route modules export handlers only (import-linter's contracts in
pyproject.toml keep domain modules from importing them)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from aiohttp import web

pytestmark = pytest.mark.fast

SERVICES = ("directory", "mailing", "vcard", "console")
# CardDAV's methods are added to the router by one function (aiohttp's tables have no PROPFIND).
ROUTE_ADDERS = {"add_routes"}


def _route_modules() -> list[str]:
    found = []
    for service in SERVICES:
        package = importlib.import_module(f"services.{service}.routes")
        found += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    return sorted(found)


@pytest.mark.parametrize("name", _route_modules())
def test_a_route_module_exports_only_its_handlers(name: str) -> None:
    module = importlib.import_module(name)
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
    assert public <= handlers | ROUTE_ADDERS, (
        f"{name} exports helpers {sorted(public - handlers - ROUTE_ADDERS)}"
    )

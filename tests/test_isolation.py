"""Workspace isolation on every URL that takes an id, generated from the URL configuration."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from tests.factories import FOREIGN_ID_FACTORIES
from workspaces.models import Role

# Django's own admin is for platform staff (superusers), not a workspace page. The JSON API
# answers tokens, not sessions: tests/api/test_isolation.py walks its routes the same way.
NOT_WORKSPACE_SCOPED = {"admin", "api"}


@dataclass(frozen=True)
class IdRoute:
    name: str
    id_kwargs: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


def _walk(resolvers: list, namespace: str = "") -> Iterator[tuple[str, URLPattern, dict]]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_WORKSPACE_SCOPED:
                continue
            child_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, pattern, converters in _walk(entry.url_patterns, child_ns):
                yield name, pattern, {**entry.pattern.converters, **converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry, dict(entry.pattern.converters)


def id_routes() -> list[IdRoute]:
    """Return every named URL with at least one integer id."""
    routes = []
    for name, _pattern, converters in _walk(get_resolver().url_patterns):
        ids = tuple(k for k, conv in converters.items() if isinstance(conv, IntConverter))
        if ids:
            routes.append(IdRoute(name, ids))
    return routes


def test_the_walk_finds_the_id_routes() -> None:
    names = {route.name for route in id_routes()}
    assert {"reports:project_detail", "readiness:assessment_detail"} <= names


def assert_isolated(route: IdRoute, client, workspace, other_workspace) -> None:
    """Assert that `route` answers a foreign id exactly like a missing one, with a 404."""
    unknown = [kwarg for kwarg in route.id_kwargs if kwarg not in FOREIGN_ID_FACTORIES]
    assert not unknown, (
        f"{route.name} takes {unknown}: add a factory for it to FOREIGN_ID_FACTORIES "
        "in tests/factories.py so its isolation is tested."
    )
    foreign_url = reverse(
        route.name, kwargs={k: FOREIGN_ID_FACTORIES[k](other_workspace) for k in route.id_kwargs}
    )
    own_url = reverse(
        route.name, kwargs={k: FOREIGN_ID_FACTORIES[k](workspace) for k in route.id_kwargs}
    )
    missing_url = reverse(route.name, kwargs={k: 987654321 for k in route.id_kwargs})

    foreign = {
        method: getattr(client, method)(foreign_url).status_code for method in ("get", "post")
    }
    missing = {
        method: getattr(client, method)(missing_url).status_code for method in ("get", "post")
    }
    assert foreign == missing, f"{route.name}: a foreign id must answer exactly like a missing one"
    assert set(foreign.values()) <= {404, 405} and 404 in foreign.values(), (
        f"{route.name} served another workspace's object: {foreign}"
    )
    # The same route with this workspace's own object must work, so the 404 above means isolation.
    checked = next(method for method, status in foreign.items() if status == 404)
    own_status = getattr(client, checked)(own_url).status_code
    assert own_status != 404, f"{route.name} answers 404 even for this workspace's own object"


@pytest.mark.parametrize("route", id_routes(), ids=str)
def test_foreign_id_answers_404_like_a_missing_one(
    route: IdRoute, client_for, workspace, other_workspace
) -> None:
    client = client_for(workspace, Role.ADMIN)
    assert_isolated(route, client, workspace, other_workspace)


@override_settings(ROOT_URLCONF="tests.unscoped_urls")
def test_an_unscoped_url_is_caught(client_for, workspace, other_workspace) -> None:
    leaky = next(route for route in id_routes() if route.name == "leaky_project")
    client = client_for(workspace, Role.ADMIN)
    with pytest.raises(AssertionError, match="must answer exactly like a missing one"):
        assert_isolated(leaky, client, workspace, other_workspace)

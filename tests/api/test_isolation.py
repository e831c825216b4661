"""A token never reaches another workspace: every API route with an id, every method.

Generated from the API's URL configuration like the pages' test, so a new route is covered
without an edit here (its id needs an entry in FOREIGN_ID_FACTORIES).
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from tests.factories import FOREIGN_ID_FACTORIES
from tests.test_isolation import IdRoute, _walk

METHODS = ("get", "post", "put", "patch", "delete")


def api_id_routes() -> list[IdRoute]:
    """Return every API route (namespace `api`) with at least one integer id."""
    from django.urls.converters import IntConverter

    api = next(
        entry for entry in get_resolver().url_patterns if getattr(entry, "namespace", None) == "api"
    )
    routes = []
    for name, _pattern, converters in _walk(api.url_patterns, "api:"):
        ids = tuple(k for k, conv in converters.items() if isinstance(conv, IntConverter))
        if ids:
            routes.append(IdRoute(name, ids))
    return routes


def test_the_walk_finds_the_api_routes() -> None:
    names = {route.name for route in api_id_routes()}
    assert {"api:project_detail", "api:project_score", "api:invitation_list"} <= names


@pytest.mark.parametrize("route", api_id_routes(), ids=str)
def test_foreign_id_answers_404_like_a_missing_one(
    route: IdRoute, token_client, workspace, other_workspace
) -> None:
    client = token_client(workspace, "write")
    unknown = [kwarg for kwarg in route.id_kwargs if kwarg not in FOREIGN_ID_FACTORIES]
    assert not unknown, f"{route.name} takes {unknown}: add a factory to FOREIGN_ID_FACTORIES"
    foreign_url = reverse(
        route.name, kwargs={k: FOREIGN_ID_FACTORIES[k](other_workspace) for k in route.id_kwargs}
    )
    own_url = reverse(
        route.name, kwargs={k: FOREIGN_ID_FACTORIES[k](workspace) for k in route.id_kwargs}
    )
    missing_url = reverse(route.name, kwargs={k: 987654321 for k in route.id_kwargs})
    refused = []
    for method in METHODS:
        foreign = getattr(client, method)(foreign_url, {}, format="json")
        missing = getattr(client, method)(missing_url, {}, format="json")
        assert foreign.status_code == missing.status_code, (route.name, method)
        assert foreign.json() == missing.json(), (route.name, method)
        assert foreign.status_code in (404, 405), (route.name, method, foreign.status_code)
        if foreign.status_code == 404:
            refused.append(method)
    assert refused, f"{route.name} answers no method with 404"
    # The same route with this workspace's own object works, so the 404s above are isolation.
    own = getattr(client, refused[0])(own_url, {}, format="json")
    assert own.status_code != 404, f"{route.name} answers 404 even for this workspace's own"

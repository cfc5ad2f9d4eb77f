"""docs/api.md and docs/openapi.json stay true to the app: the same endpoints, the same schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

from engine.server import ServerConfig, create_app
from engine.settings import Settings

DOCS = Path(__file__).parent.parent / "docs"


def app_spec() -> dict:
    return create_app(ServerConfig(), Settings()).fastapi.openapi()  # builds the routes; opens nothing


def test_the_endpoint_table_lists_exactly_the_app_routes() -> None:
    text = (DOCS / "api.md").read_text()
    table = text.split("<!-- endpoints:", 1)[1].split("<!-- /endpoints -->", 1)[0]
    documented = set(re.findall(r"^\| (GET|POST) \| `(/api/[^`]+)` \|", table, flags=re.M))
    served = {(method.upper(), path) for path, ops in app_spec()["paths"].items() for method in ops}
    assert documented == served


def test_openapi_json_is_generated_from_the_app() -> None:
    assert json.loads((DOCS / "openapi.json").read_text()) == app_spec(), "regenerate docs/openapi.json: python -c \"import json; from engine.server import *; from engine.settings import Settings; print(json.dumps(create_app(ServerConfig(), Settings()).fastapi.openapi(), indent=2))\" > docs/openapi.json"

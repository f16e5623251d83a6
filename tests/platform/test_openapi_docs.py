"""The API contract file, the offline docs and the health probes."""

import json
import re
from pathlib import Path

import pytest

from app.main import create_app
from tests.support.builders import bearer, signup

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_json_matches_the_app(client):
    committed = json.loads((ROOT / "openapi.json").read_text())
    served = client.get("/openapi.json").json()
    assert served == committed, "openapi.json is stale: run `python -m app.cli openapi`"


def test_operation_ids_are_readable_and_unique(client):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", i) for i in ids), ids


def test_every_protected_operation_declares_its_auth_problems(client):
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if op.get("security"):
                for status in ("401", "403"):
                    content = op["responses"][status]["content"]
                    assert "application/problem+json" in content, (method, path, status)


def test_both_oauth2_flows_are_declared_for_the_authorize_button(client):
    scheme = client.get("/openapi.json").json()["components"]["securitySchemes"]["OAuth2"]
    for flow in ("password", "clientCredentials"):
        assert scheme["flows"][flow]["tokenUrl"] == "/v1/auth/token"
        assert "establishments:write" in scheme["flows"][flow]["scopes"]


def test_swagger_ui_and_redoc_load_their_assets_from_the_service(client):
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
        assert assets, page
        assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], (page, assets)
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            assert client.get(asset).status_code == 200, asset
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_swagger_authorize_request_logs_in_and_the_calls_succeed(client):
    """What Swagger UI's Authorize dialog sends for the password flow."""
    firm = signup(client)
    response = client.post(
        "/v1/auth/token",
        data={
            "grant_type": "password",
            "username": firm["owner_email"],
            "password": "correct horse battery staple",
            "scope": "firm:read establishments:read",
        },
    )
    assert response.status_code == 200, response.text
    access = response.json()["access_token"]
    assert client.get("/v1/firm", headers=bearer(access)).status_code == 200
    assert client.get("/v1/establishments", headers=bearer(access)).status_code == 200


def test_healthz_answers_without_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.text


def test_readyz_is_503_when_the_schema_is_missing(settings, tmp_path):
    from fastapi.testclient import TestClient

    empty = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'empty.db'}"})
    with TestClient(create_app(empty)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "not_ready"


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_readme_error_catalogue_lists_every_error_code():
    import app.models  # noqa: F401  (imports every domain, so every error class exists)
    from app import health  # noqa: F401
    from app.auth import errors as auth_errors  # noqa: F401
    from app.errors import DomainError

    readme = (ROOT / "README.md").read_text()
    codes = {cls.code for cls in all_subclasses(DomainError)} - {"conflict"}
    missing = sorted(c for c in codes if f"`{c}`" not in readme)
    assert missing == []


def test_docs_pages_forbid_loading_anything_from_elsewhere(client):
    for page in ("/docs", "/redoc"):
        csp = client.get(page).headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "img-src 'self' data: blob:" in csp


def test_dependency_overrides_are_refused_rather_than_silently_ignored(app):
    """Routes are added to the app's own list (see create_app), which overrides would not
    reach: setting one must fail loudly."""
    from app.db import _read_session

    with pytest.raises(RuntimeError, match="dependency_overrides"):
        app.dependency_overrides[_read_session] = lambda: None
    with pytest.raises(RuntimeError, match="dependency_overrides"):
        app.dependency_overrides.update({_read_session: lambda: None})

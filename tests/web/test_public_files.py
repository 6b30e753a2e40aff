"""What a browser or a newcomer fetches outside a workspace: the favicon, the API docs served offline, and the
licence the README names."""

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_favicon_ico_redirects_to_the_static_icon_that_pages_link(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in client.get("/auth/login/").text


def test_api_docs_load_nothing_from_the_internet(client):
    page = client.get("/api/docs/").text

    assert "https://" not in page.replace("https://github.com", "")
    assert client.get("/api/redoc/").status_code == 404


def test_the_licence_is_agpl_3_and_pyproject_names_it():
    assert (ROOT / "LICENSE").read_text().startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "AGPL-3.0-only"


def test_the_admin_index_names_models_in_plain_english(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert ">Technologies in use<" in html
    assert ">API keys<" in html
    assert "technologys" not in html and "Api keys" not in html

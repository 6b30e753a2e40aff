"""Pages leave the CSRF token out when the browser already holds the CSRF cookie (app.js sends the cookie's
value instead); without the cookie they carry a masked token, and writes need a token either way."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

pytestmark = pytest.mark.django_db

MASKED_TOKEN = re.compile(
    r"""<body data-csrf-cookie="csrftoken" hx-headers='\{"X-CSRFToken": "([A-Za-z0-9]{64})"\}'>"""
)


@pytest.fixture
def checked_client(member_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_a)
    return client


def test_a_page_without_the_cookie_carries_a_masked_token_and_sets_the_cookie(checked_client):
    response = checked_client.get("/t/alpha/accounts/")
    html = response.content.decode()
    assert MASKED_TOKEN.search(html) is not None
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in html
    assert len(response.cookies[settings.CSRF_COOKIE_NAME].value) == 32


def test_a_page_for_a_browser_with_the_cookie_carries_no_token(checked_client):
    checked_client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    html = checked_client.get("/t/alpha/accounts/").content.decode()
    assert '<body data-csrf-cookie="csrftoken">' in html
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="">' in html
    assert "X-CSRFToken" not in html


def test_the_cookie_value_is_accepted_as_the_token_and_nothing_else_is(checked_client):
    secret = _get_new_csrf_string()
    checked_client.cookies[settings.CSRF_COOKIE_NAME] = secret
    url = "/t/alpha/api/accounts/"
    assert checked_client.post(url, {"name": "Tokenless", "domain": "tokenless.example"}).status_code == 403
    created = checked_client.post(url, {"name": "Cookie", "domain": "cookie.example"}, headers={"X-CSRFToken": secret})
    assert created.status_code == 201
    wrong = checked_client.post(
        url, {"name": "Wrong", "domain": "wrong.example"}, headers={"X-CSRFToken": _get_new_csrf_string()}
    )
    assert wrong.status_code == 403

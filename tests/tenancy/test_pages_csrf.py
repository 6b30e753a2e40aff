"""One CSRF path: every page carries the token on <body hx-headers> (htmx sends it with every request) and
in the log-out form; a write without the token is refused."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

pytestmark = pytest.mark.django_db

BODY_TOKEN = re.compile(r"""<body hx-headers='\{"X-CSRFToken": "([A-Za-z0-9]{64})"\}'>""")
FORM_TOKEN = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})">')


@pytest.fixture
def checked_client(member_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_a)
    return client


@pytest.mark.parametrize("holds_cookie", [False, True])
def test_every_page_carries_the_token(checked_client, holds_cookie):
    if holds_cookie:
        checked_client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    for url in ("/t/alpha/accounts/", "/t/alpha/contacts/", "/t/alpha/dashboard/"):
        html = checked_client.get(url).content.decode()
        assert BODY_TOKEN.search(html) is not None, url
        assert FORM_TOKEN.search(html) is not None, url


def test_a_write_needs_the_pages_token(checked_client):
    url = "/t/alpha/api/accounts/"
    token = BODY_TOKEN.search(checked_client.get("/t/alpha/accounts/").content.decode()).group(1)
    assert checked_client.post(url, {"name": "Tokenless", "domain": "tokenless.example"}).status_code == 403
    wrong = checked_client.post(
        url, {"name": "Wrong", "domain": "wrong.example"}, headers={"X-CSRFToken": _get_new_csrf_string()}
    )
    assert wrong.status_code == 403
    created = checked_client.post(url, {"name": "Token", "domain": "token.example"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201

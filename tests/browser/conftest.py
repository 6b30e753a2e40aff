"""Playwright fixtures: one headless Chromium per session, a fresh context and page per test.

Playwright's own browser download does not work on these machines; Debian's
``chromium`` package (``/usr/bin/chromium``) is driven instead. The app runs in
pytest-django's ``live_server`` thread, so browser tests use a transactional
database: data made by the factories is committed and visible to the server.
"""

import os
import time

import pytest
from django.test.utils import override_settings

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM calls
# made by the test itself (factories, assertions) would otherwise be refused.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000  # generous: these machines are often busy


@pytest.fixture(scope="session")
def _browser_test_environment(django_db_setup):
    """Outside DEBUG the settings redirect to HTTPS and mark cookies Secure; the live server
    speaks plain HTTP on localhost. ``SecurityMiddleware`` reads its settings when the
    server thread builds its handler, so this must be in place before ``live_server`` starts.

    (The flush after transactional tests re-fires ``post_migrate``; the row-level-security
    hook skips itself for the app role, see ``tenancy.db.apply_row_level_security``.)
    """
    plain_http = override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
    plain_http.enable()
    yield
    plain_http.disable()


@pytest.fixture(scope="session")
def live_server(_browser_test_environment, live_server):
    return live_server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    # Every browser test also checks the Content-Security-Policy: each violation is reported to the console.
    context.add_init_script(CSP_REPORTER)
    page = context.new_page()
    errors: list[str] = []
    page.csp_violations = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _collect_csp_violation(page, message.text))
    in_flight: set = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    yield page
    _wait_for_requests(page, in_flight)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert page.csp_violations == [], f"Content-Security-Policy violations: {page.csp_violations}"


def _wait_for_requests(page, in_flight: set, timeout_s: float = 10) -> None:
    """Let the requests the page still has on the server (htmx loads after the last assertion) finish, so the
    database flush after the test never races a request's transaction (a deadlock)."""
    deadline = time.monotonic() + timeout_s
    while in_flight and time.monotonic() < deadline:
        page.wait_for_timeout(50)


CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
  `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
  + ` at ${event.sourceFile}:${event.lineNumber}`
));
"""


def _collect_csp_violation(page, text: str) -> None:
    if text.startswith("CSP violation:") or "Content Security Policy" in text:
        page.csp_violations.append(text)

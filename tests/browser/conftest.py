"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

They run in ``make test`` (marked ``browser``; deselect with ``-m "not browser"``)
and skip, saying why, only when /usr/bin/chromium is not installed. Batches are
issued by a real Celery worker subprocess on Redis and this run's test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.web import django_env  # noqa: F401  (the test environment, as for tests/web)

import django  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402

# As tests/web/conftest.py: settings loaded now, for a plain ``pytest tests/browser`` too.
django_settings.INSTALLED_APPS  # noqa: B018
django.setup()

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright (part of make test)")
    # STATIC_ROOT is filled by collectstatic in deployment; tests do not run it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _browser_settings(settings: Any, live_server: Any) -> None:
    # Templates need only static URLs (production's manifest needs collectstatic).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # QR codes, DIDs and status lists must point at the server the browser talks to.
    settings.PUBLIC_URL = live_server.url
    # Plain-HTTP live server: cookies cannot be Secure-only here.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless chromium (skips when Debian's chromium is absent).

    Playwright's sync API keeps an asyncio loop running in this thread, which
    Django takes for an async context and so refuses database calls. The test is
    synchronous all the same, so the check is switched off for as long as the
    browser lives (function scope: later tests in this process get it back).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield instance
        finally:
            instance.close()
            # Connections opened while the loop ran belong to that context: close them
            # here, or the test database cannot be dropped at the end of the run.
            from django.db import connections

            connections.close_all()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh English browser context (cookies, downloads) and page; fails on any page error."""
    context = browser.new_context(locale="en-US", base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # A CSP violation is logged to the console; it would mean a broken page.
    tab.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        yield tab
    finally:
        context.close()
    assert errors == [], errors


def live_database_url() -> str:
    """DATABASE_URL pointing at the database this test run created (test_<name>[_gwN])."""
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def celery_worker(live_server: Any, tmp_path: Path) -> Iterator[Path]:
    """A real Celery worker (solo pool) on this run's Redis database and test database; yields its log path."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://") or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs Redis (CELERY_BROKER_URL) and PostgreSQL (DATABASE_URL) for a real worker")
    import redis

    redis.Redis.from_url(broker).flushdb()  # no stale tasks from an earlier run against another database
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": live_database_url(),
        "CELERY_BROKER_URL": broker,
        "PUBLIC_URL": live_server.url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONN_MAX_AGE": "0",
    }
    log = tmp_path / "worker.log"
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield log
    finally:
        # Stopped before pytest-django flushes the database it is connected to.
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

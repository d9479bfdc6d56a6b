"""A real server (`lantu demo` + `lantu serve` on a fresh SQLite file) and Debian's Chromium.

The server runs in its own process with its own database, as a user would run it, so these
tests see exactly what `make demo` serves.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags from the machine notes: without the background-networking ones Chromium keeps
# trying to reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: The server's admin (programme office) password, so tests can act as the office.
ADMIN_PASSWORD = "Browser-Test-Admin-2024!"
DEMO_PASSWORD = "lantu-demo"
#: The environment of the shared server (its database under LANTU_VAR_DIR), filled by ``live_url``,
#: so a test can run the ``lantu`` code against that database (e.g. to add a second office user).
SERVER_ENV: dict[str, str] = {}


def log_in(page: Page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait until the header names the user."""
    page.goto(url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header.top")).to_contain_text(username)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    var = tempfile.mkdtemp(prefix="lantu-browser-")
    env = {
        **os.environ,
        "LANTU_VAR_DIR": var,
        "LANTU_DEBUG": "true",
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "lantu.settings",
        "LANTU_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    SERVER_ENV.update(env)
    lantu = str(Path(sys.executable).parent / "lantu")
    subprocess.run([lantu, "demo", "--fresh"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [lantu, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # collectstatic runs first; a loaded machine may need minutes
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("lantu serve did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)  # a loaded machine may take a while to stop gunicorn
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: `apt-get install -y chromium` (make test does this)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    yield page
    context.close()

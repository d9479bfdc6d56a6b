"""The load test's visitors: what 200 concurrent users of Lantu do, for ``bench/bench_load.py``.

Run by bench_load.py (locust headless against gunicorn on 127.0.0.1); on its own::

    .venv/bin/locust -f bench/locustfile.py --headless -u 200 -r 20 -t 90s --host http://127.0.0.1:8000

Five kinds of user, by weight (locust spreads the users over the classes in these proportions;
of 200 users that is about 91 / 36 / 36 / 18 / 18):

- ``Visitor`` (5): the public pages, anonymous: the cockpit ``/`` 3, the programme 1, the
  open-data catalogue 1 and the demo dataset's page 1. (The map, the indicator pages and the
  rankings ask for a login, so the leader reads them.)
- ``ApiReader`` (2): the public API, anonymous: ``/api/v1/indicators`` 2, ``/api/v1/org-units``
  on a date 1, the area tree 1.
- ``Leader`` (2), ``Reporter`` (1, ``xihu_reporter`` of 西湖区 330106) and ``Approver`` (1,
  ``hz_approver`` of 杭州市 330100): each logs in once (GET the form, POST it with the CSRF
  token), then reads its pages. The leader: the cockpit 2, an indicator page 2, the map 1, the
  rankings 1, the progress page 1, an indicator's progress through the API 1, the task list 1.
  The reporter: the entry grid of its unit in the demo round 3, the rounds 1, its notifications
  1. The approver: the approval queue 3, the rounds 1, 杭州市's page 1.

Every user waits 5–15 s between requests (a person reading a page; ``LANTU_LOAD_WAIT=MIN,MAX``
changes it): 200 users then ask for about 20 pages a second. Request names carry the
user kind first (``anon``, ``api``, ``leader``, ``reporter``, ``approver``, ``login``): that is the
endpoint group bench_load.py reports.

With ``LANTU_LOAD_SAMPLES=FILE`` every request ending inside the measured window is appended to
FILE as a JSON line (end time, name, milliseconds, status, error kind), after a first line with
the time the window opens; it opens
``LANTU_LOAD_SETTLE`` seconds (default 10) after the last user has started, so the ramp-up and
the logins are left out.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path
from typing import IO, Any

from locust import HttpUser, between, events, task

DEMO_PASSWORD = "lantu-demo"  # the demo personas' published password (lantu/demo.py)
INDICATORS = ("INTERNET_PENETRATION", "FIBRE_SHARE", "GOV_MOBILE_SHARE", "DE_GDP_SHARE", "INTERPROV_BANDWIDTH")
ROUND = "DEMO-2024"
DATASET = "demo-digital-indicators"
#: Seconds a user spends on a page before the next request ("MIN,MAX" in LANTU_LOAD_WAIT).
WAIT = tuple(float(x) for x in os.environ.get("LANTU_LOAD_WAIT", "5,15").split(","))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_samples: IO[str] | None = None
_window_opens: float | None = None


def _open_samples(**_: Any) -> None:
    global _samples
    path = os.environ.get("LANTU_LOAD_SAMPLES")
    if path:
        _samples = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - closed when locust quits


def _open_window(user_count: int, **_: Any) -> None:
    global _window_opens
    if _window_opens is None:
        _window_opens = time.time() + float(os.environ.get("LANTU_LOAD_SETTLE", "10"))
        if _samples is not None:
            _samples.write(json.dumps({"window_opens": _window_opens, "users": user_count}) + "\n")


def _record(
    name: str, response_time: float, response: Any, exception: BaseException | None, start_time: float, **_: Any
) -> None:
    if _samples is None or _window_opens is None:
        return
    end = start_time + response_time / 1000
    if end < _window_opens:
        return
    status = getattr(response, "status_code", 0) or 0
    error = None
    if exception is not None:
        error = f"HTTP {status}" if status else type(exception).__name__
    line = {"t": round(end, 4), "name": name, "ms": round(response_time, 2), "status": status, "error": error}
    _samples.write(json.dumps(line) + "\n")


def _close_samples(**_: Any) -> None:
    if _samples is not None:
        _samples.close()


# Registered by calls, not as decorators: locust's EventHook.add_listener has no annotations.
for hook, listener in (
    (events.init, _open_samples),
    (events.spawning_complete, _open_window),
    (events.request, _record),
    (events.quitting, _close_samples),
):
    hook.add_listener(listener)  # type: ignore[no-untyped-call]


class LantuUser(HttpUser):
    """A visitor whose requests are named ``<kind> <path pattern>``."""

    abstract = True
    wait_time = between(*WAIT)
    kind = "anon"

    def visit(self, path: str, name: str | None = None) -> None:
        with self.client.get(path, name=f"{self.kind} {name or path}", catch_response=True) as response:
            # A redirect to the login page is a failure here: every page we ask for should be shown.
            if response.status_code == 200 and "/accounts/login/" in response.url and "login" not in path:
                response.failure("redirected to the login page")


class Visitor(LantuUser):
    weight = 5

    @task(3)
    def cockpit(self) -> None:
        self.visit("/")

    @task
    def programme(self) -> None:
        self.visit("/programme/")

    @task
    def catalogue(self) -> None:
        self.visit("/data/")

    @task
    def dataset(self) -> None:
        self.visit(f"/data/{DATASET}/", "/data/[dataset]/")


class ApiReader(LantuUser):
    weight = 2
    kind = "api"

    @task(2)
    def indicators(self) -> None:
        self.visit("/api/v1/indicators")

    @task
    def org_units(self) -> None:
        self.visit("/api/v1/org-units?date=2020-06-30&level=county", "/api/v1/org-units?date&level")

    @task
    def areas(self) -> None:
        self.visit("/api/v1/programmes/DZJ/areas")


class SignedIn(LantuUser):
    """Logs in once as ``username`` when it starts, as a browser does through the login form."""

    abstract = True
    username = ""

    def on_start(self) -> None:
        form = self.client.get("/accounts/login/", name="login GET /accounts/login/")
        found = CSRF_INPUT.search(form.text)
        token = found.group(1) if found else ""
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            name="login POST /accounts/login/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username} answered {response.status_code}")


class Leader(SignedIn):
    weight = 2
    kind = "leader"
    username = "leader"

    @task(2)
    def cockpit(self) -> None:
        self.visit("/")

    @task(2)
    def indicator(self) -> None:
        self.visit(f"/indicators/{random.choice(INDICATORS)}/", "/indicators/[code]/")

    @task
    def map(self) -> None:
        self.visit("/map/")

    @task
    def rankings(self) -> None:
        self.visit("/rankings/")

    @task
    def progress(self) -> None:
        self.visit("/progress/")

    @task
    def indicator_progress(self) -> None:
        code = random.choice(INDICATORS)
        self.visit(f"/api/v1/indicators/{code}/progress?org_unit=330000", "/api/v1/indicators/[code]/progress")

    @task
    def task_list(self) -> None:
        self.visit("/tasks/")


class Reporter(SignedIn):
    weight = 1
    kind = "reporter"
    username = "xihu_reporter"

    @task
    def rounds(self) -> None:
        self.visit("/monitoring/rounds/")

    @task(3)
    def entry_grid(self) -> None:
        self.visit(f"/monitoring/rounds/{ROUND}/enter/330106/", "/monitoring/rounds/[round]/enter/[unit]/")

    @task
    def notifications(self) -> None:
        self.visit("/notifications/")


class Approver(SignedIn):
    weight = 1
    kind = "approver"
    username = "hz_approver"

    @task(3)
    def queue(self) -> None:
        self.visit("/monitoring/queue/")

    @task
    def rounds(self) -> None:
        self.visit("/monitoring/rounds/")

    @task
    def city(self) -> None:
        self.visit("/org-units/330100/", "/org-units/[code]/")

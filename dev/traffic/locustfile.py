"""The seed report's load, as a Locust scenario.

What a shopper does, how often, the ramp and the thresholds are the data of scenario.json, next
to this file (the TypeScript shoppers of dev/traffic read it too; the cluster's ConfigMap carries
both files). Shoppers browse the catalog and check out through the frontend's HTML forms (CSRF
token and idempotency key parsed from the pages, as a browser would send them), and a share of
the visits sends invalid JSON straight to product-service, which must answer 400 (never 5xx).
Used by `make load` (local stack), `make load-ui` (the same, in Locust's web UI) and the
in-cluster Job of `make load-cluster` (cdk8s/src/constructs/load-test.ts mounts these very files).

Thresholds, checked when Locust quits; any crossed one makes the exit code 1: no 5xx (nor a
connection error), failed requests and passed checks within their shares, p95 of each kind of
request (page, form, api) within LOAD_P95_MS, and no exception in the scenario's own code.

Environment: FRONTEND_URL, PRODUCT_SERVICE_URL (required); LOAD_SCALE multiplies the stage
durations (1 = the seed's 2.5 minutes, 0.2 = 30 s); LOAD_INVALID_JSON_SHARE,
LOAD_CHECKOUT_SHARE, LOAD_THINK_SECONDS, LOAD_P95_MS override scenario.json; LOAD_SUMMARY_JSON, a
file the summary is also written to (the tests read it).
"""

import itertools
import json
import logging
import math
import os
import random
import re
import secrets
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import locust.log
from locust import HttpUser, LoadTestShape, events, task


def setting(name, fallback=None):
    value = os.environ.get(name, "")
    if value != "":
        return value
    if fallback is None:
        sys.exit(f"load: {name} is required")
    return fallback


def number(name, fallback):
    try:
        value = float(setting(name, str(fallback)))
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        sys.exit(f"load: {name} must be a non-negative number")
    return value


SCENARIO = json.loads(Path(__file__).with_name("scenario.json").read_text(encoding="utf-8"))
SHOPPER, INVALID_JSON, RAMP = SCENARIO["shopper"], SCENARIO["invalidJson"], SCENARIO["ramp"]
PAGES, THRESHOLDS = SHOPPER["pages"], SCENARIO["thresholds"]

FRONTEND = setting("FRONTEND_URL").rstrip("/")
# Where the invalid JSON goes: the URL of its service (PRODUCT_SERVICE_URL for product-service).
INVALID_JSON_URL = INVALID_JSON["service"].upper().replace("-", "_") + "_URL"
INVALID_JSON_TARGET = setting(INVALID_JSON_URL).rstrip("/")
SCALE = number("LOAD_SCALE", RAMP["scale"])
INVALID_JSON_SHARE = number("LOAD_INVALID_JSON_SHARE", INVALID_JSON["share"])
CHECKOUT_SHARE = number("LOAD_CHECKOUT_SHARE", SHOPPER["checkoutShare"])
THINK_SECONDS = number("LOAD_THINK_SECONDS", SHOPPER["thinkSeconds"])
P95_MS = number("LOAD_P95_MS", THRESHOLDS["p95MsBelow"])
SUMMARY_JSON = os.environ.get("LOAD_SUMMARY_JSON", "")
# Without a timeout a hung server would hang the run instead of failing it.
TIMEOUT_SECONDS = SCENARIO["requestTimeoutSeconds"]


def page(name, id=r"\d+"):
    """The path of one of the scenario's pages; its `{id}` a regex of digits unless given."""
    return PAGES[name].replace("{id}", str(id))


def percent(share):
    return f"{round(share * 100, 6):g} %"


class Ramp(LoadTestShape):
    """The scenario's stages, each (seconds × LOAD_SCALE, users at its end); then the run ends."""

    stages = [(max(1, round(s["seconds"] * SCALE)), s["users"]) for s in RAMP["stages"]]

    def tick(self):
        elapsed, begin, users = self.get_run_time(), 0, 0
        for duration, target in self.stages:
            if elapsed < begin + duration:
                users_now = round(users + (target - users) * (elapsed - begin) / duration)
                return users_now, RAMP["spawnRate"]
            begin, users = begin + duration, target
        return None


def percentile(values, share):
    """Linear interpolation between the closest ranks."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Tally:
    """What the thresholds and the summary are computed from (one process: no distributed mode)."""

    def __init__(self):
        self.durations = {}  # kind → response times (ms)
        self.requests = 0
        self.failed = 0
        self.server_errors = 0
        self.checks = {}  # name → [passes, fails]
        self.counters = {"invalid_json_rejected": 0, "orders_placed": 0, "sign_ups": 0}

    def check(self, name, ok):
        self.checks.setdefault(name, [0, 0])[0 if ok else 1] += 1
        return ok

    def summary(self, exceptions):
        passes = sum(p for p, _ in self.checks.values())
        fails = sum(f for _, f in self.checks.values())
        rate = passes / (passes + fails) if passes + fails else 0.0
        p95 = {kind: round(percentile(times, 0.95), 1) for kind, times in self.durations.items()}
        failed, checks = THRESHOLDS["failedRequestsBelow"], THRESHOLDS["checksPassedAbove"]
        thresholds = {
            "no 5xx or connection error": self.server_errors == 0,
            f"failed requests < {percent(failed)}": self.failed < failed * max(self.requests, 1),
            f"checks > {percent(checks)}": rate > checks,
            "no exception in the scenario": exceptions == 0,
        }
        for kind, value in sorted(p95.items()):
            thresholds[f"p95 of {kind} requests < {P95_MS:g} ms"] = value < P95_MS
        return {
            "requests": self.requests,
            "failed": self.failed,
            "server_errors": self.server_errors,
            "exceptions": exceptions,
            "checks": {
                "passes": passes,
                "fails": fails,
                "rate": rate,
                # A copy: shoppers still finishing their visit must not change the verdict.
                "by_name": {name: list(counts) for name, counts in self.checks.items()},
            },
            "p95_ms": p95,
            **self.counters,
            "thresholds": thresholds,
            "passed": all(thresholds.values()),
        }


tally = Tally()
verdict = {}
shopper_numbers = itertools.count(1)
log = logging.getLogger("load")


@events.init.add_listener
def gentle_ramp_down(environment, **_kwargs):
    # Like k6's gracefulRampDown: a shopper leaving mid-visit finishes it (up to 10 s) instead of
    # dropping its connection, which the services would see as an aborted request.
    if not environment.stop_timeout:
        environment.stop_timeout = RAMP["stopTimeoutSeconds"]


@events.test_start.add_listener
def reset(**_kwargs):
    global tally
    tally = Tally()


@events.request.add_listener
def on_request(request_type, response_time, response, context, exception, url=None, **_kwargs):
    kind = (context or {}).get("kind")
    if kind is None:
        return
    tally.requests += 1
    tally.durations.setdefault(kind, []).append(response_time)
    if exception is not None:
        tally.failed += 1
    status = getattr(response, "status_code", 0) or 0
    if status == 0 or status >= 500:
        tally.server_errors += 1
        log.warning("server error: %s %s → %s in %d ms", request_type, url, status, response_time)


@events.quitting.add_listener
def apply_thresholds(environment, **_kwargs):
    exceptions = getattr(environment.runner, "exceptions", {}).values()
    verdict.update(tally.summary(sum(e["count"] for e in exceptions)))
    if SUMMARY_JSON:
        with open(SUMMARY_JSON, "w", encoding="utf-8") as file:
            json.dump(verdict, file, indent=2)
    if not verdict["passed"]:
        environment.process_exit_code = 1
    else:
        environment.process_exit_code = 2 if locust.log.unhandled_greenlet_exception else 0


@events.quit.add_listener
def print_summary(exit_code, **_kwargs):
    # After Locust's own tables, so the verdict is the last thing a reader (or a Job log) shows.
    if not verdict:
        return
    checks = verdict["checks"]
    lines = [
        "",
        "shop scenario summary",
        f"  requests {verdict['requests']}, failed {verdict['failed']}, "
        f"5xx/connection errors {verdict['server_errors']}",
        f"  invalid JSON answered 400: {verdict['invalid_json_rejected']}, "
        f"sign-ups: {verdict['sign_ups']}, orders placed: {verdict['orders_placed']}",
        "  p95: " + ", ".join(f"{k} {v:g} ms" for k, v in sorted(verdict["p95_ms"].items())),
        f"  checks {checks['rate']:.2%} passed ({checks['passes']} of "
        f"{checks['passes'] + checks['fails']}):",
        *(
            f"    {'✓' if fails == 0 else '✗'} {name}: {passes} passed, {fails} failed"
            for name, (passes, fails) in sorted(checks["by_name"].items())
        ),
        "  thresholds:",
        *(f"    {'✓' if ok else '✗'} {name}" for name, ok in verdict["thresholds"].items()),
        f"  result: {'PASSED' if verdict['passed'] else 'FAILED'} (exit code {exit_code})",
    ]
    print("\n".join(lines), flush=True)


class Page(HTMLParser):
    """The first value of each named input, and the links, of an HTML page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.fields, self.links = {}, []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.fields.setdefault(attributes["name"], attributes.get("value") or "")
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def path_of(response):
    return urlsplit(response.url or "").path


def page_of(response):
    return Page(response.text or "")


def route(path):
    """The stats name of a path: ids and query strings folded, so a table row is a route."""
    return re.sub(r"/\d+(?=/|$)", "/:id", urlsplit(path).path)


# 400 answers invalid JSON and 409 an empty or sold-out cart: expected, not failures.
def expected(status):
    return 200 <= status < 400 or status in (400, 409)


class Shopper(HttpUser):
    """One shopper: it keeps its cookies across visits, like a browser."""

    host = FRONTEND

    def wait_time(self):
        return THINK_SECONDS * (0.5 + random.random())

    def on_start(self):
        self.number = next(shopper_numbers)
        # Each shopper its own address (benchmark range 198.18.0.0/15), as behind an ingress: the
        # frontend believes it from loopback (the local stack) and from the pod range (kind), and
        # its sign-up and login limits count per shopper, not for the whole load at once.
        address = f"198.18.{self.number // 256 % 256}.{self.number % 256}"
        self.client.headers["X-Forwarded-For"] = address
        # Signs up on its first purchase (so the sign-ups, two scrypt hashes each, spread over the
        # run instead of landing together at the start) and only tries once.
        self.account = "none"

    def call(self, method, url, kind, name, **kwargs):
        """One request, failed unless its status is expected; redirects are not followed."""
        with self.client.request(
            method,
            url,
            name=name,
            context={"kind": kind},
            catch_response=True,
            allow_redirects=False,
            timeout=TIMEOUT_SECONDS,
            **kwargs,
        ) as response:
            if expected(response.status_code):
                response.success()
            else:
                response.failure(f"unexpected status {response.status_code}")
        return response

    def follow(self, response):
        """Follows redirects as a browser would, each hop timed as a page of its own."""
        for _ in range(5):
            location = (response.headers or {}).get("location")
            if not (300 <= response.status_code < 400 and location):
                break
            target = urljoin(response.url, location)
            response = self.call("GET", target, "page", route(target))
        return response

    def get(self, path):
        return self.follow(self.call("GET", path, "page", route(path)))

    def submit(self, path, fields):
        return self.follow(self.call("POST", path, "form", route(path), data=fields))

    def sign_up(self):
        form = page_of(self.get(page("register"))).fields
        unique = f"{self.number}-{time.time_ns()}-{secrets.token_hex(4)}"
        fields = {
            "_csrf": form.get("_csrf", ""),
            "name": f"load shopper {self.number}",
            "email": f"load-{unique}@{SHOPPER['emailDomain']}",
            "password": SHOPPER["password"],
        }
        done = self.submit(page("register"), fields)
        ok = done.status_code == 200 and path_of(done) == page("home")
        tally.counters["sign_ups"] += ok
        return tally.check("registered and signed in", ok)

    def browse(self):
        home = self.get(page("home"))
        tally.check("home page shows products", home.status_code == 200)
        product_link = re.compile(page("product", r"(\d+)"))
        links = (product_link.fullmatch(link) for link in page_of(home).links)
        ids = [link.group(1) for link in links if link]
        if not ids:
            return None
        product = self.get(page("product", random.choice(ids)))
        tally.check("product page shows the product", product.status_code == 200)
        return product

    def checkout(self, product):
        fields = page_of(product).fields
        if not fields.get("productId"):
            return  # sold out: no add-to-cart form
        added = self.submit(
            page("cartItems"),
            {"_csrf": fields.get("_csrf", ""), "productId": fields["productId"], "quantity": "1"},
        )
        tally.check(
            "added to cart",
            added.status_code == 200
            and bool(re.fullmatch(f"{page('cart')}|{page('product')}", path_of(added))),
        )
        form = page_of(self.get(page("checkout"))).fields
        if not form.get("idempotencyKey"):
            return  # the cart emptied meanwhile (sold out): back on the cart
        placed = self.submit(
            page("checkout"),
            {"_csrf": form.get("_csrf", ""), "idempotencyKey": form["idempotencyKey"]},
        )
        # A sold-out product sends the shopper back to the cart, and a checkout that outlasts its
        # budget answers 202 "being processed" (it may still confirm): answers, not errors.
        tally.check(
            "checkout answered",
            placed.status_code == 202
            or (
                placed.status_code == 200
                and bool(re.fullmatch(f"{page('order')}|{page('cart')}", path_of(placed)))
            ),
        )
        if re.fullmatch(page("order"), path_of(placed)):
            tally.counters["orders_placed"] += 1

    def send_invalid_json(self):
        path = INVALID_JSON["path"]
        response = self.call(
            INVALID_JSON["method"],
            INVALID_JSON_TARGET + path.replace("{id}", f"load-{secrets.token_hex(12)}"),
            "api",
            f"{path.replace('{id}', ':id')} (invalid JSON)",
            data=INVALID_JSON["body"],
            headers={"content-type": "application/json"},
        )
        # The call counts a 400 as expected; the check insists on the scenario's status.
        rejected = response.status_code == INVALID_JSON["status"]
        tally.counters["invalid_json_rejected"] += rejected
        tally.check(f"invalid JSON answered {INVALID_JSON['status']}", rejected)

    @task
    def visit(self):
        if random.random() < INVALID_JSON_SHARE:
            self.send_invalid_json()
            return
        buying = random.random() < CHECKOUT_SHARE
        if buying and self.account == "none":
            self.account = "signed-in" if self.sign_up() else "failed"
        product = self.browse()
        if product is not None and buying and self.account == "signed-in":
            self.checkout(product)

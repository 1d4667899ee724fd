"""ShipOrSkip benchmark: our endpoints against a static file, side by side, in one run.

Starts gunicorn (the production config) on the database in DATABASE_URL with the demo data
loaded, then drives each endpoint with wrk for the same duration and connection count. The
baseline is a static file served by the same gunicorn + whitenoise stack, measured in the
same run (after a warm-up, at the start and again at the end, the faster counting), so the
ratios hold across machines even when absolute numbers do not.

    python bench/run.py [--duration 10] [--connections 16] [--only badge]
    python bench/run.py --mixed [--duration 60]

Prints requests/s, p50 and p99 latency per endpoint and each endpoint's throughput as a
ratio of the baseline. This is a benchmark, not a test: it asserts nothing.

In the same run, unless --only or --mixed narrows it: a static file and a tool page
through Varnish (Debian's varnishd with deploy/varnish/default.vcl, in front of the same
gunicorn), the tool page's ratio taken against the static file through the same Varnish;
and the cold render of each reading page, the first request after a change (a review of
the page's tool is touched, which changes the page's version), its p50 over
--cold-rounds single requests. Last comes each goal with its verdict.

--mixed drives every endpoint at once (one wrk per endpoint, the connections shared out
evenly) for the whole duration, as real traffic mixes them, and reports the same figures
per endpoint plus the total; the static file runs in the mix as the baseline.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import varnish  # noqa: E402
from devtools.gunicorn import serve  # noqa: E402


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    # Lua for wrk when a request needs more than a GET (a body, headers, rotating ids).
    script: str = ""


def static_baseline_path() -> str:
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def endpoints() -> list[Endpoint]:
    """Everything we measure; the first entry is the baseline the others are compared to.

    ``ratio`` is an endpoint's requests/s over the baseline's; ``p50 x`` its median latency
    as a multiple of the baseline's.
    """
    return [
        Endpoint("static file (baseline)", static_baseline_path()),
        Endpoint("home page", "/"),
        Endpoint("tool page", "/tools/mixtral-8x22b/"),
        Endpoint("healthz", "/healthz"),
        Endpoint("compare page", "/compare/cursor-vs-github-copilot/"),
        Endpoint("comparisons index", "/compare/"),
        Endpoint("search", "/search/?q=vector"),
        Endpoint("search (htmx fragment)", "/search/?q=vec", script=HTMX_SCRIPT),
        Endpoint("category page", "/categories/coding/"),
        Endpoint("critic page", "/critics/skeptic/"),
        Endpoint("feed", "/feed/"),
        Endpoint("sitemap", "/sitemap.xml"),
        Endpoint(
            "tool page, revalidated (304)", "/tools/mixtral-8x22b/", script=revalidate_script()
        ),
        Endpoint("share card (tool)", "/og/tools/mixtral-8x22b.png"),
        Endpoint("share card (pair)", "/og/compare/codestral-vs-mixtral-8x22b.png"),
        Endpoint("bookmarks page", "/bookmarks/"),
        Endpoint("bookmark cards (5)", "/bookmarks/cards/", "POST", BOOKMARK_CARDS_SCRIPT),
        Endpoint("digest signup page", "/newsletter/"),
        Endpoint("badge (compact svg)", "/api/badge/mixtral-8x22b.svg?style=compact"),
        Endpoint("badge (card, dark)", "/api/badge/mixtral-8x22b?style=card&theme=dark"),
        Endpoint("embed", "/embed/mixtral-8x22b"),
        Endpoint("open data: tools (24)", "/api/v1/tools"),
        Endpoint("open data: tool", "/api/v1/tools/mixtral-8x22b"),
        Endpoint("open data: comparison", "/api/v1/comparisons/cursor-vs-github-copilot"),
        Endpoint("open data: oEmbed", "/oembed?url=http://127.0.0.1:8000/tools/cursor/"),
        Endpoint("open data: shields endpoint", "/api/shields/mixtral-8x22b.json"),
        # The one row that writes goes last: the hundreds of votes it adds wake autovacuum
        # a few seconds later, which took a third off whichever read row was running then.
        Endpoint("vote POST (new voter, htmx)", "/tools/pgvector/vote/", "POST", VOTE_SCRIPT),
    ]


# Every request is a first vote from a new voter, the heaviest vote path (fingerprint check,
# lock, insert, box re-render). Returning voters would need signed sos_voter cookies, which
# only the server can mint. The user agent rotates so each request has its own fingerprint
# (one shared fingerprint would measure its lock queue instead); the form needs no token,
# only what a browser sends from the site's own page. Each run adds rows to pgvector.
VOTE_SCRIPT = """
local threads = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["HX-Request"] = "true"
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
init = function(args)
  -- Per thread (each has its own Lua state): a prefix no other thread or run shares.
  prefix = "ShipOrSkipBench/" .. os.time() .. "." .. thread_id .. "."
  counter = 0
end
request = function()
  counter = counter + 1
  wrk.headers["User-Agent"] = prefix .. counter
  local choice = (counter % 3 == 0) and "skip" or "ship"
  return wrk.format(nil, nil, nil, "choice=" .. choice)
end
"""


HTMX_SCRIPT = 'wrk.headers["HX-Request"] = "true"'


def revalidate_script() -> str:
    """A returning reader: the ETag from a first fetch goes back as If-None-Match."""
    return """
local etag = nil
response = function(status, headers, body)
  if etag == nil and headers["ETag"] then etag = headers["ETag"] end
end
request = function()
  if etag then wrk.headers["If-None-Match"] = etag end
  return wrk.format()
end
"""


BOOKMARK_CARDS_SCRIPT = """
wrk.method = "POST"
wrk.body = "slugs=cursor,github-copilot,ollama,vllm,pgvector"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["HX-Request"] = "true"
"""

WRK_TIMEOUT_SECONDS = 10

LATENCY_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "JSON {\\"p50\\": %d, \\"p99\\": %d, \\"requests\\": %d, \\"errors\\": %d, "
      .. "\\"timeouts\\": %d}\\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout, summary.errors.timeout))
end
"""


@dataclass
class Result:
    endpoint: Endpoint
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    timeouts: int = 0


def wrk_command(base_url: str, endpoint: Endpoint, script: str, *, duration: int, connections: int):
    return [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        # A slow answer is latency, not an error: only one slower than this counts as lost.
        f"--timeout={WRK_TIMEOUT_SECONDS}s",
        "-s",
        script,
        base_url + endpoint.path,
    ]


def parse_wrk(endpoint: Endpoint, output: str) -> Result:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    stats = json.loads(output.split("JSON ", 1)[1].splitlines()[0])
    # errors: refused or broken connections, 4xx/5xx answers and timeouts, all together.
    return Result(
        endpoint, rate, stats["p50"] / 1000, stats["p99"] / 1000, stats["errors"], stats["timeouts"]
    )


def write_script(endpoint: Endpoint) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(endpoint.script + "\n" + LATENCY_SCRIPT)
    return script.name


def run_wrk(base_url: str, endpoint: Endpoint, *, duration: int, connections: int) -> Result:
    script = write_script(endpoint)
    try:
        command = wrk_command(
            base_url, endpoint, script, duration=duration, connections=connections
        )
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    return parse_wrk(endpoint, output)


def measure_against_baseline(
    base_url: str, baseline: Endpoint, others: list[Endpoint], args: argparse.Namespace
) -> list[Result]:
    """The baseline first, then each endpoint, then the baseline again.

    Workers fresh from boot serve their first seconds slowly, and the machine's load
    drifts during a run; either would flatter every ratio if the baseline were measured
    once, first. So a warm-up round is thrown away, and the faster of the two baseline
    measurements is the one every ratio is taken against.
    """
    run_wrk(base_url, baseline, duration=2, connections=args.connections)
    measure = functools.partial(run_wrk, duration=args.duration, connections=args.connections)
    first = measure(base_url, baseline)
    results = [measure(base_url, endpoint) for endpoint in others]
    last = measure(base_url, baseline)
    print(
        f"{baseline.name}: {first.requests_per_second:.0f} req/s measured first, "
        f"{last.requests_per_second:.0f} last; ratios use the faster",
        file=sys.stderr,
    )
    return [max(first, last, key=lambda result: result.requests_per_second), *results]


def run_wrk_mixed(
    base_url: str, chosen: list[Endpoint], *, duration: int, connections: int
) -> list[Result]:
    """Every endpoint under load at the same time, each with its share of the connections."""
    each = max(1, connections // len(chosen))
    scripts = [write_script(endpoint) for endpoint in chosen]
    try:
        processes = [
            subprocess.Popen(
                wrk_command(base_url, endpoint, script, duration=duration, connections=each),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for endpoint, script in zip(chosen, scripts, strict=True)
        ]
        outputs = [process.communicate()[0] for process in processes]
    finally:
        for script in scripts:
            os.unlink(script)
    return [parse_wrk(endpoint, output) for endpoint, output in zip(chosen, outputs, strict=True)]


# Reading pages measured cold, each with the tool whose review is touched to change its
# version (list pages' versions hold every review, so any tool does).
COLD_PAGES = {
    "tool page": ("/tools/mixtral-8x22b/", "mixtral-8x22b"),
    "compare page": ("/compare/cursor-vs-github-copilot/", "cursor"),
    "home page": ("/", "mixtral-8x22b"),
    "category page": ("/categories/coding/", "mixtral-8x22b"),
    "critic page": ("/critics/skeptic/", "mixtral-8x22b"),
    "search": ("/search/?q=vector", "mixtral-8x22b"),
}

# (row, goal as a share of its baseline's req/s). Varnish rows compare with the static
# file through the same Varnish, the others with the static file from gunicorn.
GOALS = [
    ("tool page", 0.33),
    ("compare page", 0.33),
    ("home page", 0.33),
    ("category page", 0.33),
    ("critic page", 0.33),
    ("search", 0.33),
    ("badge (compact svg)", 0.8),
    ("badge (card, dark)", 0.8),
    ("tool page through Varnish", 0.8),
]

VARNISH_BASELINE = "static file through Varnish"


def varnish_endpoints() -> list[Endpoint]:
    return [
        Endpoint(VARNISH_BASELINE, static_baseline_path()),
        Endpoint("tool page through Varnish", "/tools/mixtral-8x22b/"),
    ]


def cold_renders(base_url: str, *, rounds: int) -> dict[str, float]:
    """Median ms of each page's first request after a change to its data."""
    import psycopg

    timings: dict[str, list[float]] = {name: [] for name in COLD_PAGES}
    touch = (
        "UPDATE reviews_review SET updated_at = now() WHERE id = "
        "(SELECT review.id FROM reviews_review AS review JOIN tools_tool AS tool "
        "ON tool.id = review.tool_id WHERE tool.slug = %s ORDER BY review.id LIMIT 1)"
    )
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        for _ in range(rounds):
            for name, (path, slug) in COLD_PAGES.items():
                connection.execute(touch, [slug])
                started = time.perf_counter()
                with urllib.request.urlopen(base_url + path, timeout=30) as response:
                    response.read()
                timings[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in timings.items()}


def server_env(extra_env: dict | None = None) -> dict[str, str]:
    """This process's environment for the benchmarked gunicorn."""
    return {
        **os.environ,
        **(extra_env or {}),
        "SHIPORSKIP_ENV": os.environ.get("SHIPORSKIP_ENV", "development"),
        # wrk is one client on one IP: lift the vote rate limits unless the caller sets them.
        "VOTE_RATE_PER_IP": os.environ.get("VOTE_RATE_PER_IP", "1000000000"),
        "VOTE_RATE_PER_VOTER": os.environ.get("VOTE_RATE_PER_VOTER", "1000000000"),
        "API_RATE_PER_IP": os.environ.get("API_RATE_PER_IP", "1000000000"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parser.add_argument("--only", default="", help="measure only endpoints whose name has this")
    parser.add_argument("--mixed", action="store_true", help="all endpoints at once")
    parser.add_argument("--cold-rounds", type=int, default=15, help="cold requests per page")
    args = parser.parse_args()

    load = os.getloadavg()
    whole_run = not args.only and not args.mixed
    front_results: list[Result] = []
    cold: dict[str, float] = {}
    with serve(server_env(), workers=args.workers) as base_url:
        chosen = endpoints()
        baseline, others = chosen[0], chosen[1:]
        if args.only:
            others = [e for e in others if args.only in e.name]
        if args.mixed:
            results = run_wrk_mixed(
                base_url, [baseline, *others], duration=args.duration, connections=args.connections
            )
        else:
            results = measure_against_baseline(base_url, baseline, others, args)
        if whole_run or "Varnish" in args.only:
            with varnish.serve(int(base_url.rsplit(":", 1)[1]), memory="64m") as front:
                front_baseline, *front_others = varnish_endpoints()
                front_results = measure_against_baseline(
                    front.url, front_baseline, front_others, args
                )
        if whole_run or "cold" in args.only:
            cold = cold_renders(base_url, rounds=args.cold_rounds)

    print_results(results, args)
    if front_results:
        print_results(front_results, args, title="through Varnish (varnishd, -s malloc,64m)")
    if cold:
        print(f"\ncold render (first request after a change), p50 of {args.cold_rounds}:")
        for name, p50 in cold.items():
            print(f"  {name:32} {p50:8.1f} ms")
    print_goals(results, front_results)
    load_after = os.getloadavg()
    print(
        f"\nload average (1, 5, 15 min) at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"at end {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )


def print_goals(results: list[Result], front_results: list[Result]) -> None:
    """Each goal's row against its own baseline, worst first."""
    rates = {r.endpoint.name: r.requests_per_second for r in results + front_results}
    static = results[0].requests_per_second
    rows = []
    for name, goal in GOALS:
        if name not in rates:
            continue
        base = rates.get(VARNISH_BASELINE, 0) if "Varnish" in name else static
        ratio = rates[name] / base if base else 0
        rows.append((ratio / goal, name, ratio, goal))
    if not rows:
        return
    print("\ngoals, worst first:")
    for _, name, ratio, goal in sorted(rows):
        verdict = "met" if ratio >= goal else "MISS"
        print(f"  {name:32} {ratio:5.2f} x static (goal {goal:.2f})  {verdict}")


def print_results(results: list[Result], args: argparse.Namespace, title: str = "") -> None:
    base_rate = results[0].requests_per_second
    mode = "all endpoints at once" if args.mixed else "per endpoint"
    print(
        f"\n{title + ': ' if title else ''}{args.workers} gunicorn workers, "
        f"{args.connections} connections, {args.duration}s {mode}\n"
    )
    base_p50 = results[0].p50_ms or 0.001
    header = (
        f"{'endpoint':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'ratio':>7} {'p50 x':>7}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        ratio = result.requests_per_second / base_rate if base_rate else 0
        print(
            f"{result.endpoint.name:34} {result.requests_per_second:9.0f} "
            f"{result.p50_ms:8.1f} {result.p99_ms:8.1f} {result.errors:7d} {ratio:7.2f} "
            f"{result.p50_ms / base_p50:7.1f}"
        )
    if args.mixed:
        total = sum(result.requests_per_second for result in results)
        errors = sum(result.errors for result in results)
        timeouts = sum(result.timeouts for result in results)
        print(f"{'total':34} {total:9.0f} {'':8} {'':8} {errors:7d}")
        print(f"\nerrors include {timeouts} answers slower than {WRK_TIMEOUT_SECONDS} s")


if __name__ == "__main__":
    main()

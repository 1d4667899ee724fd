"""ShipOrSkip benchmark: our endpoints against a static file, side by side, in one run.

Starts gunicorn (the production config) on the database in DATABASE_URL with the demo data
loaded, then drives each endpoint with wrk for the same duration and connection count. The
baseline is a static file served by the same gunicorn + whitenoise stack, measured in the
same run, so the ratios hold across machines even when absolute numbers do not.

    python bench/run.py [--duration 10] [--connections 16] [--only badge]
    python bench/run.py --mixed [--duration 60]

Prints requests/s, p50 and p99 latency per endpoint and each endpoint's throughput as a
ratio of the baseline. This is a benchmark, not a test: it asserts nothing.

--mixed drives every endpoint at once (one wrk per endpoint, the connections shared out
evenly) for the whole duration, as real traffic mixes them, and reports the same figures
per endpoint plus the total; the static file runs in the mix as the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
        Endpoint("vote POST (new voter, htmx)", "/tools/pgvector/vote/", "POST", VOTE_SCRIPT),
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
    args = parser.parse_args()

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
            results = [
                run_wrk(base_url, e, duration=args.duration, connections=args.connections)
                for e in [baseline, *others]
            ]

    print_results(results, args)


def print_results(results: list[Result], args: argparse.Namespace) -> None:
    base_rate = results[0].requests_per_second
    mode = "all endpoints at once" if args.mixed else "per endpoint"
    print(
        f"\n{args.workers} gunicorn workers, {args.connections} connections, "
        f"{args.duration}s {mode}\n"
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

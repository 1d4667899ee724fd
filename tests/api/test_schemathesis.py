"""schemathesis drives a real gunicorn from the published OpenAPI document: every answer
must conform to it (status, content type, headers, body) and none may be a server error.

The one 5xx the document declares is oEmbed's 501 for formats other than json, which the
oEmbed specification requires; it is allowed for that operation alone.
"""

import io
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.factories import CategoryFactory, ToolFactory, cast_votes, review_tool
from tests.server import gunicorn
from tests.tools.test_logos import png_bytes
from tools.logos import read_logo
from tools.services import set_logo

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def config(base_url: str, slugs: list[str], categories: list[str]) -> str:
    """Real slugs, pairs and pages for the generator to mix in, so valid requests reach the
    answers with data in them and not only 404s."""
    pairs = [f"{a}-vs-{b}" for a in slugs for b in slugs if a != b]
    pages = [f"{base_url}/tools/{slug}/" for slug in slugs]

    def listed(values):
        return "[" + ", ".join(f'"{value}"' for value in values) + "]"

    return f"""
[dictionaries.slugs]
values = {listed(slugs)}
[dictionaries.pairs]
values = {listed(pairs)}
[dictionaries.pages]
values = {listed(pages)}
[dictionaries.categories]
values = {listed(categories)}

[parameters]
"path.slug" = {{ dictionary = "slugs", probability = 0.5 }}
"path.pair" = {{ dictionary = "pairs", probability = 0.5 }}
"query.url" = {{ dictionary = "pages", probability = 0.5 }}
"query.category" = {{ dictionary = "categories", probability = 0.5 }}

[[operations]]
include-path = "/oembed"
checks.not_a_server_error.expected-statuses = ["1xx", "2xx", "3xx", "4xx", 501]
"""


def test_every_answer_conforms_to_the_document_and_none_is_a_server_error(panel, tmp_path):
    categories = [CategoryFactory(slug="coding"), CategoryFactory(slug="models")]
    slugs = ["cursor", "github-copilot", "mixtral-8x22b", "aider"]
    for n, slug in enumerate(slugs):
        tool = ToolFactory(slug=slug, category=categories[n % 2])
        review_tool(tool, panel, ["sssk", "skkk", "sskk", "s"][n])
        cast_votes(tool, ships=12 + n, skips=4)
    set_logo(tool=tool, logo=read_logo(io.BytesIO(png_bytes())))
    ToolFactory(slug="drafted", draft=True)

    with gunicorn(env={"API_RATE_PER_IP": "1000000"}) as base_url:
        settings_file = tmp_path / "schemathesis.toml"
        settings_file.write_text(config(base_url, slugs, ["coding", "models"]))
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(settings_file),
                "--no-color",
                "run",
                f"{base_url}/api/v1/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "60",
                "--seed",
                "20261130",
                "--workers",
                "1",
                "--report",
                "junit",
                "--report-junit-path",
                str(tmp_path / "junit.xml"),
            ],
            capture_output=True,
            text=True,
            timeout=420,
            cwd=tmp_path,
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-8000:]
    tested = {
        case.get("name")
        for case in ElementTree.parse(tmp_path / "junit.xml").iter("testcase")  # noqa: S314 (our report)
    }
    # The document's own operation is the one schemathesis leaves out: it loaded it.
    assert tested >= {
        "GET /api/v1/tools",
        "GET /api/v1/tools/{slug}",
        "GET /api/v1/categories",
        "GET /api/v1/comparisons/{pair}",
        "GET /oembed",
        "GET /api/shields/{slug}.json",
    }, tested

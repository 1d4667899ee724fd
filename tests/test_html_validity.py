"""Every reading page is valid HTML according to the Nu HTML checker (vnu.jar)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from tools.models import Tool

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = pytest.mark.django_db


def reading_pages() -> dict[str, str]:
    tool = Tool.objects.get(slug="cursor")
    return {
        "home": reverse("pages:home"),
        "tool": tool.get_absolute_url(),
        "compare": "/compare/cursor-vs-github-copilot/",
        "compare-index": reverse("comparisons:index"),
        "compare-pick-error": reverse("comparisons:pick") + "?a=cursor",
        "categories": reverse("pages:categories"),
        "category": tool.category.get_absolute_url(),
        "critics": reverse("pages:critics"),
        "critic": "/critics/skeptic/",
        "search": reverse("pages:search") + "?q=model",
        "search-empty": reverse("pages:search") + "?q=zzzzzz",
        "search-blank": reverse("pages:search"),
    }


def test_reading_pages_are_valid_html(client, tmp_path):
    if not VNU_JAR.exists():
        pytest.fail(
            f"The Nu HTML checker is missing at {VNU_JAR}: run `npm install` (vnu-jar) "
            "in the project root."
        )
    if shutil.which("java") is None:
        pytest.fail("The Nu HTML checker needs Java on the PATH (apt-get install default-jre).")
    call_command("seed_demo", verbosity=0)
    files = []
    for name, path in reading_pages().items():
        response = client.get(path)
        # Only the picker's error page answers 400; every other page must render normally.
        expected = 400 if name == "compare-pick-error" else 200
        assert response.status_code == expected, path
        page = tmp_path / f"{name}.html"
        page.write_bytes(response.content)
        files.append(str(page))
    # One Java start for every page: the checker's start-up dominates its run time.
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=180,
    )
    # The checker always prints a JSON report, even a clean one ({"messages": []}); no
    # output at all means it did not run, which must not pass as "no errors".
    output = result.stderr or result.stdout
    assert output.strip(), f"the Nu HTML checker printed nothing (exit {result.returncode})"
    report = json.loads(output)
    errors = [
        f"{Path(message.get('url', '')).name}:{message.get('lastLine')}: {message['message']}"
        for message in report["messages"]
        if message.get("type") in {"error", "non-document-error"}
    ]
    assert errors == [], "\n".join(errors)

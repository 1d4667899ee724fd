import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from reviews.models import Persona, Review
from tools.models import Category, Tool

pytestmark = pytest.mark.django_db

VALID = {
    "categories": [{"slug": "llms", "name": "Language models", "description": "Models."}],
    "personas": [
        {"slug": "builder", "name": "Builder", "lens": "Integration effort.", "order": 1},
        {"slug": "skeptic", "name": "Skeptic", "lens": "Failure modes.", "order": 2},
        {"slug": "founder", "name": "Founder", "lens": "Cost and time to value.", "order": 3},
    ],
    "tools": [
        {
            "slug": "mixtral-8x22b",
            "name": "Mixtral 8x22B",
            "tagline": "Sparse mixture-of-experts with open weights.",
            "category": "llms",
            "entry_price": "open_weight",
            "pricing": "Free / open-weight (Apache 2.0)",
            "best_for": "Self-hosters",
            "description": "141B total, 39B active.",
            "website": "https://mistral.ai/",
            "vendor": "Mistral AI",
            "published": True,
            "published_at": "2026-10-01T09:00:00Z",
            "reviews": [
                {"persona": "builder", "score": 84, "verdict": "ship", "body": "Easy to serve."},
                {"persona": "skeptic", "score": 51, "verdict": "skip", "body": "Memory hungry."},
                {"persona": "founder", "score": 77, "verdict": "ship", "body": "Cheap per token."},
            ],
        }
    ],
}


@pytest.fixture
def stdin(monkeypatch):
    def feed(data):
        monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))

    return feed


def import_from_stdin(stdin, data) -> str:
    stdin(data)
    out = io.StringIO()
    call_command("import_verdicts", "-", stdout=out)
    return out.getvalue()


def test_import_creates_everything(stdin):
    output = import_from_stdin(stdin, VALID)
    assert "tools: 1 created" in output
    tool = Tool.objects.with_stats().get(slug="mixtral-8x22b")
    assert tool.is_published
    assert tool.panel.line == "SHIP · 2 ships · 1 skip"
    assert Review.objects.count() == 3


def test_second_import_changes_nothing_and_says_so(stdin):
    import_from_stdin(stdin, VALID)
    before = list(Tool.objects.values_list("updated_at", flat=True))
    output = import_from_stdin(stdin, VALID)
    assert output.startswith("Nothing to change")
    assert list(Tool.objects.values_list("updated_at", flat=True)) == before


def test_import_updates_changed_fields_only(stdin):
    import_from_stdin(stdin, VALID)
    changed = copy.deepcopy(VALID)
    changed["tools"][0]["reviews"][1]["verdict"] = "ship"
    output = import_from_stdin(stdin, changed)
    assert "reviews: 0 created, 1 updated, 2 unchanged" in output
    assert Tool.objects.with_stats().get().panel.line == "SHIP · 3 ships · 0 skips"


def test_import_from_a_file(tmp_path):
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps(VALID))
    call_command("import_verdicts", str(path), stdout=io.StringIO())
    assert Tool.objects.filter(slug="mixtral-8x22b").exists()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["tools"][0]["reviews"][2].update(score=101),
            "tools[0] (slug 'mixtral-8x22b') reviews[2]: field 'score'",
        ),
        (
            lambda d: d["tools"][0].update(category="nope"),
            "field 'category': unknown category 'nope'",
        ),
        (
            lambda d: d["tools"][0]["reviews"][0].update(persona="ghost"),
            "reviews[0]: field 'persona': unknown persona 'ghost'",
        ),
        (lambda d: d["tools"][0].pop("name"), "field 'name' is missing"),
        (lambda d: d["tools"][0].update(entry_price="cheap"), "field 'entry_price'"),
        (lambda d: d["tools"][0]["reviews"][0].update(verdict="maybe"), "field 'verdict'"),
        (lambda d: d["tools"][0].update(published_at="last week"), "'published_at'"),
        (lambda d: d["tools"][0]["reviews"][0].update(score="90"), "must be int"),
        (
            lambda d: d["tools"][0]["reviews"].append(d["tools"][0]["reviews"][0]),
            "'builder' reviews this tool twice",
        ),
        # A typo must not quietly import a draft, nor a field be dropped.
        (
            lambda d: d["tools"][0].update(publishd=True),
            "tools[0] (slug 'mixtral-8x22b'): unknown field 'publishd' (did you mean 'published'?)",
        ),
        (
            lambda d: d["tools"][0].update({"best-for": "Teams"}),
            "unknown field 'best-for' (did you mean 'best_for'?)",
        ),
        (
            lambda d: d["tools"][0]["reviews"][1].update(scroe=60, mood="grim"),
            "reviews[1]: unknown fields 'scroe' (did you mean 'score'?), 'mood'",
        ),
        (lambda d: d["categories"][0].update(colour="red"), "categories[0] (slug 'llms'):"),
        (lambda d: d["personas"][0].update(activ=False), "did you mean 'active'?"),
        (lambda d: d.update(tool=[]), "top level: unknown field 'tool' (did you mean 'tools'?)"),
    ],
)
def test_one_bad_record_writes_nothing_and_names_it(stdin, mutate, message):
    data = copy.deepcopy(VALID)
    mutate(data)
    stdin(data)
    with pytest.raises(CommandError) as error:
        call_command("import_verdicts", "-", stdout=io.StringIO())
    assert message in str(error.value)
    assert str(error.value).startswith("Nothing was imported.")
    assert not Category.objects.exists()
    assert not Persona.objects.exists()
    assert not Tool.objects.exists()


def test_invalid_json_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("{not json"))
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_verdicts", "-")


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_verdicts", "/nonexistent/verdicts.json")


def test_demo_data_loads_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    tools = list(Tool.objects.published().with_stats())
    assert len(tools) >= 12
    assert len({tool.category_id for tool in tools}) >= 3
    verdicts = {tool.panel.verdict for tool in tools}
    assert {"ship", "skip", "split"} <= verdicts
    assert all(3 <= tool.panel.reviews <= 7 for tool in tools)
    assert any(tool.community.votes for tool in tools)
    assert (
        Persona.objects.filter(slug__in=["builder", "skeptic", "futurist", "founder"]).count() == 4
    )
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "Nothing to change" in again.getvalue()
    assert "votes added: 0" in again.getvalue()

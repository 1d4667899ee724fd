import pytest
from django.core.management import CommandError, call_command

from reviews.models import Review
from tools.models import Tool
from votes.models import Vote

pytestmark = pytest.mark.django_db


def generate(**options):
    call_command("generate_data", **options)


def test_generates_the_requested_rows_and_replaces_them_on_a_rerun(panel, capsys):
    generate(tools=40, votes=3000, personas=7, seed=5)
    assert Tool.objects.filter(slug__startswith="gen5-").count() == 40
    assert Vote.objects.filter(voter__startswith="gen5-").count() == 3000
    reviews = Review.objects.filter(tool__slug__startswith="gen5-")
    assert reviews.exists()
    assert set(reviews.values_list("persona", flat=True)) <= {p.pk for p in panel}
    assert "Done in" in capsys.readouterr().out

    generate(tools=25, votes=1000, personas=7, seed=5)
    assert Tool.objects.filter(slug__startswith="gen5-").count() == 25
    assert Vote.objects.count() == 1000


def test_other_seeds_and_the_demo_set_are_left_alone(db):
    call_command("seed_demo", verbosity=0)
    demo_tools, demo_votes = Tool.objects.count(), Vote.objects.count()
    generate(tools=10, votes=100, personas=3, seed=1)
    generate(tools=10, votes=100, personas=3, seed=2)
    generate(tools=10, votes=100, personas=3, seed=1)
    assert Tool.objects.count() == demo_tools + 20
    assert Vote.objects.count() == demo_votes + 200


def test_generated_tools_render_within_the_page_query_budget(
    client, panel, django_assert_max_num_queries
):
    generate(tools=60, votes=5000, personas=7, seed=3)
    # A cold render: the page's version (its cache key), then the page's own queries.
    with django_assert_max_num_queries(9):
        home = client.get("/")
    assert home.status_code == 200
    assert "See all verdicts, newest first" in home.content.decode()
    tool = Tool.objects.filter(slug__startswith="gen3-").first()
    with django_assert_max_num_queries(9):
        assert client.get(tool.get_absolute_url()).status_code == 200


def test_refuses_impossible_sizes(db):
    with pytest.raises(CommandError):
        generate(tools=0)
    with pytest.raises(CommandError):
        generate(personas=8)

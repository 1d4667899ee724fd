"""A NUL character is a clear 400 wherever a parameter could reach a query.

PostgreSQL cannot hold NUL in a text value; before the request-level check, the admin's
changelist filters passed it straight to a query and answered 500 (a DataError).
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db


def changelists():
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        params = ["q", "o", "p", "_to_field"]
        for entry in model_admin.list_filter:
            name = entry if isinstance(entry, str) else getattr(entry, "parameter_name", None)
            if name:
                params += [f"{name}__exact", f"{name}__id__exact", name]
        params += [f"{field.name}__exact" for field in meta.fields]
        yield url, sorted(set(params))


def test_a_nul_in_any_admin_changelist_filter_is_a_400(client, editor, django_user_model):
    ToolFactory()
    superuser = django_user_model.objects.create_superuser("root", password="long enough pw 1")
    client.force_login(superuser)
    answers = {}
    for url, params in changelists():
        for param in params:
            for value in ("%00", "a%00b"):
                response = client.get(f"{url}?{param}={value}")
                answers[(url, param, value)] = response.status_code
    # Every changelist, filter and search box: a 400, never a 500 (nor silently ignored).
    assert {key: status for key, status in answers.items() if status != 400} == {}


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/?page=%00",
        "/tools/%00/",
        "/compare/?a=%00",
        "/compare/cursor%00-vs-github-copilot/",
        "/compare/pick/?a=cursor&b=github-copilot%00",
        "/newsletter/?x=%00",
        "/admin/login/?next=%00",
    ],
)
def test_a_nul_in_a_public_url_is_a_400(client, url):
    assert client.get(url).status_code == 400


def test_a_nul_in_a_posted_form_is_a_400_and_changes_nothing(client):
    tool = ToolFactory()
    response = client.post(f"/tools/{tool.slug}/vote/", {"choice": "ship\x00"})
    assert response.status_code == 400
    assert tool.votes.count() == 0

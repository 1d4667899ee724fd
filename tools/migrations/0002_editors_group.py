"""Create the ``editors`` group: curate tools, categories, personas and reviews; read votes.

Only superusers delete. Permissions are created here explicitly because Django normally
creates them after all migrations have run.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "tools": {"tool": ["add", "change", "view"], "category": ["add", "change", "view"]},
    "reviews": {"persona": ["add", "change", "view"], "review": ["add", "change", "view"]},
    "votes": {"vote": ["view"]},
}


def create_editors_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    editors, _ = group_model.objects.get_or_create(name="editors")
    for app_label, models in EDITOR_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            editors.permissions.add(
                *permission_model.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("tools", "0001_initial"),
        ("reviews", "0001_initial"),
        ("votes", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]

"""Let editors discard suspicious votes (and count them again), not only read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_discard_to_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; this one is needed now.
    app_config = apps.get_app_config("votes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    editors, _ = group_model.objects.get_or_create(name="editors")
    editors.permissions.add(
        *permission_model.objects.filter(content_type__app_label="votes", codename="discard_vote")
    )


def revoke_discard_from_editors(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="votes", codename="discard_vote"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("votes", "0001_initial"),
        ("tools", "0002_editors_group"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="vote",
            options={
                "ordering": ["-created_at"],
                "permissions": [("discard_vote", "Can discard votes and count them again")],
            },
        ),
        migrations.RunPython(grant_discard_to_editors, revoke_discard_from_editors),
    ]

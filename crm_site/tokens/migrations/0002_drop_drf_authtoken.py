"""Retire DRF's ``rest_framework.authtoken``: its table kept every token's secret in clear
text, and the app is no longer installed, so those tokens have stopped working anyway.
Drop the table where an older database still has it (a fresh database never had it)."""

from django.db import migrations


def drop_drf_token_table(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name('authtoken_token')}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")
    # Its permissions go with its content type.
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [("tokens", "0001_api_token"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [migrations.RunPython(drop_drf_token_table, migrations.RunPython.noop, elidable=True)]

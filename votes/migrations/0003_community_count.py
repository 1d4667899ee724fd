"""Each tool's counted votes in one row, kept by triggers on the votes table.

Why triggers rather than writes in votes/services.py: votes also change through paths no
service sees (the admin's bulk discard and restore are queryset updates, deleting a tool
cascades to its votes, generate_data COPYs a million rows). A statement-level trigger sees
every one of them in the writing transaction. It adds each statement's net change per tool
(new counted rows minus old counted rows, so a change of mind, a discard or a restore is
one signed delta) with ``count = count + delta``: concurrent votes on one tool queue on its
row's lock instead of overwriting each other, and tools are always locked in id order so
two bulk statements cannot deadlock on each other.

The backfill runs after the triggers exist, in the same transaction: CREATE TRIGGER holds a
lock that keeps votes out until the migration commits, so nothing is missed or counted twice.
"""

import django.db.models.deletion
from django.db import migrations, models

# A statement's counted rows, as signed ship and skip deltas per tool.
COUNTED_NEW = """
    SELECT tool_id, (choice = 'ship')::int AS ship, (choice = 'skip')::int AS skip
      FROM new_votes WHERE discarded_at IS NULL
"""
UNCOUNTED_OLD = """
    SELECT tool_id, -(choice = 'ship')::int AS ship, -(choice = 'skip')::int AS skip
      FROM old_votes WHERE discarded_at IS NULL
"""


def apply_deltas(name: str, rows: str, *, create_rows: bool) -> str:
    """A trigger function adding ``rows``' deltas to each tool's counts row.

    A missing row is created at zero first (an upsert cannot carry a negative delta: the
    new row's CHECK is tested before the conflict is found), then the rows are locked in
    tool order and updated. Deletions never create a row: when a tool is deleted its counts
    row may go before its votes do, and must not come back. The transition tables hold one
    row for a vote, so reading them three times costs nothing worth a temporary table.
    The SQL is assembled from this module's constants only.
    """
    delta = f"""
        SELECT tool_id, sum(ship) AS ships, sum(skip) AS skips FROM ({rows}) AS changes
         GROUP BY tool_id HAVING sum(ship) <> 0 OR sum(skip) <> 0"""  # noqa: S608
    create = f"""
    INSERT INTO votes_communitycount (tool_id, ships, skips)
    SELECT tool_id, 0, 0 FROM ({delta}) AS delta ORDER BY tool_id
    ON CONFLICT (tool_id) DO NOTHING;"""  # noqa: S608
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{create if create_rows else ""}
    PERFORM 1 FROM votes_communitycount
      WHERE tool_id IN (SELECT tool_id FROM ({delta}) AS delta)
      ORDER BY tool_id FOR UPDATE;
    UPDATE votes_communitycount AS counts
       SET ships = counts.ships + delta.ships, skips = counts.skips + delta.skips
      FROM ({delta}) AS delta
     WHERE counts.tool_id = delta.tool_id;
    RETURN NULL;
END;
$$;
"""  # noqa: S608


FUNCTIONS = [
    apply_deltas("votes_count_inserted", COUNTED_NEW, create_rows=True),
    apply_deltas(
        "votes_count_updated", f"{COUNTED_NEW} UNION ALL {UNCOUNTED_OLD}", create_rows=True
    ),
    apply_deltas("votes_count_deleted", UNCOUNTED_OLD, create_rows=False),
]

TRIGGERS = """
CREATE TRIGGER votes_count_inserted AFTER INSERT ON votes_vote
  REFERENCING NEW TABLE AS new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION votes_count_inserted();
CREATE TRIGGER votes_count_updated AFTER UPDATE ON votes_vote
  REFERENCING OLD TABLE AS old_votes NEW TABLE AS new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION votes_count_updated();
CREATE TRIGGER votes_count_deleted AFTER DELETE ON votes_vote
  REFERENCING OLD TABLE AS old_votes
  FOR EACH STATEMENT EXECUTE FUNCTION votes_count_deleted();
"""

BACKFILL = """
INSERT INTO votes_communitycount (tool_id, ships, skips)
SELECT tool_id, count(*) FILTER (WHERE choice = 'ship'), count(*) FILTER (WHERE choice = 'skip')
  FROM votes_vote WHERE discarded_at IS NULL GROUP BY tool_id;
"""

DROP = """
DROP TRIGGER votes_count_inserted ON votes_vote;
DROP TRIGGER votes_count_updated ON votes_vote;
DROP TRIGGER votes_count_deleted ON votes_vote;
DROP FUNCTION votes_count_inserted();
DROP FUNCTION votes_count_updated();
DROP FUNCTION votes_count_deleted();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tools", "0005_search_indexes"),
        ("votes", "0002_discard_permission"),
    ]

    operations = [
        migrations.CreateModel(
            name="CommunityCount",
            fields=[
                (
                    "tool",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="community_count",
                        serialize=False,
                        to="tools.tool",
                    ),
                ),
                ("ships", models.PositiveIntegerField(default=0)),
                ("skips", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(
            sql=[*FUNCTIONS, TRIGGERS, BACKFILL],
            reverse_sql=DROP,
        ),
    ]

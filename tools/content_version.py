"""The SQL that keeps ``ContentVersion`` current, for the migrations of each app whose
tables feed the reading pages.

The bump is an upsert, so a TRUNCATE of the version table (the test suite's flush) cannot
leave later changes unrecorded, and it never moves backwards: the new number is at least
the current time in microseconds, so a version seen before a reset is never seen again
for other content.

The bump happens in the changing transaction, so the new number becomes visible exactly
when the change does. That transaction holds the version row until it commits: editors'
saves (and the minutely certification job) queue on it for the few milliseconds each
takes; votes never touch these tables. An UPDATE that changes nothing does not count, and
a statement bumps the number once however many rows it changes.
"""

from __future__ import annotations

FUNCTION = "tools_bump_content_version"
# Transaction-local: which statement already bumped the version.
BUMPED_SETTING = "shiporskip.content_version_bumped_by"
STATEMENT = "txid_current()::text || ' ' || statement_timestamp()::text"

CREATE_FUNCTION = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per statement: a bulk load updating the one row for each row it inserted
    -- would walk an ever longer chain of that row's versions (44,766 reviews: 124 s).
    IF current_setting('{BUMPED_SETTING}', true) IS DISTINCT FROM {STATEMENT} THEN
        PERFORM set_config('{BUMPED_SETTING}', {STATEMENT}, true);
        INSERT INTO tools_contentversion (id, version)
        VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
        ON CONFLICT (id) DO UPDATE
            SET version = greatest(tools_contentversion.version + 1, EXCLUDED.version);
    END IF;
    RETURN NULL;
END
$$;
"""  # noqa: S608 -- constant names, no input
DROP_FUNCTION = f"DROP FUNCTION {FUNCTION}();"


def watch(table: str) -> str:
    """Triggers that bump the version on any change to ``table``."""
    return f"""
CREATE TRIGGER {table}_content_version_write
    AFTER INSERT OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER {table}_content_version_update
    AFTER UPDATE ON {table}
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER {table}_content_version_truncate
    AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""


def unwatch(table: str) -> str:
    return "\n".join(
        f"DROP TRIGGER {table}_content_version_{kind} ON {table};"
        for kind in ("write", "update", "truncate")
    )

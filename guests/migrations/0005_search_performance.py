"""PostgreSQL: indexes that keep guest lookup fast at 1,000,000 guests (SPEC §4).

* ``guest_name_key_c_idx`` (name_key COLLATE "C", id) and ``guest_initials_name_key_idx``
  (name_initials, name_key COLLATE "C", id): a prefix / initials lookup is an index range
  scan that already returns rows in result order, so it stops after the first page
  instead of sorting every Zhang in the chain.  (The database collation is not "C", so
  the plain name_key index can serve the order but not the LIKE range, and the
  ``_like`` pattern index the range but not the order.)
* ``guests_search_variants(words, joined)``: every word of the search document plus, for
  words of 4+ letters, the word with one letter deleted; and the same for the joined name
  (``name_key``), marked with ``#``.  Two spellings one slip apart (a letter dropped,
  added, changed, or two letters swapped) share a variant, so ``variants(guest) &&
  variants(query)`` finds typos by exact GIN lookups (``guest_search_variants_idx``)
  instead of ranking thousands of trigram candidates.  A one-word query is matched
  against words, a whole name against joined names.
  Its declared COST is high (it is ~0.1 ms a call): with the default, a LIMITed query
  whose match estimate is generous was planned as a sequential scan calling it on every
  guest (a minute at 1,000,000 guests) instead of using the index.

Indexes are built CONCURRENTLY (the migration is not atomic) so a live chain keeps
taking writes while they build.  SQLite skips all of this (see guests.selectors).
"""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

VARIANTS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION guests_search_variants(words text, joined text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$
DECLARE
    word text;
    seen text[] := '{}';
    result text[] := '{}';
    n int;
BEGIN
    -- Every word, and each word of 4+ letters with one letter deleted.  (Words already
    -- seen are skipped; a word that is only a variant of another, "muller" of "mueller",
    -- still gets its own variants.)
    FOREACH word IN ARRAY string_to_array(words, ' ') LOOP
        CONTINUE WHEN word = '' OR word = ANY(seen);
        seen := seen || word;
        result := result || word;
        n := length(word);
        IF n >= 4 THEN
            FOR i IN 1..n LOOP
                result := result || (left(word, i - 1) || substr(word, i + 1));
            END LOOP;
        END IF;
    END LOOP;
    -- The joined names (family + given), marked with '#' so that a whole name typed with
    -- a slip ("hane si") meets whole names only, not a word of someone else's ("Sihan").
    FOREACH word IN ARRAY string_to_array(joined, ' ') LOOP
        CONTINUE WHEN word = '';
        result := result || ('#' || word);
        n := length(word);
        IF n >= 4 THEN
            FOR i IN 1..n LOOP
                result := result || ('#' || left(word, i - 1) || substr(word, i + 1));
            END LOOP;
        END IF;
    END LOOP;
    RETURN result;
END
$$;
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("guests", "0004_audit_log_and_merges")]

    operations = [
        PostgresOnlySQL(
            sql=[
                VARIANTS_FUNCTION,
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS guest_name_key_c_idx ON guests_guest "
                '((name_key COLLATE "C"), id);',
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS guest_initials_name_key_idx ON guests_guest "
                '(name_initials, (name_key COLLATE "C"), id);',
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS guest_search_variants_idx ON guests_guest "
                "USING gin (guests_search_variants(search_document, name_key));",
            ],
            reverse_sql=[
                "DROP INDEX CONCURRENTLY IF EXISTS guest_search_variants_idx;",
                "DROP INDEX CONCURRENTLY IF EXISTS guest_initials_name_key_idx;",
                "DROP INDEX CONCURRENTLY IF EXISTS guest_name_key_c_idx;",
                "DROP FUNCTION IF EXISTS guests_search_variants(text, text);",
            ],
        ),
    ]

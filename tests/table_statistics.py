"""The planner's statistics of a table: how many times it was analyzed by an ANALYZE statement (what
autovacuum analyzes is counted apart)."""

from django.db import connection


def analyze_count(model):
    with connection.cursor() as cursor:
        # Statistics read earlier in the transaction are cached until cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]

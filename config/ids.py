"""The ids clients send: primary keys are PostgreSQL bigints, so a bigger number names nothing, and
fields that read an id refuse it (SQLite would raise OverflowError on it, a 500)."""

ID_MAX = 2**63 - 1

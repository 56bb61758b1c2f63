"""CSV import of a workspace's own leads (DESIGN.md rules 10, 11, 14, 17).

``sniffing`` reads the start of an upload (encoding, delimiter, header, sample rows) before anything is
written; ``mapping`` turns headers into lead fields; ``cleaning`` turns a row into a clean contact with
``leads.normalization``; ``reading`` streams a stored file in chunks; ``writers`` put a chunk of contacts
into the database (COPY and set-based SQL on PostgreSQL, ORM bulk operations elsewhere); ``pipeline``
runs a job chunk by chunk, each chunk one transaction with its checkpoint; ``report`` writes the error
report; ``services`` and ``selectors`` are the doors the API, the dashboard and the task use.
"""

import csv

# The csv module refuses a field over 128 KB by default: one long cell (a notes column) would stop a whole
# import and its error report. Up to 1 MB is taken (mapped fields keep their own limits: the row is
# invalid, with the reason); past that the import stops at the row, unless it is a quote never closed
# that took in rows (``records``). Set once, for every module of the package.
FIELD_MAX_CHARACTERS = 1 << 20
csv.field_size_limit(FIELD_MAX_CHARACTERS)

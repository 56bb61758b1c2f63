"""What every CSV the product writes shares (rule 17)."""

import re

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits lines on another separator than ours (";" where the decimal mark is a comma,
# tab, "|") sees a new cell after each of them, which a comma-only CSV writer leaves unquoted: a formula
# start right after one is neutralised the same way ("a;=1+1" → "a;'=1+1"). A cell with a comma is quoted.
_FORMULA_AFTER_A_SEPARATOR = re.compile(r"([;\t|])(?=[=+\-@\t\r])")


def formula_safe(value):
    """The cell as text, with ``'`` before a formula start at its beginning or after ``;``, ``|`` or tab."""
    text = "" if value is None else str(value)
    text = _FORMULA_AFTER_A_SEPARATOR.sub(r"\1'", text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text

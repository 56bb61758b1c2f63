"""What every CSV the product writes shares (rule 17)."""

import re

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits lines on another separator than ours (";" where the decimal mark is a comma,
# tab, "|") sees a new cell after each of them, which a comma-only CSV writer leaves unquoted: a formula
# start right after one is neutralised the same way ("a;=1+1" → "a;'=1+1"). A cell with a comma is quoted.
_FORMULA_AFTER_A_SEPARATOR = re.compile(r"([;\t|])(?=[=+\-@\t\r])")
# An international phone number ("+49 164 505 6349", "+1 (512) 555-0100") keeps its "+": a quote would
# break the file for the next tool it is uploaded to. Of digits, spaces, dots, dashes and parentheses only,
# it can name no function, cell or other program: at worst a spreadsheet computes it as arithmetic.
_PHONE_NUMBER = re.compile(r"\+[0-9 .()\-]+")
_PHONE_NUMBER_MIN_DIGITS = 7


def _is_phone_number(text):
    return (
        _PHONE_NUMBER.fullmatch(text) is not None
        and sum(c.isdigit() for c in text) >= _PHONE_NUMBER_MIN_DIGITS
    )


def formula_safe(value):
    """The cell as text, with ``'`` before a formula start at its beginning or after ``;``, ``|`` or tab;
    a cell that is only a phone number in international form is left as it is."""
    text = "" if value is None else str(value)
    if _is_phone_number(text):
        return text
    text = _FORMULA_AFTER_A_SEPARATOR.sub(r"\1'", text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text

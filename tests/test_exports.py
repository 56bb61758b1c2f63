"""Rule 17: CSV exports neutralise formula injection (core.exports.formula_safe, used by the import's
error report and the Lead Finder's downloads)."""

import pytest

from core.exports import formula_safe


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_gets_a_quote(start):
    assert formula_safe(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


@pytest.mark.parametrize("value", ["plain", " =not first", "a=b", "", "1+1"])
def test_other_cells_are_left_as_they_are(value):
    assert formula_safe(value) == value


def test_none_is_an_empty_cell_and_numbers_are_text():
    assert (formula_safe(None), formula_safe(-5), formula_safe(7)) == ("", "'-5", "7")


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("bob;=WEBSERVICE(A1)", "bob;'=WEBSERVICE(A1)"),  # a ";"-separated spreadsheet's next cell
        ("x|@SUM(A1)", "x|'@SUM(A1)"),
        ("a\t-1", "a\t'-1"),
        ("=a;+b", "'=a;'+b"),
        ("a; =1", "a; =1"),
    ],
)
def test_a_formula_start_after_a_separator_inside_the_cell_gets_a_quote_too(value, safe):
    assert formula_safe(value) == safe


@pytest.mark.parametrize(
    "phone",
    ["+49 164 505 6349", "+1 (512) 555-0100", "+44.20.7946.0958", "+4915112345678", "+(49) 30 1234567"],
)
def test_a_cell_that_is_only_a_phone_number_keeps_its_plus_so_the_file_uploads_elsewhere(phone):
    assert formula_safe(phone) == phone


@pytest.mark.parametrize(
    "value",
    [
        "+1+cmd|' /C calc'!A0",
        "+SUM(1)",
        "+49 164 505 6349+HYPERLINK(1)",
        "+4915112345678;=1",
        "+49 164 505 6349\n=1+1",
        "+1 512 555 0100\r",
        "+1E5 555 0100",
        "+12 34",
        "+\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # digits, but not the ASCII ones
        "-2+3",
        "-49 164 505 6349",
    ],
)
def test_what_only_resembles_a_phone_number_still_gets_a_quote(value):
    assert formula_safe(value).startswith("'")

"""The import's fast path gives what leads.normalization gives, for every row it accepts; every other row
goes through normalize_lead itself."""

import sys
import unicodedata
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.importing import cleaning
from campaigns.importing.cleaning import RowCleaner
from leads import normalization
from leads.normalization import InvalidLead

HEADERS = [
    "Email",
    "First",
    "Last",
    "Company",
    "Title",
    "City",
    "Country",
    "Phone",
    "Website",
    "LinkedIn",
    "Plan",
    "Notes",
]
MAPPING = {
    "Email": "email",
    "First": "first_name",
    "Last": "last_name",
    "Company": "company_name",
    "Title": "job_title",
    "City": "city",
    "Country": "country",
    "Phone": "phone",
    "Website": "website",
    "LinkedIn": "linkedin_url",
    "Plan": "custom_fields.plan",
    "Notes": "custom_fields.Notes",
}
TRICKY = (
    " \t\n\r\x0b\x0c\x00\x1f\x7f\x85\xa0\u1680\u2003\u2028\u2029\u202f\u3000"
    "\u200b\xad|,;\"'=+-@.é\u212a\ufffd"
)
text = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(TRICKY), max_size=30)
plain = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 .'&-]{0,40}[A-Za-z0-9]", fullmatch=True)
emails = (
    st.from_regex(normalization.SIMPLE_EMAIL, fullmatch=True)
    | st.from_regex(
        r"[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9.-]{1,20}\.(com|io|test|local|xn--bcher-kva|onion)", fullmatch=True
    )
    | st.sampled_from(
        ["Ann@Example.COM", " ann@example.com ", "a..b@x.com", "a@b--c.com", "x@Bücher.de", "\u212a@x.com"]
    )
    | text
)
urls = (
    st.from_regex(cleaning._SIMPLE_URL, fullmatch=True)
    | st.sampled_from(
        [
            "acme.com",
            "HTTPS://acme.com",
            "ftp://acme.com",
            "acme.com/a://b",
            "https://acme.com/x y",
            "localhost",
            "",
        ]
    )
    | text
)
phones = (
    st.from_regex(r"\+?[0-9 ().\-/]{3,20}", fullmatch=True) | st.sampled_from(["", "call me", "12"]) | text
)


def field(strategy):
    return strategy | plain | st.just("")


records = st.tuples(
    field(emails),
    *[field(text)] * 6,
    field(phones),
    field(urls),
    field(urls),
    field(text),
    field(text),
).map(list)
# Rows the fast path takes whole.
words = st.from_regex(r"[A-Za-z0-9éüØ&'.-]{1,12}( [A-Za-z0-9éüØ&'.-]{1,12}){0,2}", fullmatch=True)
plain_records = st.tuples(
    st.from_regex(normalization.SIMPLE_EMAIL, fullmatch=True).map(str.upper),
    *[words | st.just("")] * 6,
    st.from_regex(r"\+?[0-9]{2,3}( [0-9]{2,4}){1,3}", fullmatch=True),
    st.from_regex(r"(https?://)?[a-z0-9-]{1,12}\.(com|de|io)(/[A-Za-z0-9._~/-]{0,20})?", fullmatch=True),
    st.from_regex(r"(https?://)?[A-Za-z0-9]{1,12}\.[a-z]{2,6}(/in/[^ ]{0,20})?", fullmatch=True),
    words | st.just(""),
    words | st.just(""),
).map(list)


@pytest.fixture(scope="module")
def cleaner():
    return RowCleaner(MAPPING, HEADERS, encoding_label="UTF-8")


@given(record=records | plain_records)
@settings(max_examples=500, deadline=None)
def test_the_fast_path_agrees_with_normalize_lead(cleaner, record):
    try:
        expected = cleaner.clean_by_the_book(7, record)
    except InvalidLead as refusal:
        with pytest.raises(InvalidLead) as caught:
            cleaner.clean(7, record)
        assert caught.value.errors == refusal.errors
    else:
        assert cleaner.clean(7, record) == expected


def test_a_plain_row_takes_the_fast_path_and_gives_the_same_contact(cleaner):
    record = [
        "Ann.Lee@Example.com",
        "Ann",
        "Lee",
        "Acme GmbH",
        "Head of Sales",
        "Berlin",
        "Germany",
        "+49 30 1234567",
        "acme.com",
        "https://www.linkedin.com/in/ann-lee",
        "pro",
        "",
    ]
    with mock.patch.object(cleaning, "normalize_lead", wraps=cleaning.normalize_lead) as by_the_book:
        row = cleaner.clean(2, record)
    assert not by_the_book.called
    assert row == cleaner.clean_by_the_book(2, record)
    assert row[:2] == (2, "ann.lee@example.com")
    assert row[9] == "https://acme.com"
    assert row[-1] == '{"plan": "pro"}'


def test_undecodable_bytes_in_an_optional_value_drop_it_and_say_where(cleaner):
    row = cleaner.clean(2, ["ann@example.com", "Jos\ufffd", *[""] * 10])
    assert row[:3] == (2, "ann@example.com", "")
    assert row.warnings == {"first_name": "Has bytes that are not valid UTF-8 (the file's encoding)."}


def test_undecodable_bytes_in_the_email_make_a_row_invalid(cleaner):
    with pytest.raises(InvalidLead) as caught:
        cleaner.clean(2, ["ann\ufffd@example.com", "Jos\ufffd", *[""] * 10])
    assert caught.value.errors == {"email": "Has bytes that are not valid UTF-8 (the file's encoding)."}


def test_every_white_space_character_but_the_space_is_not_printable():
    """The fast path relies on it: a printable value can only hold spaces as white space, and nothing
    that clean_text drops."""
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        if character.isprintable():
            assert character == " " or not character.isspace(), hex(code)
            assert unicodedata.category(character) != "Cc", hex(code)

import pytest
from django.db import IntegrityError
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from leads import normalization
from leads.models import Lead
from leads.normalization import InvalidLead, normalize_email, normalize_lead


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  John.Doe@Example.COM ", "john.doe@example.com"),
        ("x@Bücher.de", "x@xn--bcher-kva.de"),
        ("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk"),
        ("JÖRG@example.de", "jörg@example.de"),
    ],
)
def test_emails_are_trimmed_lower_cased_with_an_idna_domain(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "plainaddress",
        "bad@",
        "@example.com",
        "a@b",
        "a..b@example.com",
        "a@localhost",
        "a b@example.com",
        "a@exam_ple.com",
        '"quoted"@example.com',
        "a@" + "x" * 250 + ".com",
        "a@-example.com",
    ],
)
def test_invalid_emails_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidLead) as caught:
        normalize_email(raw)
    assert caught.value.errors["email"]


def test_text_fields_lose_control_characters_and_extra_spaces():
    lead = normalize_lead(
        {"email": "a@b.co", "first_name": "  Ann\x00 \t Lee ", "company_name": "Acme\r\nInc"}
    )
    assert lead.first_name == "Ann Lee"
    assert lead.company_name == "Acme Inc"


def test_web_addresses_get_a_scheme_and_bad_ones_are_dropped_with_a_warning():
    assert normalize_lead({"email": "a@b.co", "website": "acme.com"}).website == "https://acme.com"
    lead = normalize_lead({"email": "a@b.co", "website": "acme.com", "linkedin_url": "not a url"})
    assert (lead.email, lead.website, lead.linkedin_url) == ("a@b.co", "https://acme.com", "")
    assert lead.warnings == {"linkedin_url": "'not a url' is not a web address."}


def test_overlong_values_are_dropped_with_a_warning_not_silently_truncated():
    lead = normalize_lead({"email": "a@b.co", "job_title": "x" * 20_000, "city": "Oslo"})
    assert (lead.job_title, lead.city) == ("", "Oslo")
    assert lead.warnings == {"job_title": "Longer than 200 characters."}


def test_only_the_email_makes_a_contact_invalid():
    with pytest.raises(InvalidLead) as caught:
        normalize_lead({"email": "nope", "phone": "call me", "custom_fields": ["a"]})
    assert set(caught.value.errors) == {"email"}
    lead = normalize_lead({"email": "a@b.co", "phone": "call me", "custom_fields": ["a"]})
    assert (lead.phone, lead.custom_fields) == ("", {})
    assert set(lead.warnings) == {"phone", "custom_fields"}
    assert normalize_lead({"email": "a@b.co", "phone": "+1 555 0100"}).warnings == {}


def test_custom_fields_keep_scalars_and_drop_nesting():
    lead = normalize_lead({"email": "a@b.co", "custom_fields": {" Plan ": " pro ", "seats": 5, "vip": True}})
    assert lead.custom_fields == {"Plan": "pro", "seats": 5, "vip": True}
    lead = normalize_lead({"email": "a@b.co", "custom_fields": {"nested": {"x": 1}}})
    assert (lead.custom_fields, set(lead.warnings)) == ({}, {"custom_fields"})


def test_the_database_keeps_one_lead_per_email_per_workspace(workspace, other_workspace):
    Lead.objects.create(workspace=workspace, email="ann@acme.io")
    Lead.objects.create(workspace=other_workspace, email="ann@acme.io")
    with pytest.raises(IntegrityError):
        Lead.objects.create(workspace=workspace, email="ann@acme.io")


def test_the_database_refuses_an_email_that_is_not_lower_case(workspace):
    with pytest.raises(IntegrityError):
        Lead.objects.create(workspace=workspace, email="Ann@Acme.io")


@given(
    st.from_regex(normalization.SIMPLE_EMAIL, fullmatch=True)
    | st.sampled_from(["a@x.local", "a@x.test", "a@example.invalid", "a@b.onion"])
)
@settings(max_examples=300)
def test_the_fast_path_agrees_with_email_validator(email):
    if ".." in email or len(email) > normalization.EMAIL_MAX_LENGTH:
        return
    try:
        expected = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        with pytest.raises(InvalidLead):
            normalize_email(email)
    else:
        assert normalize_email(email) == expected

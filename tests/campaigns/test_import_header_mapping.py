"""The header rows real tools export map themselves to lead fields; a header that is no lead field is left
for the person (or the "keep other columns" box) to decide."""

import pytest

from campaigns.importing.mapping import automatic_mapping

EXPORTS = {
    "apollo": {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Title": "job_title",
        "Company": None,
        "Company Name for Emails": "company_name",
        "Email": "email",
        "Email Status": None,
        "Primary Email Source": None,
        "Secondary Email": None,
        "Seniority": None,
        "Departments": None,
        "Work Direct Phone": "phone",
        "Mobile Phone": None,
        "Corporate Phone": None,
        "# Employees": None,
        "Industry": None,
        "Person Linkedin Url": "linkedin_url",
        "Website": "website",
        "Company Linkedin Url": None,
        "City": "city",
        "State": None,
        "Country": "country",
        "Company City": None,
        "Company Country": None,
    },
    "hubspot": {
        "Record ID": None,
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": None,
        "Mobile Phone Number": "phone",
        "Company Name": "company_name",
        "Job Title": "job_title",
        "Website URL": "website",
        "City": "city",
        "State/Region": None,
        "Country/Region": "country",
        "Contact owner": None,
        "Lifecycle Stage": None,
        "Lead Status": None,
    },
    "salesforce": {
        "Salutation": None,
        "First Name": "first_name",
        "Last Name": "last_name",
        "Title": "job_title",
        "Company / Account": "company_name",
        "Email": "email",
        "Phone": None,
        "Mobile": "phone",
        "Mailing City": "city",
        "Mailing State/Province": None,
        "Mailing Country": "country",
        "Lead Source": None,
        "Lead Owner": None,
    },
    "pipedrive": {
        "Person - Name": None,
        "Person - First name": "first_name",
        "Person - Last name": "last_name",
        "Person - Email - Work": "email",
        "Person - Email - Home": None,
        "Person - Email - Other": None,
        "Person - Phone - Work": None,
        "Person - Phone - Mobile": "phone",
        "Person - Organization": "company_name",
        "Person - Job title": "job_title",
        "Person - Label": None,
        "Person - Owner": None,
    },
    "lemlist": {
        "email": "email",
        "firstName": "first_name",
        "lastName": "last_name",
        "companyName": "company_name",
        "jobTitle": "job_title",
        "linkedinUrl": "linkedin_url",
        "phone": "phone",
        "companyDomain": "website",
        "icebreaker": None,
        "picture": None,
        "timezone": None,
    },
    "instantly": {
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company Name": "company_name",
        "Website": "website",
        "Phone": "phone",
        "Title": "job_title",
        "Location": None,
        "LinkedIn": "linkedin_url",
        "personalization": None,
        "Lead Status": None,
    },
    "smartlead": {
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "phone_number": "phone",
        "company_name": "company_name",
        "website": "website",
        "location": None,
        "linkedin_profile": "linkedin_url",
        "company_url": None,
        "custom_opener": None,
    },
    "sales navigator (via an extractor)": {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company": "company_name",
        "Title": "job_title",
        "Profile URL": None,
        "LinkedIn URL": "linkedin_url",
        "Sales Navigator URL": None,
        "Location": None,
        "Headline": None,
        "Company LinkedIn URL": None,
    },
    "outlook": {
        "Title": None,
        "First Name": "first_name",
        "Middle Name": None,
        "Last Name": "last_name",
        "Company": "company_name",
        "Department": None,
        "Job Title": "job_title",
        "Business City": "city",
        "Business Country/Region": "country",
        "Business Phone": None,
        "Business Phone 2": None,
        "Home Phone": None,
        "Mobile Phone": "phone",
        "E-mail Address": "email",
        "E-mail Display Name": None,
        "E-mail 2 Address": None,
        "Web Page": "website",
    },
    "google contacts": {
        "Name": None,
        "Given Name": "first_name",
        "Additional Name": None,
        "Family Name": "last_name",
        "E-mail 1 - Type": None,
        "E-mail 1 - Value": "email",
        "E-mail 2 - Type": None,
        "E-mail 2 - Value": None,
        "Phone 1 - Type": None,
        "Phone 1 - Value": "phone",
        "Organization 1 - Name": "company_name",
        "Organization 1 - Title": "job_title",
        "Website 1 - Value": "website",
        "Address 1 - City": "city",
        "Address 1 - Country": "country",
    },
    "mailchimp": {
        "Email Address": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Address": None,
        "Phone Number": "phone",
        "Birthday": None,
        "MEMBER_RATING": None,
        "OPTIN_TIME": None,
        "TAGS": None,
    },
    "zoho crm": {
        "Record Id": None,
        "Email": "email",
        "Secondary Email": None,
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company": "company_name",
        "Designation": "job_title",
        "Phone": None,
        "Mobile": "phone",
        "Website": "website",
        "LinkedIn": "linkedin_url",
        "City": "city",
        "Country": "country",
        "Lead Source": None,
    },
}


def mapped(headers):
    return automatic_mapping(headers, samples=[["x"] * len(headers)])


@pytest.mark.parametrize("tool", EXPORTS)
def test_a_tools_export_header_row_maps_each_column_to_its_field(tool):
    headers = list(EXPORTS[tool])
    expected = {header: field for header, field in EXPORTS[tool].items() if field}
    assert mapped(headers) == expected


@pytest.mark.parametrize(
    "header, field",
    [
        ("E-mail", "email"),
        ("E-Mail Address", "email"),
        ("e_mail", "email"),
        ("Email (Work)", "email"),
        ("contactEmail", "email"),
        ("Lead.Email", "email"),
        ("FIRST_NAME", "first_name"),
        ("first.name", "first_name"),
        ("linkedInProfileUrl", "linkedin_url"),
        ("Phone (Mobile)", "phone"),
        ("Country / Region", "country"),
    ],
)
def test_camel_case_separators_and_parentheses_do_not_hide_a_field(header, field):
    assert mapped([header]) == {header: field}


@pytest.mark.parametrize(
    "header",
    [
        "Email Status",
        "Email Verified",
        "Company Linkedin Url",
        "companyLinkedinUrl",
        "Company Phone",
        "Company City",
        "Contact",
        "Email Opened",
        "Secondary Email",
    ],
)
def test_a_header_about_something_else_than_the_persons_field_is_not_that_field(header):
    assert mapped([header, "Name"]) == {}


@pytest.mark.parametrize(
    "headers, winner",
    [
        (["Corporate Phone", "Mobile Phone", "Work Direct Phone"], "Work Direct Phone"),
        (["Phone", "Mobile"], "Mobile"),
        (["Business Phone", "Phone Number"], "Phone Number"),
        (["Phone", "Telephone"], "Phone"),
        (["Title", "Job Title"], "Job Title"),
        (["Company Linkedin Url", "Profile URL", "LinkedIn URL"], "LinkedIn URL"),
    ],
)
def test_of_two_columns_for_one_field_the_better_name_wins_in_any_order(headers, winner):
    field = mapped([winner])[winner]
    assert mapped(headers) == {winner: field}
    assert mapped(list(reversed(headers))) == {winner: field}


def test_of_two_columns_with_equally_good_names_the_leftmost_wins():
    assert mapped(["Phone", "phone", "Email"]) == {"Phone": "phone", "Email": "email"}
    assert mapped(["phone", "Phone", "Email"]) == {"phone": "phone", "Email": "email"}


def test_without_an_email_header_the_column_of_addresses_is_still_the_email():
    headers = ["Person - Name", "Contact Info"]
    samples = [["Ada Lovelace", "ada@example.com"], ["Alan Turing", "alan@example.com"]]
    assert automatic_mapping(headers, samples) == {"Contact Info": "email"}

"""The Suppression list page: list, search, kind filter, pages, add, CSV upload, remove with a confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leads.models import Lead, Suppression
from leads.services import suppression_add
from sending import suppressions_views
from tests.factories import LeadFactory, owner_of

URL = "/suppressions/"


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def entries(workspace):
    return sorted(Suppression.objects.for_workspace(workspace).values_list("kind", "value", "reason"))


def only_message(response):
    [message] = response.context["messages"]
    return message.level_tag, str(message)


def upload(client, content, name="list.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("suppression_upload"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
        follow=True,
    )


def test_the_page_lists_the_workspaces_entries_with_a_nav_link(client, workspace, other_workspace):
    suppression_add(workspace=workspace, value="jane@example.com")
    suppression_add(workspace=other_workspace, value="theirs@example.com")

    page = client.get(URL).text

    assert '<a href="/suppressions/" aria-current="page">Suppression list</a>' in page
    assert "jane@example.com" in page
    assert "theirs@example.com" not in page


def test_search_and_kind_filter_the_list(client, workspace):
    suppression_add(workspace=workspace, values=["jane@acme.example", "acme.example", "bob@other.example"])

    def shown(**query):
        return [entry.value for entry in client.get(URL, query).context["entries"]]

    assert shown(q="ACME") == ["acme.example", "jane@acme.example"]
    assert shown(kind="domain") == ["acme.example"]
    assert shown(q="nothing") == []
    assert "Nothing on the list matches." in client.get(URL, {"q": "nothing"}).text


def test_the_list_pages(client, workspace, monkeypatch):
    monkeypatch.setattr(suppressions_views, "PAGE_SIZE", 2)
    suppression_add(workspace=workspace, values=["a@example.com", "b@example.com", "c@example.com"])

    first = client.get(URL, {"kind": "email"})
    second = client.get(first.context["next_url"])

    assert [entry.value for entry in first.context["entries"]] == ["c@example.com", "b@example.com"]
    assert [entry.value for entry in second.context["entries"]] == ["a@example.com"]
    assert "kind=email" in first.context["next_url"]


def test_adding_an_email_or_a_domain(client, workspace):
    added = client.post(URL, {"value": "Jane@Example.com"}, follow=True)
    domain = client.post(URL, {"value": "@spam.example"}, follow=True)
    again = client.post(URL, {"value": "jane@example.com"}, follow=True)

    assert only_message(added) == ("success", "jane@example.com is suppressed: it will not be contacted.")
    assert only_message(domain) == (
        "success",
        "spam.example is suppressed: no address at this domain will be contacted.",
    )
    assert only_message(again) == ("info", "jane@example.com was on the list already.")
    assert entries(workspace) == [
        ("domain", "spam.example", "manual"),
        ("email", "jane@example.com", "manual"),
    ]


def test_an_invalid_value_is_shown_on_the_form_and_adds_nothing(client, workspace):
    response = client.post(URL, {"value": "jane@"})

    assert response.status_code == 400
    assert "is not a valid email address" in response.text
    assert entries(workspace) == []


def test_uploading_a_one_column_csv_reports_in_words(client, workspace):
    suppression_add(workspace=workspace, value="old@example.com")

    response = upload(client, "new@example.com\nold@example.com\nnot valid\n\n@spam.example\n")

    assert only_message(response) == (
        "warning",
        "Added 2 entries. 1 was on the list already. "
        "1 not valid, not added: row 3: 'not valid' is not an email address or a domain.",
    )
    assert entries(workspace) == [
        ("domain", "spam.example", "import"),
        ("email", "new@example.com", "import"),
        ("email", "old@example.com", "manual"),
    ]


def test_uploading_a_csv_takes_the_columns_named_email_or_domain(client, workspace):
    response = upload(client, "Name;E-mail;Notes\nJane;jane@example.com;x\nBob;;y\nAl;al@example.com;z\n")

    assert only_message(response) == ("success", "Added 2 entries.")
    assert entries(workspace) == [
        ("email", "al@example.com", "import"),
        ("email", "jane@example.com", "import"),
    ]


@pytest.mark.parametrize(
    "content, problem",
    [
        ("", "The file is empty"),
        ("name,company\nJane,Acme\n", "none is named email or domain"),
        (b"\x00\x01\x02binary", "This is not a CSV file"),
        ("email\n" + "".join(f"p{n}@example.com\n" for n in range(10_001)), "At most 10,000 values at once"),
    ],
)
def test_a_bad_file_says_why_and_changes_nothing(client, workspace, content, problem):
    response = upload(client, content)

    assert response.status_code == 400
    assert problem in response.text
    assert "Nothing was added." in response.text
    assert entries(workspace) == []


def test_removing_asks_first_and_then_takes_the_entry_off_without_touching_contacts(client, workspace):
    lead = LeadFactory(workspace=workspace, email="jane@example.com")
    entry = suppression_add(workspace=workspace, value="jane@example.com")

    confirm = client.get(reverse("suppression_delete", args=[entry.pk]))
    assert "Remove jane@example.com from the suppression list?" in confirm.text
    assert entries(workspace) == [("email", "jane@example.com", "manual")]

    removed = client.post(reverse("suppression_delete", args=[entry.pk]), follow=True)

    assert only_message(removed) == (
        "success",
        "jane@example.com is off the suppression list: it may be contacted again.",
    )
    assert entries(workspace) == []
    assert Lead.objects.for_workspace(workspace).filter(pk=lead.pk).exists()


def test_signed_out_visitors_are_sent_to_log_in(workspace):
    assert Client().get(URL).status_code == 302

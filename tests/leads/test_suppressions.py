"""Rule 20's list: emails and whole domains, stored normalised, added once, without touching contacts."""

import pytest

from core.errors import DomainError
from leads.models import Lead, Suppression
from leads.selectors import suppressed_emails
from leads.services import (
    MAX_SUPPRESSIONS_PER_CALL,
    InvalidSuppression,
    normalize_suppression,
    suppression_add,
    suppression_remove,
)
from tests.factories import LeadFactory


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Jane.Doe@Example.COM", ("email", "jane.doe@example.com")),
        ("  jane@example.com \n", ("email", "jane@example.com")),
        ("jane@Bücher.de", ("email", "jane@xn--bcher-kva.de")),
        ("Example.COM", ("domain", "example.com")),
        ("@example.com", ("domain", "example.com")),
        ("@Bücher.DE", ("domain", "xn--bcher-kva.de")),
        ("xn--bcher-kva.de", ("domain", "xn--bcher-kva.de")),
        ("mail.example.co.uk", ("domain", "mail.example.co.uk")),
    ],
)
def test_values_are_normalised_to_an_address_or_a_domain(raw, expected):
    assert normalize_suppression(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "not a domain", "jane@", "jane@@example.com", "@", "localhost", "a@b"]
)
def test_anything_else_is_refused_with_a_reason(raw):
    with pytest.raises(InvalidSuppression) as refused:
        normalize_suppression(raw)

    assert str(refused.value)


def test_adding_one_value_answers_its_entry_and_re_adding_answers_the_same_one(workspace):
    first = suppression_add(workspace=workspace, value="Jane@Example.com")
    again = suppression_add(workspace=workspace, value="jane@example.com", reason=Suppression.Reason.BOUNCED)

    assert (first.kind, first.value, first.reason) == ("email", "jane@example.com", "manual")
    assert again.pk == first.pk
    assert again.reason == "manual"
    assert Suppression.objects.for_workspace(workspace).count() == 1


def test_an_invalid_single_value_is_a_400_naming_it(workspace):
    with pytest.raises(DomainError) as refused:
        suppression_add(workspace=workspace, value="jane@")

    assert "jane@" in refused.value.message
    assert Suppression.objects.for_workspace(workspace).count() == 0


def test_many_values_are_sorted_into_added_already_and_invalid(workspace):
    suppression_add(workspace=workspace, value="old@example.com")

    result = suppression_add(
        workspace=workspace,
        values=["new@example.com", "OLD@example.com", "bad@", "@spam.example", "New@Example.com"],
        reason=Suppression.Reason.IMPORT,
    )

    assert [(row.kind, row.value, row.reason) for row in result.added] == [
        ("email", "new@example.com", "import"),
        ("domain", "spam.example", "import"),
    ]
    assert [row.value for row in result.already] == ["old@example.com"]
    assert [(item["index"], item["value"]) for item in result.invalid] == [(2, "bad@")]


def test_ten_thousand_values_are_added_in_one_call_and_one_more_is_refused(
    workspace, django_assert_max_num_queries
):
    values = [f"person{n}@example.com" for n in range(MAX_SUPPRESSIONS_PER_CALL)]

    with django_assert_max_num_queries(5):
        result = suppression_add(workspace=workspace, values=values)

    assert len(result.added) == MAX_SUPPRESSIONS_PER_CALL
    with pytest.raises(DomainError):
        suppression_add(workspace=workspace, values=[*values, "one.more@example.com"])
    assert Suppression.objects.for_workspace(workspace).count() == MAX_SUPPRESSIONS_PER_CALL


def test_suppressing_changes_no_contact_and_removing_unsuppresses(workspace):
    lead = LeadFactory(workspace=workspace, email="jane@example.com")
    entry = suppression_add(workspace=workspace, value="example.com")

    assert suppressed_emails(workspace=workspace, emails=[lead.email]) == {"jane@example.com"}
    assert Lead.objects.for_workspace(workspace).get() == lead

    suppression_remove(workspace=workspace, suppression=entry)

    assert suppressed_emails(workspace=workspace, emails=[lead.email]) == set()
    assert Lead.objects.for_workspace(workspace).filter(pk=lead.pk).exists()


def test_each_workspace_has_its_own_list(workspace, other_workspace):
    suppression_add(workspace=other_workspace, value="jane@example.com")

    assert suppressed_emails(workspace=workspace, emails=["jane@example.com"]) == set()
    assert suppression_add(workspace=workspace, value="jane@example.com").workspace_id == workspace.pk

"""leads.services: contacts are created and edited through the shared normalisation, one email each."""

import pytest

from core.errors import Conflict, DomainError
from leads import services
from leads.models import Lead
from tests.factories import LeadFactory


def test_a_new_contact_is_stored_normalised(workspace):
    lead = services.lead_create(
        workspace=workspace,
        data={"email": " Jörg@Bücher.de ", "first_name": "  Jörg \n", "linkedin_url": "linkedin.com/in/j"},
        source=Lead.Source.IMPORT,
    )

    assert lead.email == "jörg@xn--bcher-kva.de"
    assert lead.first_name == "Jörg"
    assert lead.linkedin_url == "https://linkedin.com/in/j"
    assert lead.source == Lead.Source.IMPORT


def test_an_invalid_contact_is_refused_with_each_fields_reason(workspace):
    with pytest.raises(DomainError) as refusal:
        services.lead_create(workspace=workspace, data={"email": "nope", "first_name": "x" * 101})

    assert set(refusal.value.details) == {"email", "first_name"}
    assert Lead.objects.for_workspace(workspace).count() == 0


def test_one_email_per_workspace_whatever_its_case(workspace):
    lead = LeadFactory(workspace=workspace, email="ada@example.com")

    with pytest.raises(Conflict) as refusal:
        services.lead_create(workspace=workspace, data={"email": "ADA@Example.com"})

    assert refusal.value.details == {"lead_id": lead.pk}


def test_editing_keeps_the_fields_not_named_and_replaces_custom_fields_whole(workspace):
    lead = LeadFactory(workspace=workspace, first_name="Ada", custom_fields={"a": 1, "b": 2})

    services.lead_update(
        workspace=workspace, lead=lead, data={"custom_fields": {"c": "3"}, "city": " Paris "}
    )

    lead = Lead.objects.for_workspace(workspace).get(pk=lead.pk)
    assert (lead.first_name, lead.city, lead.custom_fields) == ("Ada", "Paris", {"c": "3"})


def test_editing_refuses_invalid_values_and_changes_nothing(workspace):
    lead = LeadFactory(workspace=workspace, website="")

    with pytest.raises(DomainError):
        services.lead_update(workspace=workspace, lead=lead, data={"website": "not a url"})

    assert Lead.objects.for_workspace(workspace).get(pk=lead.pk).website == ""

"""A contact's workspace exists, checked by the database (leads migration 0004) for whatever code
writes the row."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Workspace
from leads.models import Lead
from tests.factories import LeadFactory


def insert_leads(workspace_ids):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_lead (workspace_id, email, first_name, last_name, company_name, job_title, "
            "phone, website, linkedin_url, city, country, custom_fields, source, created_at, updated_at) "
            "SELECT w, 'lead' || n || '@example.com', '', '', '', '', '', '', '', '', '', '{}', 'api', "
            "%s, %s "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t (w, n)",
            [timezone.now(), timezone.now(), workspace_ids],
        )


def test_contacts_of_existing_workspaces_are_written(workspace, other_workspace):
    insert_leads([workspace.pk, other_workspace.pk, workspace.pk])

    assert Lead.objects.for_workspace(workspace).count() == 2
    assert Lead.objects.for_workspace(other_workspace).count() == 1


def test_a_statement_naming_a_missing_workspace_writes_nothing(workspace):
    missing = Workspace.objects.order_by("-pk").first().pk + 1000

    with pytest.raises(IntegrityError, match="lead_workspace_check"):
        insert_leads([workspace.pk, missing])

    assert not Lead.objects.for_workspace(workspace).exists()


def test_a_workspace_with_contacts_cannot_be_deleted_before_them(workspace):
    LeadFactory(workspace=workspace)

    refused = pytest.raises(IntegrityError, match="lead_workspace_check")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_workspace WHERE id = %s", [workspace.pk])

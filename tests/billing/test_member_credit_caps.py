"""Per-member lead-credit caps: an owner caps what a member may spend per billing period; a take past it
is a 402 ``member_credit_cap_reached`` naming ``cap`` and ``spent``, or with ``allow_partial`` takes what
the cap leaves. Spent is the member's debits this period less their refunds; a take through an API key
counts for the key's creator; owners are never capped."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Membership, Role
from billing import selectors, services
from billing.errors import MemberCreditCapReached
from billing.models import LedgerEntry, MemberCreditCap
from core.errors import DomainError
from leadfinder import services as leadfinder_services
from leadfinder.models import Download
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory, make_prospects, owner_of
from tests.unchanged import nothing_changes

pytestmark = pytest.mark.django_db

DOWNLOADS = "/api/v1/leadfinder/downloads"
CAPS = "/api/v1/billing/credit-caps"


def at(*args):
    return datetime(*args, tzinfo=UTC)


def membership_of(user, workspace):
    return Membership.objects.for_workspace(workspace).get(user=user)


@pytest.fixture
def member(workspace):
    return MembershipFactory(workspace=workspace, role=Role.MEMBER, user=UserFactory(email="max@example.com"))


def cap(member, credits):
    return services.member_credit_cap_set(
        workspace=member.workspace, membership_id=member.pk, cap=credits, actor=owner_of(member.workspace)
    )


def key_of(user, workspace):
    _, raw_key = account_services.api_key_create(workspace=workspace, name="member key", created_by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def take(workspace, user, count, *, allow_partial=False):
    prospects = make_prospects(count)
    return leadfinder_services.download_create(
        workspace=workspace, prospect_ids=[p.pk for p in prospects], allow_partial=allow_partial, actor=user
    )


def spent(workspace, membership):
    [credits] = [
        c for c in selectors.member_credits_for_workspace(workspace=workspace) if c.membership == membership
    ]
    return credits.spent


# The rule, through the API (a member's key counts for the member)


def test_a_take_past_the_members_cap_is_a_402_naming_cap_and_spent_and_charges_nothing(workspace, member):
    cap(member, 5)
    client = key_of(member.user, workspace)
    assert (
        client.post(DOWNLOADS, {"prospect_ids": [p.pk for p in make_prospects(3)]}, format="json").status_code
        == 201
    )
    prospects = make_prospects(4)

    with nothing_changes():
        response = client.post(DOWNLOADS, {"prospect_ids": [p.pk for p in prospects]}, format="json")

    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "member_credit_cap_reached"
    assert error["details"] == {"cap": 5, "spent": 3}
    assert "3 of 5 spent this period, 2 credits left" in error["message"]


def test_allow_partial_takes_what_the_cap_leaves_and_no_more(workspace, member):
    cap(member, 5)
    client = key_of(member.user, workspace)
    prospects = make_prospects(8)

    response = client.post(
        DOWNLOADS, {"prospect_ids": [p.pk for p in prospects], "allow_partial": True}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["charged"], body["not_added_over_limit"], body["credits_balance"]) == (5, 3, 95)
    again = client.post(DOWNLOADS, {"prospect_ids": [make_prospects(1)[0].pk]}, format="json")
    assert again.json()["error"]["details"] == {"cap": 5, "spent": 5}
    partial = client.post(
        DOWNLOADS, {"prospect_ids": [make_prospects(1)[0].pk], "allow_partial": True}, format="json"
    )
    assert partial.status_code == 201 and partial.json()["charged"] == 0


def test_owned_prospects_are_free_and_need_no_cap_room(workspace, member):
    cap(member, 2)
    prospects = make_prospects(2)
    leadfinder_services.download_create(
        workspace=workspace, prospect_ids=[p.pk for p in prospects], actor=member.user
    )

    again = leadfinder_services.download_create(
        workspace=workspace, prospect_ids=[p.pk for p in prospects], actor=member.user
    )

    assert (again.charged, again.already_owned) == (0, 2)


def test_the_balance_is_named_when_it_is_tighter_than_the_cap(workspace, member):
    cap(member, 500)  # a trial has 100 credits

    with pytest.raises(DomainError) as refused:
        take(workspace, member.user, 150)

    assert refused.value.code == "insufficient_lead_credits"
    assert refused.value.details == {"needed": 150, "balance": 100}


def test_a_cap_of_zero_lets_the_member_take_only_what_the_workspace_owns(workspace, member):
    cap(member, 0)

    with pytest.raises(MemberCreditCapReached) as refused:
        take(workspace, member.user, 1)

    assert refused.value.details == {"cap": 0, "spent": 0}


def test_the_debit_itself_refuses_past_the_cap_whoever_calls_it(workspace, member):
    """billing.services is the door: a caller that skipped the Lead Finder's plan is refused too."""
    cap(member, 3)

    with transaction.atomic():
        quota = services.quota_lock(workspace=workspace)
        with pytest.raises(MemberCreditCapReached):
            services.lead_credits_debit(quota=quota, amount=4, description="x", actor=member.user)
        entry = services.lead_credits_debit(
            quota=quota, amount=4, description="x", actor=member.user, allow_partial=True
        )

    assert entry.amount == -3


def test_other_members_and_the_workspace_without_a_cap_are_not_limited(workspace, member):
    cap(member, 1)
    colleague = MembershipFactory(workspace=workspace, role=Role.MEMBER)

    assert take(workspace, colleague.user, 10).charged == 10
    assert take(workspace, None, 10).charged == 10
    assert take(workspace, member.user, 1).charged == 1


def test_one_cap_counts_dashboard_takes_and_the_members_api_keys_together(workspace, member):
    cap(member, 4)
    client = Client()
    client.force_login(member.user)
    prospects = make_prospects(3)
    client.post(
        reverse("leadfinder_take"),
        {"scope": "selected", "prospect_ids": [p.pk for p in prospects], "action": "contacts"},
    )

    response = key_of(member.user, workspace).post(
        DOWNLOADS, {"prospect_ids": [p.pk for p in make_prospects(2)]}, format="json"
    )

    assert response.json()["error"]["details"] == {"cap": 4, "spent": 3}
    debits = LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT)
    assert list(debits.values_list("actor", "amount")) == [(member.user_id, -3)]


# Owners


def test_an_owner_cannot_be_capped(workspace, owner):
    with nothing_changes(), pytest.raises(DomainError) as refused:
        cap(membership_of(owner, workspace), 5)

    assert "Owners are not capped" in refused.value.message


def test_a_capped_member_promoted_to_owner_is_no_longer_capped(workspace, owner, member):
    cap(member, 1)
    account_services.membership_change_role(
        workspace=workspace,
        membership_id=member.pk,
        role=Role.OWNER,
        acting_membership=membership_of(owner, workspace),
    )

    assert take(workspace, member.user, 3).charged == 3


def test_removing_a_member_removes_their_cap(workspace, owner, member):
    cap(member, 1)
    account_services.membership_remove(
        workspace=workspace, membership_id=member.pk, acting_membership=membership_of(owner, workspace)
    )

    assert not MemberCreditCap.objects.for_workspace(workspace).exists()


# Periods and refunds


def test_a_new_billing_period_starts_the_member_from_zero():
    with time_machine.travel(at(2027, 1, 31, 10), tick=False) as clock:
        workspace = WorkspaceFactory()
        member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
        cap(member, 5)
        take(workspace, member.user, 5)
        with pytest.raises(MemberCreditCapReached):
            take(workspace, member.user, 1)

        clock.move_to(at(2027, 2, 28, 10))  # the period ends: renewed by the take's lock

        assert take(workspace, member.user, 5).charged == 5
        assert spent(workspace, member) == 5
        with pytest.raises(MemberCreditCapReached) as refused:
            take(workspace, member.user, 1)
        assert refused.value.details == {"cap": 5, "spent": 5}


def test_a_refund_gives_the_member_their_cap_room_back(workspace, member):
    cap(member, 3)
    download = take(workspace, member.user, 3)
    debit = LedgerEntry.objects.for_workspace(workspace).get(kind=LedgerEntry.Kind.DEBIT)
    services.lead_credits_refund(workspace=workspace, debit=debit, amount=1, description="bounced")
    assert download.charged == 3

    assert spent(workspace, member) == 2
    assert take(workspace, member.user, 1).charged == 1
    with pytest.raises(MemberCreditCapReached):
        take(workspace, member.user, 1)


def test_a_refund_of_last_periods_debit_gives_no_room_in_this_one():
    with time_machine.travel(at(2027, 1, 31, 10), tick=False) as clock:
        workspace = WorkspaceFactory()
        member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
        services.lead_credits_grant(
            workspace=workspace, amount=50, source="adjustment", description="lasting credits"
        )
        cap(member, 2)
        clock.move_to(at(2027, 2, 27, 10))
        take(workspace, member.user, 2)
        debit = LedgerEntry.objects.for_workspace(workspace).get(kind=LedgerEntry.Kind.DEBIT)
        clock.move_to(at(2027, 3, 1, 10))
        take(workspace, member.user, 2)
        services.lead_credits_refund(workspace=workspace, debit=debit, description="bounced")

        assert spent(workspace, member) == 2
        with pytest.raises(MemberCreditCapReached):
            take(workspace, member.user, 1)


# The Members page


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_members_page_shows_each_members_cap_and_spent_this_period(workspace, owner, member):
    cap(member, 7)
    take(workspace, member.user, 2)
    uncapped = MembershipFactory(
        workspace=workspace, role=Role.ADMIN, user=UserFactory(email="ada@example.com")
    )

    html = signed_in(owner).get(reverse("settings_members")).text

    assert 'id="credit-caps"' in html
    row = html.split(f'data-member="{member.pk}"')[1].split("</tr>")[0]
    assert "max@example.com" in row and ">2 <small" in row and "(5 left)" in row and 'value="7"' in row
    row = html.split(f'data-member="{uncapped.pk}"')[1].split("</tr>")[0]
    assert 'placeholder="No cap"' in row and 'value=""' in row
    row = html.split(f'data-member="{membership_of(owner, workspace).pk}"')[1].split("</tr>")[0]
    assert "Owner: not capped" in row


def test_an_owner_sets_and_removes_a_cap_on_the_members_page(workspace, owner, member):
    client = signed_in(owner)
    url = reverse("member_credit_cap_set", args=[member.pk])

    response = client.post(url, {"cap": "25"}, follow=True)

    assert "max@example.com may now spend 25 lead credits per billing period." in response.text
    assert MemberCreditCap.objects.for_workspace(workspace).get().cap == 25
    response = client.post(url, {"cap": "25", "clear": "on"}, follow=True)
    assert "Cap removed" in response.text
    assert not MemberCreditCap.objects.for_workspace(workspace).exists()
    client.post(url, {"cap": "3"})
    client.post(url, {"cap": ""})
    assert not MemberCreditCap.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "10000001"])
def test_a_cap_that_is_not_a_whole_number_in_range_changes_nothing(workspace, owner, member, value):
    cap(member, 4)
    client = signed_in(owner)

    with nothing_changes():
        response = client.post(
            reverse("member_credit_cap_set", args=[member.pk]), {"cap": value}, follow=True
        )

    assert "A credit cap is a whole number from 0 to 10,000,000." in response.text


def test_capping_an_owner_on_the_page_says_why_not(workspace, owner):
    with nothing_changes():
        response = signed_in(owner).post(
            reverse("member_credit_cap_set", args=[membership_of(owner, workspace).pk]),
            {"cap": "1"},
            follow=True,
        )

    assert "Owners are not capped" in response.text


def test_admins_see_the_caps_but_only_owners_set_them(workspace, member):
    cap(member, 9)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    client = signed_in(admin)

    html = client.get(reverse("settings_members")).text
    with nothing_changes():
        refused = client.post(reverse("member_credit_cap_set", args=[member.pk]), {"cap": "900"})
    member_refused = signed_in(member.user).post(
        reverse("member_credit_cap_set", args=[member.pk]), {"cap": ""}
    )

    row = html.split(f'data-member="{member.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="cap">9<' in row.replace("\n", "").replace(" ", "")
    assert "<input" not in row and "Owners set the caps." in html
    assert refused.status_code == member_refused.status_code == 403
    assert MemberCreditCap.objects.for_workspace(workspace).get().cap == 9


def test_a_capped_members_take_on_the_dashboard_is_refused_with_the_cap_and_the_preview_says_so(
    workspace, member
):
    cap(member, 2)
    client = signed_in(member.user)
    query = {"scope": "selected", "prospect_ids": [p.pk for p in make_prospects(3)]}

    preview = client.get(reverse("leadfinder_preview"), query)
    with nothing_changes():
        refused = client.post(reverse("leadfinder_take"), {**query, "action": "csv"})

    assert "your lead-credit cap leaves you 2 this period (0 of 2 spent)" in preview.text
    assert "Take 2 for 2 credits" in preview.text
    assert refused.status_code == 402
    assert "0 of 2 spent this period, 2 credits left" in refused.text
    assert not Download.objects.for_workspace(workspace).exists()


# The API of caps


def test_the_api_lists_each_members_cap_and_spent(api_client, workspace, owner, member):
    cap(member, 6)
    take(workspace, member.user, 1)

    response = api_client.get(CAPS)

    assert response.status_code == 200
    assert sorted(response.json(), key=lambda m: m["email"]) == [
        {"id": member.pk, "email": "max@example.com", "role": "member", "cap": 6, "spent": 1, "left": 5},
        {
            "id": membership_of(owner, workspace).pk,
            "email": owner.email,
            "role": "owner",
            "cap": None,
            "spent": 0,
            "left": None,
        },
    ]


def test_an_owners_key_sets_and_removes_a_cap(api_client, workspace, member):
    url = f"{CAPS}/{member.pk}"

    set_answer = api_client.put(url, {"cap": 12}, format="json")
    removed = api_client.put(url, {"cap": None}, format="json")

    assert set_answer.status_code == 200
    assert set_answer.json() == {
        "id": member.pk,
        "email": "max@example.com",
        "role": "member",
        "cap": 12,
        "spent": 0,
        "left": 12,
    }
    assert removed.json()["cap"] is None
    assert not MemberCreditCap.objects.for_workspace(workspace).exists()
    assert api_client.get(url).json()["cap"] is None


@pytest.mark.parametrize(
    "body", [{"cap": -1}, {"cap": "many"}, {"cap": 10_000_001}, {}, {"cap": 3, "member": 1}, {"cap": True}]
)
def test_a_bad_cap_is_a_400_and_changes_nothing(api_client, member, body):
    with nothing_changes():
        response = api_client.put(f"{CAPS}/{member.pk}", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_capping_an_owner_by_api_is_a_400(api_client, workspace, owner):
    response = api_client.put(f"{CAPS}/{membership_of(owner, workspace).pk}", {"cap": 1}, format="json")

    assert response.status_code == 400
    assert "cap" in response.json()["error"]["details"]


def test_a_members_key_reads_caps_but_cannot_set_them(workspace, member):
    client = api_client_for(workspace, role=Role.MEMBER)

    with nothing_changes():
        refused = client.put(f"{CAPS}/{member.pk}", {"cap": 100}, format="json")

    assert client.get(CAPS).status_code == 200
    assert refused.status_code == 403

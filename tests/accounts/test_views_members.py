import re
import smtplib

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.middleware import SESSION_WORKSPACE_KEY
from accounts.models import ApiKey, Invitation, Membership, Role, User
from core.errors import DomainError
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory, owner_of

NEW_PASSWORD = "plum-orchard-lantern-42"


def membership_of(user, workspace):
    return Membership.objects.for_workspace(workspace).get(user=user)


def invite(client, workspace, email, role, capture_on_commit):
    """Sends an invitation from the members page and returns the path of the emailed link."""
    with capture_on_commit(execute=True):
        response = client.post(reverse("settings_members"), {"email": email, "role": role}, follow=True)
    assert f"Invitation sent to {email.strip().lower()}." in response.text
    [email_message] = [m for m in mail.outbox if m.to == [email.strip().lower()]]
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", email_message.body).group(1)


def test_an_invitation_email_lets_a_new_person_sign_up_and_join_with_the_invited_role(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    link = invite(client, workspace, "Grace@Example.com", Role.ADMIN, django_capture_on_commit_callbacks)
    client.logout()

    page = client.get(link)
    response = client.post(
        link, {"full_name": "Grace Hopper", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )

    assert "Acme Outreach" in page.text
    grace = User.objects.get(email="grace@example.com")
    assert grace.check_password(NEW_PASSWORD)
    assert membership_of(grace, workspace).role == Role.ADMIN
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == grace
    assert response.context["current_workspace"] == workspace
    assert client.get(link).status_code == 404


def test_an_invitation_printed_by_the_console_mail_backend_shows_its_link_whole_on_one_line(
    client, workspace, owner, settings, capsys
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    settings.SITE_URL = "https://app.leadpool.example.com"
    workspace.name = "Zoë Café"  # not ASCII: the body cannot go out as 7bit
    workspace.save()
    client.force_login(owner)

    client.post(reverse("settings_members"), {"email": "grace@example.com", "role": Role.MEMBER})
    printed = capsys.readouterr().out
    [line] = [line for line in printed.splitlines() if line.startswith("Accept within 7 days: ")]
    link = re.fullmatch(r"Accept within 7 days: https://app\.leadpool\.example\.com(/invitations/\S+/)", line)
    client.logout()

    assert "Zoë Café" in printed
    assert link is not None, line
    assert "Zoë Café" in client.get(link.group(1)).text


def test_an_invitee_signing_up_with_a_weak_password_is_refused_and_nothing_is_created(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    link = invite(client, workspace, "grace@example.com", Role.MEMBER, django_capture_on_commit_callbacks)
    client.logout()

    response = client.post(link, {"password1": "1234567890", "password2": "1234567890"})

    assert "Choose a stronger password." in response.text
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="grace@example.com").exists()
    assert Invitation.objects.for_workspace(workspace).get().is_pending


def test_an_invitee_with_an_account_logs_in_first_then_joins_and_works_in_the_workspace(
    client, workspace, other_workspace, owner, django_capture_on_commit_callbacks
):
    invitee = owner_of(other_workspace)
    client.force_login(owner)
    link = invite(client, workspace, invitee.email, Role.MEMBER, django_capture_on_commit_callbacks)
    client.logout()

    response = client.get(link)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={link}"
    response = client.post(
        reverse("login"), {"username": invitee.email, "password": DEFAULT_PASSWORD, "next": link}, follow=True
    )
    assert f"Join {workspace.name}" in response.text
    assert not Membership.objects.for_workspace(workspace).filter(user=invitee).exists()

    response = client.post(link, follow=True)

    assert membership_of(invitee, workspace).role == Role.MEMBER
    assert client.session[SESSION_WORKSPACE_KEY] == workspace.pk
    assert response.context["current_workspace"] == workspace


def test_an_invitation_opened_by_someone_else_says_whom_it_is_for_and_changes_nothing(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    link = invite(client, workspace, "grace@example.com", Role.MEMBER, django_capture_on_commit_callbacks)
    stranger = UserFactory(email="mallory@example.com")
    client.force_login(stranger)

    page = client.get(link)
    response = client.post(link)

    for answer in (page, response):
        assert answer.status_code == 403
        assert "The invitation to Acme Outreach is for <strong>grace@example.com</strong>" in answer.text
    assert not Membership.objects.for_workspace(workspace).filter(user=stranger).exists()
    assert Invitation.objects.for_workspace(workspace).get().is_pending


def test_a_revoked_invitation_link_no_longer_works(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    link = invite(client, workspace, "grace@example.com", Role.MEMBER, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.for_workspace(workspace).get()

    client.post(reverse("invitation_revoke", args=[invitation.pk]))
    client.logout()
    response = client.get(link)

    assert response.status_code == 404
    assert "This invitation is no longer valid" in response.text


def test_inviting_someone_who_is_already_a_member_is_refused_and_sends_nothing(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    member = MembershipFactory(workspace=workspace).user
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settings_members"), {"email": member.email, "role": Role.MEMBER})

    assert f"{member.email} is already a member." in response.text
    assert response.context["form"].errors["email"] == ["Already a member."]
    assert mail.outbox == []
    assert not Invitation.objects.for_workspace(workspace).exists()


def test_an_invitation_the_mail_server_refuses_is_not_kept_and_says_so(client, workspace, owner, monkeypatch):
    def refuse(**kwargs):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr(services, "send_mail", refuse)
    client.force_login(owner)

    response = client.post(reverse("settings_members"), {"email": "new@example.com", "role": Role.MEMBER})

    assert "The invitation email to new@example.com could not be sent; try again later." in response.text
    assert not Invitation.objects.for_workspace(workspace).exists()


def test_an_owner_changes_a_members_role(client, workspace, owner):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    client.force_login(owner)

    response = client.post(reverse("member_change_role", args=[member.pk]), {"role": Role.ADMIN}, follow=True)

    member.refresh_from_db()
    assert member.role == Role.ADMIN
    assert f"{member.user.email} is now admin." in response.text


def test_removing_a_member_revokes_the_api_keys_they_created(client, workspace, owner):
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    api_key, raw_key = services.api_key_create(workspace=workspace, name="Zapier", created_by=admin.user)
    client.force_login(owner)

    response = client.post(reverse("member_remove", args=[admin.pk]), follow=True)

    assert "the API keys they created are revoked" in response.text
    assert not Membership.objects.for_workspace(workspace).filter(pk=admin.pk).exists()
    api_key.refresh_from_db()
    assert not api_key.is_active
    answer = client.get("/api/v1/workspace", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "settings_members"),
        ("post", "settings_members"),
        ("get", "settings_api_keys"),
        ("post", "settings_api_keys"),
    ],
)
def test_a_plain_member_is_refused_the_members_and_api_key_pages(client, workspace, method, url_name):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    client.force_login(member)

    response = getattr(client, method)(
        reverse(url_name), {"email": "x@example.com", "role": "admin", "name": "k"}
    )

    assert response.status_code == 403
    assert "Only owners and admins of Acme Outreach can open this page." in response.text
    assert not Invitation.objects.for_workspace(workspace).exists()
    assert not ApiKey.objects.for_workspace(workspace).exists()


def test_a_plain_member_cannot_change_roles_or_remove_anyone(client, workspace, owner):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    owner_membership = membership_of(owner, workspace)
    client.force_login(member.user)

    role_change = client.post(reverse("member_change_role", args=[member.pk]), {"role": Role.OWNER})
    removal = client.post(reverse("member_remove", args=[owner_membership.pk]))

    assert (role_change.status_code, removal.status_code) == (403, 403)
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert Membership.objects.for_workspace(workspace).filter(pk=owner_membership.pk).exists()


def test_an_admin_cannot_remove_or_demote_an_owner(client, workspace, owner):
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    owner_membership = membership_of(owner, workspace)
    client.force_login(admin)

    demotion = client.post(
        reverse("member_change_role", args=[owner_membership.pk]), {"role": Role.MEMBER}, follow=True
    )
    removal = client.post(reverse("member_remove", args=[owner_membership.pk]), follow=True)

    assert "Only owners can grant or take away the owner role." in demotion.text
    assert "Only owners can remove an owner." in removal.text
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_an_admin_is_not_offered_the_owner_role_and_cannot_promote_to_it(client, workspace):
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    client.force_login(admin)

    page = client.get(reverse("settings_members"))
    promotion = client.post(
        reverse("member_change_role", args=[member.pk]), {"role": Role.OWNER}, follow=True
    )
    invitation = client.post(reverse("settings_members"), {"email": "new@example.com", "role": Role.OWNER})

    assert [value for value, _ in page.context["form"].fields["role"].choices] == [Role.ADMIN, Role.MEMBER]
    assert "Only owners can grant or take away the owner role." in promotion.text
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert invitation.context["form"].errors["role"]
    assert not Invitation.objects.for_workspace(workspace).exists()


def test_the_last_owner_cannot_be_demoted_or_removed(client, workspace, owner):
    owner_membership = membership_of(owner, workspace)
    client.force_login(owner)

    demotion = client.post(
        reverse("member_change_role", args=[owner_membership.pk]), {"role": Role.ADMIN}, follow=True
    )
    removal = client.post(reverse("member_remove", args=[owner_membership.pk]), follow=True)

    for answer in (demotion, removal):
        assert "A workspace needs at least one owner." in answer.text
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_an_owner_hands_over_ownership_then_steps_down(client, workspace, owner):
    successor = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    owner_membership = membership_of(owner, workspace)
    client.force_login(owner)

    client.post(reverse("member_change_role", args=[successor.pk]), {"role": Role.OWNER})
    response = client.post(reverse("member_change_role", args=[owner_membership.pk]), {"role": Role.MEMBER})

    successor.refresh_from_db()
    owner_membership.refresh_from_db()
    assert (successor.role, owner_membership.role) == (Role.OWNER, Role.MEMBER)
    assert response.url == reverse("home")


def test_members_of_another_workspace_are_404_and_untouched(client, workspace, other_workspace, owner):
    foreign = MembershipFactory(workspace=other_workspace, role=Role.MEMBER)
    client.force_login(owner)

    role_change = client.post(reverse("member_change_role", args=[foreign.pk]), {"role": Role.ADMIN})
    removal = client.post(reverse("member_remove", args=[foreign.pk]))

    assert (role_change.status_code, removal.status_code) == (404, 404)
    foreign.refresh_from_db()
    assert foreign.role == Role.MEMBER


def test_the_members_page_shows_only_the_current_workspaces_members_and_invitations(
    client, workspace, other_workspace, owner
):
    MembershipFactory(workspace=workspace, user=UserFactory(email="ours@example.com"))
    MembershipFactory(workspace=other_workspace, user=UserFactory(email="theirs@example.com"))
    foreign_owner_membership = membership_of(owner_of(other_workspace), other_workspace)
    services.invitation_create(
        workspace=workspace,
        email="invited-ours@example.com",
        role=Role.MEMBER,
        invited_by_membership=membership_of(owner, workspace),
    )
    services.invitation_create(
        workspace=other_workspace,
        email="invited-theirs@example.com",
        role=Role.MEMBER,
        invited_by_membership=foreign_owner_membership,
    )
    client.force_login(owner)

    response = client.get(reverse("settings_members"))

    assert {m.user.email for m in response.context["members"]} == {owner.email, "ours@example.com"}
    assert [i.email for i in response.context["invitations"]] == ["invited-ours@example.com"]
    assert "theirs@example.com" not in response.text
    assert owner_of(other_workspace).email not in response.text


def test_an_invitation_lapses_when_its_sender_is_removed_or_can_no_longer_grant_its_role(workspace, owner):
    acting_owner = membership_of(owner, workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    other_owner = MembershipFactory(workspace=workspace, role=Role.OWNER)
    _, from_admin = services.invitation_create(
        workspace=workspace, email="a@example.com", role=Role.MEMBER, invited_by_membership=admin
    )
    _, owner_role = services.invitation_create(
        workspace=workspace, email="b@example.com", role=Role.OWNER, invited_by_membership=other_owner
    )
    services.membership_remove(workspace=workspace, membership_id=admin.pk, acting_membership=acting_owner)
    services.membership_change_role(
        workspace=workspace, membership_id=other_owner.pk, role=Role.ADMIN, acting_membership=acting_owner
    )

    for token, email in ((from_admin, "a@example.com"), (owner_role, "b@example.com")):
        user = UserFactory(email=email)
        with pytest.raises(DomainError, match="the person who sent it can no longer invite"):
            services.invitation_accept(token=token, user=user)
        assert not Membership.objects.for_workspace(workspace).filter(user=user).exists()


def test_a_removed_member_cannot_come_back_with_a_second_invitation_left_over(workspace, owner):
    acting = membership_of(owner, workspace)
    _, first = services.invitation_create(
        workspace=workspace, email="friend@example.com", role=Role.MEMBER, invited_by_membership=acting
    )
    _, second = services.invitation_create(
        workspace=workspace, email="friend@example.com", role=Role.ADMIN, invited_by_membership=acting
    )
    friend = UserFactory(email="friend@example.com")
    joined = services.invitation_accept(token=first, user=friend)

    services.membership_remove(workspace=workspace, membership_id=joined.pk, acting_membership=acting)

    assert services.invitation_for_token(second) is None
    with pytest.raises(DomainError, match="no longer valid"):
        services.invitation_accept(token=second, user=friend)


def test_a_workspace_name_is_kept_on_one_line_so_invitation_emails_can_carry_it(owner):
    workspace = services.workspace_create(name="  Acme\r\nBcc: victim@example.com\x00\tSales ", owner=owner)
    assert workspace.name == "Acme Bcc: victim@example.com Sales"
    services.workspace_rename(workspace=workspace, name="Globex\nTeam")
    assert workspace.name == "Globex Team"

    services.invitation_create(
        workspace=workspace,
        email="new@example.com",
        role=Role.MEMBER,
        invited_by_membership=membership_of(owner, workspace),
    )

    assert mail.outbox[-1].subject == "You are invited to Globex Team on Leadpool"
    with pytest.raises(DomainError):
        services.workspace_rename(workspace=workspace, name="\n\t\x00")

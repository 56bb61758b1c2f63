from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordChangeForm,
    UserChangeForm,
)
from django.core.exceptions import ValidationError

from accounts.models import Role, User
from accounts.scopes import SCOPE_DESCRIPTIONS, SCOPES
from core.ids import ID_MAX
from core.sign_ins import FailedSignIns


def add_domain_error(form, exc, field_names=None):
    """Shows a service's refusal on its form: the message on top, the details on the fields they name."""
    field_names = field_names or {}
    form.add_error(None, exc.message)
    for key, messages in exc.details.items():
        field = field_names.get(key, key)
        if field in form.fields:
            form.add_error(field, messages)


class LimitedSignIns:
    """For a form that checks a password: each attempt counts as a failed sign-in of the client's address
    (``core.sign_ins``) unless it succeeds; past their limit, the address's attempts are refused without
    checking the password. ``_checked(check)`` runs ``check``, which raises ValidationError if it failed."""

    def _checked(self, check):
        failures = FailedSignIns(self.request)
        wait = failures.take()
        if wait is not None:
            raise ValidationError(
                f"Too many failed sign-ins from your address. Try again in {wait} seconds.",
                code="too_many_failed_sign_ins",
            )
        result = check()
        failures.forgive()
        return result


class LoginForm(LimitedSignIns, AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self):
        return self._checked(super().clean)


class AdminLoginForm(LimitedSignIns, AdminAuthenticationForm):
    def clean(self):
        return self._checked(super().clean)


class LimitedPasswordChangeForm(LimitedSignIns, PasswordChangeForm):
    """A wrong current password counts as a failed sign-in: a borrowed session cannot guess it at speed."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        return self._checked(super().clean_old_password)


class NewPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common password and not only digits.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned_data = super().clean()
        password1, password2 = cleaned_data.get("password1"), cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        return cleaned_data


class SignUpForm(NewPasswordForm):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    workspace_name = forms.CharField(
        label="Workspace name", max_length=100, help_text="Your team or company; you can rename it later."
    )

    field_order = ["email", "full_name", "workspace_name", "password1", "password2"]


class InvitationSignUpForm(NewPasswordForm):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["full_name", "password1", "password2"]


class WorkspaceForm(forms.Form):
    name = forms.CharField(label="Workspace name", max_length=100)


class WorkspaceSwitchForm(forms.Form):
    workspace = forms.IntegerField(max_value=ID_MAX)


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, acting_membership, **kwargs):
        super().__init__(*args, **kwargs)
        if not acting_membership.has_role(Role.OWNER):
            self.fields["role"].choices = [(r.value, r.label) for r in Role if r != Role.OWNER]


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Where the key is used, for example “CRM sync” or “Zapier”."
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do",
        choices=[(scope, f"{scope}: {SCOPE_DESCRIPTIONS[scope]}") for scope in SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none (or all) for a key with every scope: only such a key may change billing and "
        "the workspace's settings.",
    )


class AdminUserAddForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}


class AdminUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}

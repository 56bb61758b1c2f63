from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("workspaces/switch/", views.workspace_switch, name="workspace_switch"),
    path("workspaces/new/", views.workspace_new, name="workspace_new"),
    path("settings/", views.settings_workspace, name="settings_workspace"),
    path("settings/password/", views.SettingsPasswordView.as_view(), name="settings_password"),
    path("settings/members/", views.settings_members, name="settings_members"),
    path("settings/members/<id:membership_id>/role/", views.member_change_role, name="member_change_role"),
    path("settings/members/<id:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<id:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("settings/api-keys/", views.settings_api_keys, name="settings_api_keys"),
    path("settings/api-keys/<id:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

from rest_framework import authentication, exceptions

from accounts.selectors import membership_for
from accounts.services import api_key_verify
from core.sign_ins import FailedSignIns


class TooManyFailedSignIns(exceptions.Throttled):
    """429: the client's address failed to authenticate too often (``core.sign_ins``)."""

    about = "Too many failed authentications from your address"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``. The key decides the workspace; it acts with its creator's role.
    Every refused key counts as a failed sign-in of the client's address; past their limit, the address's
    keys are not looked at (429)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        failures = FailedSignIns(request)
        wait = failures.refused()
        if wait is not None:
            raise TooManyFailedSignIns(wait)
        try:
            return self._authenticate(request, header)
        except exceptions.AuthenticationFailed:
            failures.record()
            raise

    def _authenticate(self, request, header):
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not raw_key.strip():
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <api key>'.")
        api_key = api_key_verify(raw_key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid or has been revoked.")
        membership = membership_for(user=api_key.created_by, workspace=api_key.workspace)
        if membership is None:
            raise exceptions.AuthenticationFailed("This API key's creator is no longer a member.")
        if not api_key.created_by.is_active:
            raise exceptions.AuthenticationFailed("This API key's creator has been deactivated.")
        request._request.workspace = api_key.workspace
        request._request.membership = membership
        return api_key.created_by, api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class WorkspaceSessionAuthentication(authentication.SessionAuthentication):
    """The dashboard's session, on the workspace chosen in it (CSRF enforced as for any session)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or getattr(request._request, "workspace", None) is None:
            return None
        return result

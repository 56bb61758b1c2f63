"""Settings → Webhooks: endpoints (make one, its secret shown once; roll the secret; delete; test) and
each endpoint's delivery log with a Redeliver button. Admins and owners only, as API keys are."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.forms import add_domain_error
from accounts.models import Role
from campaigns.forms import list_query
from core import secrets
from core.errors import DomainError
from core.pages import keyset_page, page_links
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import Delivery

# The secret of a just-made endpoint waits here for the one page that shows it.
NEW_SECRET_SESSION_KEY = "new_webhook_secret"  # noqa: S105 - a session key name
PAGE_SIZE = 50


def _endpoint(request, endpoint_id):
    return selectors.endpoint_for_workspace_or_404(workspace=request.workspace, endpoint_id=endpoint_id)


@never_cache  # it shows a new secret once: no browser or proxy may keep a copy
@role_required(Role.ADMIN)
def settings_webhooks(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(workspace=request.workspace, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            _keep_new_secret(request, endpoint, secret)
            messages.success(request, f"Webhook endpoint {endpoint.url} added.")
            return redirect("webhook_detail", endpoint_id=endpoint.pk)
    context = {"form": form, "endpoints": selectors.endpoints_for_workspace(workspace=request.workspace)}
    return render(request, "webhooks/settings_webhooks.html", context)


def _keep_new_secret(request, endpoint, secret):
    """Until the one page that shows it, encrypted as at rest: the session store holds no secret in clear."""
    request.session[NEW_SECRET_SESSION_KEY] = {
        "workspace_id": request.workspace.pk,
        "endpoint_id": endpoint.pk,
        "secret": secrets.encrypt(secret),
    }


def _pop_new_secret(request, endpoint):
    """The secret of the endpoint made just before: shown once, on that endpoint's page only."""
    new = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    if new is None or new["workspace_id"] != request.workspace.pk or new["endpoint_id"] != endpoint.pk:
        return None
    return secrets.decrypt(new["secret"])


@never_cache
@role_required(Role.ADMIN)
def webhook_detail(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    deliveries = selectors.deliveries_of_endpoint(workspace=request.workspace, endpoint=endpoint)
    _, after, before = list_query(request)
    page = keyset_page(deliveries, key="id", after=after, before=before, size=PAGE_SIZE)
    context = {
        "endpoint": endpoint,
        "deliveries": page.items,
        "new_secret": _pop_new_secret(request, endpoint),
        "now": timezone.now(),
        "states": Delivery.State,
        **page_links(request, page),
    }
    return render(request, "webhooks/webhook_detail.html", context)


def _say_how_it_went(request, delivery, what):
    if delivery.state == Delivery.State.DELIVERED:
        messages.success(request, f"{what}: delivered, the endpoint answered {delivery.status_code}.")
    else:
        messages.error(request, f"{what}: not delivered. {delivery.error}")


@require_POST
@role_required(Role.ADMIN)
def webhook_test(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    delivery = services.endpoint_test(workspace=request.workspace, endpoint=endpoint)
    _say_how_it_went(request, delivery, "Test event")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@require_POST
@role_required(Role.ADMIN)
def webhook_redeliver(request, endpoint_id, delivery_id):
    endpoint = _endpoint(request, endpoint_id)
    delivery = selectors.delivery_of_endpoint_or_404(
        workspace=request.workspace, endpoint=endpoint, delivery_id=delivery_id
    )
    again = services.delivery_redeliver(workspace=request.workspace, endpoint=endpoint, delivery=delivery)
    _say_how_it_went(request, again, f"Event {again.event.public_id} sent again")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@require_POST
@role_required(Role.ADMIN)
def webhook_roll_secret(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    endpoint, secret = services.endpoint_secret_roll(workspace=request.workspace, endpoint=endpoint)
    _keep_new_secret(request, endpoint, secret)
    messages.success(request, "A new signing secret is made; copy it below.")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@require_POST
@role_required(Role.ADMIN)
def webhook_switch(request, endpoint_id):
    """Switches the endpoint off (no new deliveries; waiting retries fail) or on again."""
    endpoint = _endpoint(request, endpoint_id)
    endpoint = services.endpoint_update(
        workspace=request.workspace, endpoint=endpoint, active=not endpoint.active
    )
    if endpoint.active:
        messages.success(request, f"{endpoint.url} is on again: it gets the events that happen from now on.")
    else:
        messages.success(request, f"{endpoint.url} is off: it gets no new deliveries until you switch it on.")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@require_POST
@role_required(Role.ADMIN)
def webhook_delete(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    services.endpoint_delete(workspace=request.workspace, endpoint=endpoint)
    messages.success(request, f"Webhook endpoint {endpoint.url} deleted; it receives no more events.")
    return redirect("settings_webhooks")

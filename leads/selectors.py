from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Func, Model, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Concat, Lower
from django.db.models.lookups import In

from accounts.models import Workspace
from core.tenancy import TenantQuerySet
from leads.models import Lead, Suppression
from leads.normalization import clean_text

SEARCHED_FIELDS = ("email", "first_name", "last_name", "company_name")


def matching[Rows: QuerySet[Model]](queryset: Rows, search: str, path: str = "") -> Rows:
    """``queryset`` narrowed to the rows whose contact (at ``path``: ``"lead__"`` from an enrollment)
    has ``search`` in its email, name or company, any case; unchanged for an empty search.

    No index serves it. A trigram index did, but it made every contact written cost several times a plain
    row (an import of a million contacts spent over half its time in it); a search instead walks the
    contacts newest first and stops when a page is full (README, "Contact search").
    """
    term = clean_text(search).lower()
    if not term:
        return queryset
    parts: list[Combinable] = []
    for name in SEARCHED_FIELDS:
        parts += [Value(" "), F(f"{path}{name}")]
    return queryset.alias(search_text=Lower(Concat(*parts[1:]))).filter(search_text__contains=term)


def leads_for_workspace(*, workspace: Workspace, search: str = "") -> TenantQuerySet[Lead]:
    """The workspace's contacts, newest first; ``search`` matches email, name or company, any case."""
    return matching(Lead.objects.for_workspace(workspace), search).order_by("-id")


def suppression_matches(*, workspace: Workspace, emails: Iterable[str]) -> tuple[set[str], set[str]]:
    """Those of ``emails`` (normalised) on the workspace's suppression list as an address, and those
    whose domain is on it: one query, served by the list's unique index."""
    emails = {email for email in emails if email}
    if not emails:
        return set(), set()
    domains = {email.rpartition("@")[2] for email in emails}
    listed = Suppression.objects.for_workspace(workspace).filter(
        Q(kind=Suppression.Kind.EMAIL, value__in=emails) | Q(kind=Suppression.Kind.DOMAIN, value__in=domains)
    )
    found = set(listed.values_list("kind", "value"))
    by_address = {email for email in emails if (Suppression.Kind.EMAIL, email) in found}
    by_domain = {email for email in emails if (Suppression.Kind.DOMAIN, email.rpartition("@")[2]) in found}
    return by_address, by_domain


def suppressed_emails(*, workspace: Workspace, emails: Iterable[str]) -> set[str]:
    """Those of ``emails`` (normalised, lower case) on the workspace's suppression list, as an address or
    by their domain (rule 20). One query, served by the list's unique index."""
    by_address, by_domain = suppression_matches(workspace=workspace, emails=emails)
    return by_address | by_domain


def suppression_match(workspace_param: str, email: str) -> str:
    """SQL: whether the address ``email`` (an SQL expression) is on the suppression list of the workspace
    ``workspace_param`` (a placeholder), as an address or by its domain: two probes of the list's unique
    index. For the doors that check many contacts at once in SQL (campaign adds, import chunks)."""
    table = connection.ops.quote_name(Suppression._meta.db_table)
    return (
        f"(EXISTS (SELECT FROM {table} x WHERE x.workspace_id = {workspace_param} "  # noqa: S608 - names
        f"AND x.kind = 'email' AND x.value = {email}) "
        f"OR EXISTS (SELECT FROM {table} x WHERE x.workspace_id = {workspace_param} "
        f"AND x.kind = 'domain' AND x.value = substring({email} from '[^@]*$')))"
    )


def is_suppressed(*, workspace: Workspace, email_path: str = "email") -> Q:
    """A condition on contacts (or rows reaching a contact at ``email_path``, e.g. ``"lead__email"``):
    its email is on the workspace's suppression list, as an address or by its domain (rule 20), as
    ``suppression_match`` says. Written as ``IN (the list)``: PostgreSQL hashes the list once and tests
    each row against it, where a probe of the list's index per row cost 3 s at a million contacts."""
    listed = Suppression.objects.for_workspace(workspace)
    email = F(email_path)
    domain = Func(email, Value("[^@]*$"), function="substring", output_field=Lead._meta.get_field("email"))
    addresses = listed.filter(kind=Suppression.Kind.EMAIL).values("value")
    domains = listed.filter(kind=Suppression.Kind.DOMAIN).values("value")
    return Q(In(email, addresses)) | Q(In(domain, domains))


def has_suppressions(*, workspace: Workspace) -> bool:
    """Whether the workspace's list has any entry: most have none, and their doors skip the check."""
    return Suppression.objects.for_workspace(workspace).exists()


def suppressed_lead_ids(*, workspace: Workspace, lead_ids: Iterable[int]) -> set[int]:
    """Those of ``lead_ids`` (the workspace's contacts) whose email is suppressed (rule 20), in one query."""
    lead_ids = list(lead_ids)
    if not lead_ids or not has_suppressions(workspace=workspace):
        return set()
    leads = connection.ops.quote_name(Lead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id FROM {leads} l WHERE l.workspace_id = %(workspace)s AND l.id = ANY(%(ids)s) "  # noqa: S608 - names from the models
            f"AND {suppression_match('%(workspace)s', 'l.email')}",
            {"workspace": workspace.pk, "ids": lead_ids},
        )
        return {row[0] for row in cursor.fetchall()}


def suppressions_for_workspace(
    *, workspace: Workspace, search: str = "", kind: str = ""
) -> TenantQuerySet[Suppression]:
    """The workspace's suppression list, newest first; ``search`` is part of the value, any case."""
    entries = Suppression.objects.for_workspace(workspace)
    term = clean_text(search).lower()
    if term:
        entries = entries.filter(value__contains=term)
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("-id")

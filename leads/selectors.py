from django.db.models import F, Value
from django.db.models.functions import Concat, Lower

from leads.models import Lead
from leads.normalization import clean_text

SEARCHED_FIELDS = ("email", "first_name", "last_name", "company_name")


def search_text(path=""):
    """What ``?search=`` looks in, lower-cased: email, name and company of the contact at ``path``
    (``"lead__"`` from an enrollment).

    No index serves it. A trigram index did, but it made every contact written cost several times a plain
    row (an import of a million contacts spent over half its time in it); a search instead walks the
    contacts newest first and stops when a page is full (README, "Contact search").
    """
    parts = []
    for name in SEARCHED_FIELDS:
        parts += [Value(" "), F(f"{path}{name}")]
    return Lower(Concat(*parts[1:]))


def search_term(search):
    return clean_text(search).lower()


def leads_for_workspace(*, workspace, search=""):
    """The workspace's contacts, newest first; ``search`` matches email, name or company, any case."""
    leads = Lead.objects.for_workspace(workspace)
    term = search_term(search)
    if term:
        leads = leads.alias(search_text=search_text()).filter(search_text__contains=term)
    return leads.order_by("-id")

"""Reads of the Lead Finder: searching prospects, counting them, and planning what a download takes.

A search names no tenant data but ``owned``, set for the workspace on the page shown (``mark_owned``:
one query for the page), by which serializers mask what the workspace has not paid for.
"""

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import Workspace
from billing.selectors import release_finished_leads_of
from campaigns.models import Campaign, Enrollment
from core.errors import DomainError
from core.tenancy import TenantQuerySet
from leadfinder.models import ENUM_FIELDS, Download, EmailStatus, Ownership, Prospect
from leads.selectors import suppression_matches

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Up to this many matches a search counts exactly; beyond, it answers the planner's estimate.
EXACT_COUNT_LIMIT = 10_000
# A search the planner expects to match more than this many is not counted: its estimate is the answer.
# Ten times the limit: the planner's estimate of the mixes of filters, keywords and job titles of the search
# bench is within a factor of three or so of the count.
COUNT_ESTIMATE_ONLY_ABOVE = 10 * EXACT_COUNT_LIMIT
# Memory for each sort and bitmap of a search (PostgreSQL's default is 4MB). At 10,000,000 prospects a
# bitmap of a few hundred thousand matches outgrows 4MB and turns lossy: PostgreSQL then rechecks every row
# of every page it marks, a full-text condition included (a search of 0.7 s took 21 s; docs/benchmarks.md).
SEARCH_WORK_MEM = "32MB"
# A keyword or a job title has at most this many words (each one a condition of the search).
MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")


def validate_words(text: str) -> None:
    """Refuses a keyword or job title of more than ``MAX_WORDS`` words, rather than search on some."""
    count = len(_words(text))
    if count > MAX_WORDS:
        raise ValidationError(f"At most {MAX_WORDS} words (this has {count}).", code="too_many_words")


@dataclass(frozen=True)
class ProspectFilters:
    """A search: any of the values within a filter, all of the filters given. Empty means any."""

    keyword: str = ""
    job_title: tuple = ()
    seniority: tuple = ()
    department: tuple = ()
    industry: tuple = ()
    company_size: tuple = ()
    country: tuple = ()
    city: tuple = ()
    has_email: bool | None = None
    # False: only prospects whose email is not known to bounce (rule 24); True: only those it is.
    email_bounced: bool | None = None
    owned: bool | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """From validated request data (lists for the repeatable filters)."""
        values = {name: data[name] for name in cls.__dataclass_fields__ if data.get(name) not in (None, "")}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                values[name] = tuple(dict.fromkeys(value))
        return cls(**values)

    def as_data(self) -> dict[str, object]:
        """The filters that are set, as JSON-ready data (what a download keeps of its query)."""
        data = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value not in ((), "", None):
                data[name] = list(value) if isinstance(value, tuple) else value
        return data


def filter_options() -> dict[str, list[dict[str, "StrOrPromise"]]]:
    """Every enumerated filter's allowed values, with the labels people read."""
    options = {**ENUM_FIELDS, "email_status": EmailStatus}
    return {
        name: [{"value": value, "label": label} for value, label in enum.choices]
        for name, enum in options.items()
    }


# The facets of a prospect as PostgreSQL's GIN index of migration 0002 had them: one token per filter,
# e.g. {"s:vp", "d:sales", "i:software", "z:51-200", "c:US", "ci:Austin", "e:yes"}. Any mix of filters
# is one scan of one index: "has all of these tokens" and "has one of those".
FACETS_SQL = (
    "ARRAY['s:' || {seniority}, 'd:' || {department}, 'i:' || {industry}, 'z:' || {company_size}, "
    "'c:' || {country}, 'ci:' || {city}, CASE WHEN {email} = '' THEN 'e:no' ELSE 'e:yes' END]"
)
FACET_COLUMNS = ["seniority", "department", "industry", "company_size", "country", "city", "email"]
FACET_PREFIXES = {
    "seniority": "s",
    "department": "d",
    "industry": "i",
    "company_size": "z",
    "country": "c",
    "city": "ci",
}
# Every two of these filters also have a token of both values, e.g. "sd:vp:sales" and "dc:sales:US"
# (migrations 0007 and 0008). A GIN scan reads the whole list of every token it asks for: "vp or director,
# sales, US" read 4.9 million entries as single tokens at 10,000,000 prospects, 148 ms before a row was
# read; as one pair and a single, 26 ms (docs/benchmarks.md).
PAIRED_FACETS = ["seniority", "department", "industry", "company_size", "country"]
FACET_PAIRS = list(combinations(PAIRED_FACETS, 2))
# The facets' index (migration 0007): the single tokens, then one token per pair of FACET_PAIRS.
FACETS_AND_PAIRS_SQL = (
    FACETS_SQL.removesuffix("]")
    + ", "
    + ", ".join(
        f"'{FACET_PREFIXES[first]}{FACET_PREFIXES[second]}:' || {{{first}}} || ':' || {{{second}}}"
        for first, second in FACET_PAIRS
    )
    + "]"
)
# Two filters are searched as one pair when that is at most this many tokens ("vp or director" and "sales":
# 2); beyond, one by one.
MAX_PAIR_TOKENS = 16


class _FacetsMatch(Func):
    """``FACETS_AND_PAIRS_SQL @> tokens`` (all of them) or ``… && tokens`` (any of them); with ``words``, on
    ``FACETS_WORDS_SQL`` instead (a search with a keyword: one index for all its conditions)."""

    output_field = BooleanField()

    def __init__(self, operator: str, tokens: Iterable[str], *, words: bool = False) -> None:
        columns = [*FACET_COLUMNS, "keywords"] if words else FACET_COLUMNS
        super().__init__(*(F(column) for column in columns))
        self.operator = operator
        self.tokens = list(tokens)
        self.words = words

    def facets_sql(self, compiler: SQLCompiler) -> tuple[str, list[Any]]:
        columns: dict[str, str] = {}
        params: list[Any] = []
        names = [*FACET_COLUMNS, "keywords"] if self.words else FACET_COLUMNS
        for name, expression in zip(names, self.get_source_expressions(), strict=True):
            columns[name], column_params = compiler.compile(expression)
            params += column_params
        return (FACETS_WORDS_SQL if self.words else FACETS_AND_PAIRS_SQL).format(**columns), params

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = self.facets_sql(compiler)
        return f"{sql} {self.operator} %s::text[]", (*params, self.tokens)


class _KeywordMatch(_FacetsMatch):
    """``FACETS_WORDS_SQL @> (the words of a phrase)``: every word of the phrase, read as the index reads
    keywords (so: the same as ``_TextSearch`` on keywords), in the index of facets and keywords."""

    def __init__(self, phrase: str) -> None:
        super().__init__("@>", [], words=True)
        self.phrase = phrase

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = self.facets_sql(compiler)
        return f"{sql} @> tsvector_to_array({TEXT_SQL.format(column='%s')})", (*params, self.phrase)


# Every word of a keyword or job title, English-stemmed, stop words kept, any run of characters that are
# not letters or digits read as a space (leadfinder migration 0003 indexes exactly this).
TEXT_SQL = "to_tsvector('leadpool_words'::regconfig, regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g'))"
# The facets, their pairs and the words of the keywords, in one array (leadfinder migration 0008 indexes
# exactly this): a search with a keyword and filters is one scan of one GIN index. A word never has a colon;
# a facet always.
FACETS_WORDS_SQL = f"({FACETS_AND_PAIRS_SQL} || tsvector_to_array({TEXT_SQL.format(column='{keywords}')}))"


class _TextSearch(Func):
    """``TEXT_SQL @@ (plainto_tsquery('leadpool_words', phrase) || …)``: every word of at least one phrase,
    stemmed (engineer matches Engineering), written exactly as the GIN indexes of migration 0003 are, so
    that PostgreSQL uses them."""

    output_field = BooleanField()

    def __init__(self, column: str, phrases: Iterable[str]) -> None:
        super().__init__(F(column), *(Value(phrase) for phrase in phrases))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        column, *phrases = self.get_source_expressions()
        column_sql, params = compiler.compile(column)
        queries = []
        for phrase in phrases:
            phrase_sql, phrase_params = compiler.compile(phrase)
            queries.append(f"plainto_tsquery('leadpool_words'::regconfig, {phrase_sql})")
            params = (*params, *phrase_params)
        return f"{TEXT_SQL.format(column=column_sql)} @@ ({' || '.join(queries)})", params


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _all_words(column: str, phrases: Iterable[str]) -> Q:
    """Rows whose ``column`` has every word of at least one phrase, as stemmed whole words (full text)."""
    worded = [words for words in map(_words, phrases) if words]
    if not worded:
        return Q()
    return Q(_TextSearch(column, [" ".join(words) for words in worded]))


def _facet_tokens(filters: ProspectFilters) -> list[list[str]]:
    """The enumerated filters, city and has_email=false as groups of index tokens: a prospect matches when
    it has a token of every group. Filters go two by two as pair tokens, each filter in one group only (so
    that the planner's estimate stays a product of independent groups); what is left goes alone."""
    values = {name: getattr(filters, name) for name in FACET_PREFIXES if getattr(filters, name)}
    groups = []
    while True:
        fitting = [
            (len(values[first]) * len(values[second]), first, second)
            for first, second in FACET_PAIRS
            if first in values
            and second in values
            and len(values[first]) * len(values[second]) <= MAX_PAIR_TOKENS
        ]
        if not fitting:
            break
        # The most values first: "any of" a filter's values is a union, the longest lists of a search.
        _, first, second = max(fitting, key=lambda pair: pair[0])
        firsts, seconds = values.pop(first), values.pop(second)
        prefix = FACET_PREFIXES[first] + FACET_PREFIXES[second]
        groups.append([f"{prefix}:{one}:{other}" for one in firsts for other in seconds])
    groups += [[f"{FACET_PREFIXES[name]}:{value}" for value in chosen] for name, chosen in values.items()]
    if filters.has_email is False:
        groups.append(["e:no"])
    return groups


def _facets(filters: ProspectFilters, *, words: bool = False) -> Q:
    """The enumerated filters, city and has_email: one scan of the facets' GIN index (with ``words``, of
    the index of facets and keywords). ``has_email=true`` is a condition on the row, not on the index:
    nearly every prospect has an email, and a GIN scan would read all of their list."""
    groups = _facet_tokens(filters)
    all_of = [token for tokens in groups if len(tokens) == 1 for token in tokens]
    condition = Q(_FacetsMatch("@>", all_of, words=words)) if all_of else Q()
    for tokens in groups:
        if len(tokens) > 1:
            condition &= Q(_FacetsMatch("&&", tokens, words=words))
    if filters.has_email:
        condition &= ~Q(email="")
    return condition


def _facet_columns(filters: ProspectFilters) -> Q:
    """The conditions of ``_facets`` on the row's own columns, which no index serves."""
    condition = Q()
    for name in FACET_PREFIXES:
        if values := getattr(filters, name):
            condition &= Q(**{f"{name}__in": values})
    if filters.has_email is not None:
        condition &= ~Q(email="") if filters.has_email else Q(email="")
    return condition


def prospects_search(
    *, workspace: Workspace, filters: ProspectFilters, broad: bool = False
) -> QuerySet[Prospect]:
    """Prospects matching ``filters``, newest first. ``owned`` is not on them: ``mark_owned`` sets it
    on the page shown.

    ``broad``: for a page of a search known to match more than ``EXACT_COUNT_LIMIT`` (its count is not
    exact). Such a page walks the newest prospects by id, checking each row; without a keyword the filters
    are then conditions on the row's columns, a fraction of the cost of building its facet tokens (page 10
    of "vp, sales, US" at 10,000,000 prospects: 73 -> 20 ms, docs/benchmarks.md)."""
    keyword = " ".join(_words(filters.keyword))
    if broad and not keyword:
        prospects = Prospect.objects.filter(_facet_columns(filters))
    else:
        prospects = Prospect.objects.filter(_facets(filters, words=bool(keyword)))
    if keyword:
        prospects = prospects.filter(_KeywordMatch(keyword))
    if filters.job_title:
        prospects = prospects.filter(_all_words("job_title", filters.job_title))
    if filters.email_bounced is not None:
        bounced = Q(email_status=EmailStatus.BOUNCED)
        prospects = prospects.filter(bounced if filters.email_bounced else ~bounced)
    if filters.owned is not None:
        owned = Exists(Ownership.objects.for_workspace(workspace).filter(prospect=OuterRef("pk")))
        prospects = prospects.filter(owned if filters.owned else ~owned)
    return prospects.order_by("-id")


def mark_owned(*, workspace: Workspace, prospects: Iterable[Prospect]) -> list[Prospect]:
    """Sets ``owned`` on each of ``prospects`` (a page of a search) for ``workspace``, in one query, and
    returns them. Serializers mask by it; a prospect without it cannot be serialized."""
    prospects = list(prospects)
    owned = set(
        Ownership.objects.for_workspace(workspace)
        .filter(prospect_id__in=[prospect.pk for prospect in prospects])
        .values_list("prospect_id", flat=True)
    )
    for prospect in prospects:
        prospect.owned = prospect.pk in owned
    return prospects


@contextmanager
def search_memory(prospects: QuerySet[Prospect]) -> Iterator[None]:
    """A transaction on the database that ``prospects`` (a search) reads, with ``SEARCH_WORK_MEM`` for its
    queries: run its count and its page inside. SET LOCAL ends with the transaction (so it is safe behind
    a transaction-pooling PgBouncer)."""
    alias = prospects.db
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = %s", [SEARCH_WORK_MEM])
        yield


def _estimate(rows: QuerySet[Any]) -> int:
    """How many rows PostgreSQL's planner expects ``rows`` to have (EXPLAIN: no scan)."""
    plan = json.loads(rows.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def prospects_count(prospects: QuerySet[Prospect]) -> tuple[int, bool]:
    """``(count, is_exact)``: exact up to ``EXACT_COUNT_LIMIT``; beyond, PostgreSQL's planner estimate
    (at least the limit + 1), which costs no scan. See ``prospects_counted``."""
    count, is_exact, _ = prospects_counted(prospects)
    return count, is_exact


def prospects_counted(prospects: QuerySet[Prospect]) -> tuple[int, bool, list[int] | None]:
    """``(count, is_exact, ids)``: as ``prospects_count``, and the ids of every match when the count is
    exact (None otherwise), so that a page of a small search is read by id (``prospects_among``) rather
    than searched again.

    A search the planner expects to match more than ``COUNT_ESTIMATE_ONLY_ABOVE`` is not counted at all:
    even counting to the limit reads thousands of rows scattered over the table (100-400 ms at
    10,000,000 prospects, docs/benchmarks.md)."""
    if prospects.query.is_empty():  # .none(): PostgreSQL is not asked, not even to EXPLAIN
        return 0, True, []
    rows = prospects.order_by().values_list("pk", flat=True)
    estimate = _estimate(rows)
    if estimate > COUNT_ESTIMATE_ONLY_ABOVE:
        return estimate, False, None
    ids = list(rows[: EXACT_COUNT_LIMIT + 1])
    if len(ids) <= EXACT_COUNT_LIMIT:
        return len(ids), True, ids
    return max(estimate, EXACT_COUNT_LIMIT + 1), False, None


def prospects_among(prospect_ids: Sequence[int]) -> QuerySet[Prospect]:
    """The prospects of ``prospect_ids`` (the matches of a search, from ``prospects_counted``), newest
    first, as ``prospects_search`` orders them."""
    return Prospect.objects.filter(pk__in=prospect_ids).order_by("-id")


def prospects_by_ids(prospect_ids: Iterable[int]) -> list[Prospect]:
    """The prospects of ``prospect_ids``, in that order, each once. Unknown ids are a 400 naming them
    (prospects are global: saying which ids do not exist tells nothing about any workspace)."""
    prospect_ids = list(dict.fromkeys(prospect_ids))
    found = Prospect.objects.in_bulk(prospect_ids)
    unknown = [pk for pk in prospect_ids if pk not in found]
    if unknown:
        shown = ", ".join(str(pk) for pk in unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise DomainError(
            f"{len(unknown):,} of these prospect ids do not exist: {shown}.",
            details={"prospect_ids": [f"No prospect with id {pk}." for pk in unknown[:100]]},
        )
    return [found[pk] for pk in prospect_ids]


def prospects_first_of_search(
    *, workspace: Workspace, filters: ProspectFilters, limit: int
) -> list[Prospect]:
    """The first ``limit`` prospects of a search, in the order the search shows them."""
    return list(prospects_search(workspace=workspace, filters=filters)[:limit])


def active_lead_ids(*, workspace: Workspace, lead_ids: Iterable[int], release_finished: bool) -> set[int]:
    """Which of ``lead_ids`` use an active-lead slot already: a live enrollment (in a campaign not
    archived and, when ``release_finished``, not finished; rule 22)."""
    return set(
        Enrollment.objects.for_workspace(workspace)
        .filter(lead_id__in=lead_ids)
        .live(release_finished=release_finished)
        .values_list("lead_id", flat=True)
    )


def has_usable_email(prospect: Prospect) -> bool:
    """Whether a take could give this prospect's email: it has one, not known to bounce (rule 24)."""
    return bool(prospect.email) and prospect.email_status != EmailStatus.BOUNCED


@dataclass
class DownloadPlan:
    """What a download takes of the requested prospects, and what that costs (rules 7-9)."""

    requested: int
    skipped_no_email: int
    taken: list  # prospects taken, in request order
    owned: dict  # prospect id -> its ownership's contact id (None: that contact was deleted)
    lead_of: dict  # prospect id -> its ownership's contact id, None if not owned or that contact is gone
    credits_needed: int  # credits to take every prospect that fits the slots (all of them without a campaign)
    credits_balance: int
    slots_available: int | None  # None: not for a campaign
    slots_needed: int  # slots the taken prospects use
    # On the workspace's suppression list (rule 20): neither taken nor charged. See ``download_plan``.
    skipped_suppressed: int = 0

    @property
    def charged(self) -> int:
        return sum(1 for prospect in self.taken if prospect.pk not in self.owned)

    @property
    def already_owned(self) -> int:
        return len(self.taken) - self.charged

    @property
    def not_added_over_limit(self) -> int:
        return self.requested - self.skipped_no_email - self.skipped_suppressed - len(self.taken)

    @property
    def short_of_credits(self) -> bool:
        return self.credits_needed > self.credits_balance


def _fitting(
    candidates: Sequence[Prospect],
    *,
    needs_credit: Set[int],
    needs_slot: Set[int],
    credits: float | None,
    slots: float | None,
) -> list[Prospect]:
    """The largest set of ``candidates`` that ``credits`` and ``slots`` (None: no limit) pay for.

    Free ones first, then those that need one of the two, then those that need both: taking one that
    needs both before one that needs either would take fewer. Within each group, request order.
    """
    credits = math.inf if credits is None else credits
    slots = math.inf if slots is None else slots
    chosen = set()
    for wants_credit, wants_slot in ((False, False), (True, False), (False, True), (True, True)):
        for prospect in candidates:
            if (prospect.pk in needs_credit, prospect.pk in needs_slot) != (wants_credit, wants_slot):
                continue
            if wants_credit > credits or wants_slot > slots:
                break
            chosen.add(prospect.pk)
            credits -= wants_credit
            slots -= wants_slot
    return [prospect for prospect in candidates if prospect.pk in chosen]


def download_plan(
    *,
    workspace: Workspace,
    prospects: Sequence[Prospect],
    campaign: Campaign | None = None,
    credits_balance: int,
    slots_available: int | None,
    allow_partial: bool,
    paying: bool = False,
    release_finished: bool | None = None,
) -> DownloadPlan:
    """Decides which of ``prospects`` a download takes.

    A prospect without an email, or whose email is known to bounce (rule 24), is skipped (never charged,
    not taken, counted in ``skipped_no_email``) for every workspace, owner or not. The rest needs a
    credit unless the workspace owns it (rule 7) and, for a campaign, a slot unless its contact is active
    already. Taken are all that fit the slots (rule 8) when the balance pays for them; if it does not,
    ``allow_partial`` takes what both pay for, and the caller refuses otherwise (rule 9). The service
    calls this under the quota lock; the dashboard's cost preview calls it without, as an estimate.

    A prospect the workspace does not own is never matched to a contact by its hidden email here: which
    slots and credits it needs, and so whether a take is refused, would tell for free whether a guessed
    email is a masked prospect's. It counts a slot; the take links it to such a contact once paid for.

    Suppressed prospects (rule 20) are skipped, never charged, needing no slot, as far as the workspace
    can see them: by the domain (shown in the masked email), and, for one it owns, by the address. An
    unowned prospect whose hidden address is suppressed counts as any other while the take is decided (so
    that nothing a free answer says depends on it: not the preview, not a refusal), and only a take that
    goes ahead (``paying``, the service under the lock) then leaves it out, uncharged.

    ``release_finished``: the workspace's ``release_finished_leads`` (rule 22) from the quota row the
    service locked; the preview leaves it out and it is read. A contact live in a campaign, or in this
    campaign at all (a finished sequence is not enrolled twice), needs no slot.
    """
    with_email = [prospect for prospect in prospects if has_usable_email(prospect)]
    ids = [prospect.pk for prospect in with_email]
    owned = dict(
        Ownership.objects.for_workspace(workspace)
        .filter(prospect_id__in=ids)
        .values_list("prospect_id", "lead_id")
    )
    by_address, by_domain = suppression_matches(workspace=workspace, emails=[p.email for p in with_email])
    shown_suppressed = {
        prospect.pk
        for prospect in with_email
        if prospect.email in by_domain or (prospect.pk in owned and prospect.email in by_address)
    }
    hidden_suppressed = {
        prospect.pk
        for prospect in with_email
        if prospect.email in by_address and prospect.pk not in shown_suppressed
    }
    candidates = [prospect for prospect in with_email if prospect.pk not in shown_suppressed]
    lead_of = {prospect.pk: owned.get(prospect.pk) for prospect in candidates}
    needs_credit = {prospect.pk for prospect in candidates if prospect.pk not in owned}
    needs_slot = set()
    if campaign is not None:
        if release_finished is None:
            release_finished = release_finished_leads_of(workspace=workspace)
        contacts = [pk for pk in lead_of.values() if pk]
        active = active_lead_ids(workspace=workspace, lead_ids=contacts, release_finished=release_finished)
        active |= set(
            Enrollment.objects.for_workspace(workspace)
            .filter(campaign=campaign, lead_id__in=contacts)
            .values_list("lead_id", flat=True)
        )
        needs_slot = {pk for pk in lead_of if lead_of[pk] not in active}

    taken = _fitting(
        candidates, needs_credit=needs_credit, needs_slot=needs_slot, credits=None, slots=slots_available
    )
    credits_needed = sum(1 for prospect in taken if prospect.pk in needs_credit)
    if credits_needed > credits_balance and allow_partial:
        taken = _fitting(
            candidates,
            needs_credit=needs_credit,
            needs_slot=needs_slot,
            credits=credits_balance,
            slots=slots_available,
        )
    skipped_suppressed = len(shown_suppressed)
    if paying and hidden_suppressed:
        skipped_suppressed += sum(1 for prospect in taken if prospect.pk in hidden_suppressed)
        taken = [prospect for prospect in taken if prospect.pk not in hidden_suppressed]
    return DownloadPlan(
        requested=len(prospects),
        skipped_no_email=len(prospects) - len(with_email),
        taken=taken,
        owned=owned,
        lead_of=lead_of,
        credits_needed=credits_needed,
        credits_balance=credits_balance,
        slots_available=slots_available,
        slots_needed=sum(1 for prospect in taken if prospect.pk in needs_slot),
        skipped_suppressed=skipped_suppressed,
    )


def downloads_for_workspace(*, workspace: Workspace) -> TenantQuerySet[Download]:
    return Download.objects.for_workspace(workspace).select_related("campaign").order_by("-id")


def masked_email(email: str) -> str:
    """``jane@acme.com`` → ``j•••@acme.com``: enough to see that there is an address, and where."""
    if not email:
        return ""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}•••@{domain}"

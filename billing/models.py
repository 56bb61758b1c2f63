"""Plans, subscriptions, the per-workspace quota row, lead-credit grants and the append-only ledger.

Fields and constraints only: every write goes through ``billing.services`` (DESIGN.md, "two doors").
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import TenantManager, TenantModel, TenantQuerySet


class Plan(models.Model):
    """A subscription plan; plans are data, edited in the admin."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    active_leads_limit = models.PositiveIntegerField()
    monthly_lead_credits = models.PositiveIntegerField()
    price_cents = models.PositiveIntegerField(help_text="Price of one monthly period, in US cents.")

    class Meta:
        ordering = ["price_cents", "code"]

    def __str__(self):
        return self.name

    def is_downgrade_from(self, other):
        """A plan that costs less is a downgrade: it waits for the end of the period that was paid for."""
        return self.price_cents < other.price_cents


class CreditPack(models.Model):
    """A one-off purchase of lead credits that never expire."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    credits = models.PositiveIntegerField()
    price_cents = models.PositiveIntegerField()

    class Meta:
        ordering = ["credits", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0), name="credit_pack_credits_positive")
        ]

    def __str__(self):
        return self.name


class AddOn(models.Model):
    """A recurring extra on a subscription, e.g. +25,000 active-lead slots, offered on some plans only."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    active_leads = models.PositiveIntegerField(help_text="Slots each unit adds to the active-leads limit.")
    price_cents = models.PositiveIntegerField(help_text="Price of one unit for one monthly period.")
    plans = models.ManyToManyField(Plan, related_name="addons", help_text="Plans that may take it.")

    # Not columns: billing.selectors.addons_for_workspace sets them for one workspace.
    quantity: int
    available_on_plan: bool

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name


class Subscription(TenantModel):
    """A workspace's plan and its current monthly period."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField(db_index=True)
    # Periods end on this day of the month (or the month's last day): Jan 31 → Feb 28 → Mar 31.
    anchor_day = models.PositiveSmallIntegerField()
    scheduled_plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A downgrade that takes effect when the current period ends.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")),
                name="subscription_period_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(anchor_day__gte=1, anchor_day__lte=31), name="subscription_anchor_day_in_month"
            ),
        ]

    def __str__(self):
        return f"{self.workspace} on {self.plan}"


class SubscriptionAddOn(TenantModel):
    """How many units of an add-on a workspace has; recurring with its subscription."""

    addon = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "addon"], name="subscription_addon_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="subscription_addon_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.addon} for {self.workspace}"


class Quota(TenantModel):
    """The workspace's lock row (rule 12) and its active-leads counters, so that reads never count."""

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    active_leads_limit = models.PositiveIntegerField(help_text="Plan limit plus active add-ons.")
    active_leads_used = models.PositiveIntegerField(default=0)
    # Rule 22: a finished enrollment (completed, replied, bounced, unsubscribed) takes no slot. A workspace
    # setting kept on the lock row, so that whoever holds the lock reads it as it is; switching it recounts
    # ``active_leads_used`` under that lock (billing.services).
    release_finished_leads = models.BooleanField(default=True, db_default=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not columns: billing.services.quota_lock sets them on the row it locked, until the transaction ends.
    locked_as_of: datetime | None = None
    period_renewed: bool

    class Meta:
        constraints = [
            # No used <= limit here: a downgrade may leave a workspace above its limit (rule 4).
            models.CheckConstraint(
                condition=Q(active_leads_used__gte=0), name="quota_active_leads_used_gte_0"
            ),
        ]

    def __str__(self):
        return f"Quota of {self.workspace}"

    @property
    def active_leads_available(self):
        return max(0, self.active_leads_limit - self.active_leads_used)


class Payment(TenantModel):
    """Money received through a payment provider (billing.payments) for a plan, add-on or credit pack."""

    class Purpose(models.TextChoices):
        PLAN = "plan", "Plan period"
        ADDON = "addon", "Add-on"
        CREDIT_PACK = "credit_pack", "Credit pack"

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    amount_cents = models.PositiveIntegerField()
    description = models.CharField(max_length=255)
    provider = models.CharField(max_length=40)
    provider_reference = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"], name="payment_unique_provider_reference"
            )
        ]

    def __str__(self):
        return f"{self.description} ({self.amount_cents / 100:.2f} USD, {self.provider})"


class CreditGrant(TenantModel):
    """Lead credits from one source; debits draw the grant that expires soonest first (rule 5)."""

    class Source(models.TextChoices):
        MONTHLY = "monthly", "Monthly plan grant"
        PACK = "pack", "Purchased pack"
        ADJUSTMENT = "adjustment", "Admin adjustment"

    source = models.CharField(max_length=20, choices=Source.choices)
    amount = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    description = models.CharField(max_length=255)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "expires_at"], name="credit_grant_ws_expiry")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_grant_amount_positive"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="credit_grant_remaining_gte_0"),
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("amount")), name="credit_grant_remaining_lte_amount"
            ),
        ]

    def __str__(self):
        return f"{self.description}: {self.remaining}/{self.amount}"


class LedgerIsAppendOnly(RuntimeError):
    pass


class AppendOnlyQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise LedgerIsAppendOnly(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise LedgerIsAppendOnly(f"{self.model.__name__} rows are never deleted.")


class AppendOnlyManager(TenantManager):
    _queryset_class = AppendOnlyQuerySet


class AppendOnlyModel(TenantModel):
    """A row written once: saving it again or deleting it raises (PostgreSQL also has a trigger)."""

    all_workspaces = AppendOnlyQuerySet.as_manager()
    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerIsAppendOnly(f"{type(self).__name__} rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly(f"{type(self).__name__} rows are never deleted.")


class LedgerEntry(AppendOnlyModel):
    """One movement of lead credits (rule 6). The running sum of ``amount`` is the balance."""

    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        DEBIT = "debit", "Debit"
        REFUND = "refund", "Refund"
        EXPIRY = "expiry", "Expiry"
        ADJUSTMENT = "adjustment", "Adjustment"

    # PROTECT: a workspace or a user with credit history is kept (deactivated), never erased with it.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.IntegerField(help_text="Signed: credits in are positive, credits out negative.")
    balance_after = models.IntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=255, help_text="What caused it, for a person.")
    reference = models.CharField(
        max_length=255, blank=True, help_text="What it belongs to: a payment, a download, a period…"
    )
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["workspace", "-id"], name="ledger_entry_ws_newest"),
            # A member's spending in a period (member credit caps).
            models.Index(fields=["workspace", "actor", "created_at"], name="ledger_entry_ws_actor_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_entry_balance_after_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["debit", "expiry"], amount__lt=0)
                | Q(kind__in=["grant", "refund", "adjustment"], amount__gt=0),
                name="ledger_entry_amount_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="refund", refund_of__isnull=False)
                | Q(~Q(kind="refund"), refund_of__isnull=True),
                name="ledger_entry_refund_names_its_debit",
            ),
            models.UniqueConstraint(
                fields=["workspace", "kind", "reference"],
                condition=~Q(reference=""),
                name="ledger_entry_unique_reference_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount:+d} → {self.balance_after}"


class CreditMovement(AppendOnlyModel):
    """How one ledger entry changed one grant's ``remaining``: a debit's draws, a refund's restores.

    For every grant, ``remaining == sum(movements)``; for every entry, ``amount == sum(movements)``.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="movements")
    grant = models.ForeignKey(CreditGrant, on_delete=models.PROTECT, related_name="movements")
    amount = models.IntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_movement_amount_nonzero"),
            models.UniqueConstraint(fields=["entry", "grant"], name="credit_movement_unique_entry_grant"),
        ]

    def __str__(self):
        return f"{self.amount:+d} on grant {self.grant_id}"


class MemberCreditCap(TenantModel):
    """How many lead credits one member may spend in each billing period (the subscription's current
    one); set by an owner. Owners are never capped. ``billing.services`` checks it under the quota lock."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="credit_cap"
    )
    cap = models.PositiveIntegerField(help_text="Credits the member may spend per period (0: none).")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(cap__gte=0), name="member_credit_cap_gte_0")]

    def __str__(self):
        return f"{self.cap} credits per period for {self.membership}"

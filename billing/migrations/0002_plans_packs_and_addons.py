"""The plans, credit packs and add-on of issue 3, and a trial subscription for workspaces made before billing."""

import calendar

from django.db import migrations
from django.utils import timezone

PLANS = [
    # code, name, active leads, monthly lead credits, price in cents
    ("trial", "Trial", 250, 100, 0),
    ("growth", "Growth", 1_200, 1_200, 4_900),
    ("hypergrowth", "Hypergrowth", 25_000, 5_000, 19_900),
    ("lightspeed", "Lightspeed", 100_000, 20_000, 59_900),
]
CREDIT_PACKS = [
    ("credits_1000", "1,000 lead credits", 1_000, 4_900),
    ("credits_5000", "5,000 lead credits", 5_000, 19_900),
]
ACTIVE_LEADS_ADDON = ("active_leads_25k", "+25,000 active leads", 25_000, 9_900)
ACTIVE_LEADS_ADDON_PLANS = ["hypergrowth", "lightspeed"]


def _one_month_later(moment):
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _start_trials(apps, trial):
    """Workspaces created before billing existed get what workspace creation now gives them."""
    Workspace = apps.get_model("accounts", "Workspace")
    Quota = apps.get_model("billing", "Quota")
    Subscription = apps.get_model("billing", "Subscription")
    CreditGrant = apps.get_model("billing", "CreditGrant")
    LedgerEntry = apps.get_model("billing", "LedgerEntry")
    CreditMovement = apps.get_model("billing", "CreditMovement")
    now = timezone.now()
    end = _one_month_later(now)
    for workspace in Workspace.objects.exclude(pk__in=Subscription._default_manager.values("workspace")):
        Quota._default_manager.create(workspace=workspace, active_leads_limit=trial.active_leads_limit)
        Subscription._default_manager.create(
            workspace=workspace,
            plan=trial,
            current_period_start=now,
            current_period_end=end,
            anchor_day=now.day,
        )
        description = f"{trial.name} plan credits for {now:%Y-%m-%d} to {end:%Y-%m-%d}"
        grant = CreditGrant._default_manager.create(
            workspace=workspace,
            source="monthly",
            amount=trial.monthly_lead_credits,
            remaining=trial.monthly_lead_credits,
            expires_at=end,
            description=description,
        )
        entry = LedgerEntry._default_manager.create(
            workspace=workspace,
            kind="grant",
            amount=trial.monthly_lead_credits,
            balance_after=trial.monthly_lead_credits,
            description=description,
            reference=f"plan:{trial.code}:{now.isoformat()}",
        )
        CreditMovement._default_manager.create(
            workspace=workspace, entry=entry, grant=grant, amount=trial.monthly_lead_credits
        )


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    CreditPack = apps.get_model("billing", "CreditPack")
    AddOn = apps.get_model("billing", "AddOn")
    for code, name, active_leads_limit, monthly_lead_credits, price_cents in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "active_leads_limit": active_leads_limit,
                "monthly_lead_credits": monthly_lead_credits,
                "price_cents": price_cents,
            },
        )
    for code, name, credits, price_cents in CREDIT_PACKS:
        CreditPack.objects.update_or_create(
            code=code, defaults={"name": name, "credits": credits, "price_cents": price_cents}
        )
    code, name, active_leads, price_cents = ACTIVE_LEADS_ADDON
    addon, _ = AddOn.objects.update_or_create(
        code=code, defaults={"name": name, "active_leads": active_leads, "price_cents": price_cents}
    )
    addon.plans.set(Plan.objects.filter(code__in=ACTIVE_LEADS_ADDON_PLANS))
    _start_trials(apps, Plan.objects.get(code="trial"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("billing", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Demo data of account planning: plans for the best-fitting accounts (edited twice, so their change lists
show who changed what), reviews (one monthly account overdue), hand-offs in each state.

Called by ``load_demo`` after the accounts, tiers, teams and tasks exist. Safe to run twice: a workspace that
already has plans is left alone.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from abs_platform.tenancy.context import tenant_context, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.selectors import assignable_members
from accounts.models import Account, Contact
from plays.models import PlayTemplate

from . import services
from .models import AccountPlan

PLAN = {
    "business_objectives": "Cut the monthly close from ten days to five; one view of revenue across regions.",
    "challenges": "Three ERPs after two acquisitions; a finance team that distrusts the current BI numbers.",
    "research_markets": "Consolidation in the sector; regulators ask for faster reporting.",
    "research_company": "New CFO since spring; IT budget frozen until Q3, then a platform review.",
    "research_contacts": "The CFO sponsors; the head of data decides; procurement joins late.",
    "strategy": "Land in finance with a reporting pilot, expand to the data team once the ERP migration starts.",
    "next_steps": "Executive briefing with the CFO; workshop with the data team.",
}


def load_demo(tenant, *, users: list) -> dict:
    owner, *others = users
    counts = {"plans": 0, "reviews": 0, "hand_offs": 0}
    with tenant_context(tenant, owner), tenant_transaction(tenant):
        if AccountPlan.objects.exists():
            return counts
        top = list(
            Account.objects.filter(is_target=True, tier__rank__in=[1, 2])
            .exclude(fit_score=None)
            .select_related("tier", "owner")
            .order_by("tier__rank", "-fit_score", "id")[:6]
        )
        plays = list(PlayTemplate.objects.filter(kind__in=["acquisition", "expansion"]).order_by("name")[:2])
        for account in top:
            plan = services.plan_create(account=account, owner=account.owner or owner, chosen_plays=plays, **PLAN)
            counts["plans"] += 1
            with tenant_context(tenant, others[0] if others else owner):
                services.plan_update(
                    plan=plan, next_steps=f"{PLAN['next_steps']} Proposal to {account.name} by month end."
                )
        counts["reviews"] = _reviews(top, users)
        counts["hand_offs"] = _hand_offs(top, users)
    return counts


def _reviews(accounts: list[Account], users: list) -> int:
    """Two monthly reviews of the first account, on time; the second account's last review four months ago:
    overdue for a monthly or quarterly tier."""
    if len(accounts) < 2:
        return 0
    doers = list(assignable_members())
    today = workspace_today()
    this_month = today.replace(day=1)
    created = 0
    for account, months_ago, status in [
        (accounts[0], 2, "amber"),
        (accounts[0], 1, "green"),
        (accounts[1], 4, "red"),
    ]:
        start = this_month - relativedelta(months=months_ago)
        end = start + relativedelta(months=1) - timedelta(days=1)
        review = services.review_create(
            account=account,
            period_start=start,
            period_end=end,
            held_on=end + timedelta(days=3),
            status=status,
            progress="Pilot scoped with finance." if status != "red" else "No meeting with the CFO yet.",
            lessons_learned="Bring the data team in before the proposal.",
            attendees=users[:3],
        )
        for title, assignee in [("Send the business case", doers[0]), ("Book the executive briefing", doers[-1])]:
            services.review_action_create(
                review=review, title=title, assignee=assignee, due_on=today + timedelta(days=7)
            )
        created += 1
    return created


def _hand_offs(accounts: list[Account], users: list) -> int:
    """One lead waiting, one accepted into a new opportunity, one rejected."""
    doers = list(assignable_members())
    ae, sdr = users[0], doers[-1]
    created = 0
    for account, decision in zip(accounts[2:5], ["wait", "accept", "reject"], strict=False):
        contacts = list(Contact.objects.filter(account=account).order_by("id")[:2])
        hand_off = services.hand_off_pass(
            account=account,
            from_user=sdr,
            to_user=ae,
            contacts=contacts,
            notes="Budget confirmed for next quarter; the head of data wants a demo.",
        )
        if decision == "accept":
            services.hand_off_accept(hand_off=hand_off, opportunity_name=f"{account.name} — reporting platform")
        elif decision == "reject":
            services.hand_off_reject(hand_off=hand_off, reason="Too early: no project before next year.")
        created += 1
    return created

"""Demo target accounts, and an engagement log over the last ~180 days of every demo account.

``load_demo_accounts`` runs first in every demo workspace (``AccountsConfig.load_demo``);
``load_demo_activities`` after its contacts exist (``PersonasConfig.load_demo``). Each account gets a profile —
rising, falling, steady or silent — so that engagement against its baseline (the 90 days before the last
90) shows varied numbers; touches have outcomes and ads, web visits and e-mails their impressions and clicks,
so the activity and marketing metrics do too. Safe to run twice: a workspace that already has activities is left alone.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.selectors import assignable_members

from .engagement import WINDOW_DAYS
from .models import (
    Account,
    AccountStatus,
    Activity,
    ActivityChannel,
    ActivityDirection,
    ActivityOutcome,
    Contact,
    ContactStatus,
)

# The password of every demo user (printed by `load_demo`; demo workspaces only).
DEMO_PASSWORD = "abs-demo-2026"  # noqa: S105

# profile → (share of accounts in %, activities in the baseline and in the current window per unit of level)
PROFILES = {
    "rising": (30, 0.4, 1.6),
    "falling": (25, 1.5, 0.35),
    "steady": (25, 1.0, 1.0),
    "silent": (20, 0.0, 0.0),
}
LEVELS = [2, 3, 5, 8, 12, 18]  # activities per 90 days of a steady account

PREFIXES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Aperture",
    "Massive",
    "Pied Piper",
    "Dunder",
    "Gringotts",
    "Oscorp",
    "Nakatomi",
    "Monarch",
    "Blue Sun",
    "Virtucon",
    "Gekko",
    "Sterling",
    "Bluth",
    "Prestige",
    "Zorg",
    "Nordic",
    "Helios",
    "Kestrel",
]
SUFFIXES = ["Systems", "Health", "Logistics", "Bank", "Energy", "Labs", "Retail", "Insurance", "Manufacturing", "Media"]
INDUSTRIES = {
    "Systems": "Software",
    "Labs": "Biotechnology",
    "Health": "Healthcare",
    "Logistics": "Logistics",
    "Bank": "Financial services",
    "Insurance": "Insurance",
    "Energy": "Energy",
    "Retail": "Retail",
    "Manufacturing": "Manufacturing",
    "Media": "Media",
}
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "NL", "SE", "CA", "AU", "JP", "SG", "BR", "ES", "CH"]

OUTBOUND_CHANNELS = {
    ActivityChannel.EMAIL: 45,
    ActivityChannel.PHONE: 22,
    ActivityChannel.SOCIAL: 14,
    ActivityChannel.DIRECT_MAIL: 5,
    ActivityChannel.ADVERTISING: 8,
    ActivityChannel.EVENT: 6,
}
INBOUND_CHANNELS = {
    ActivityChannel.EMAIL: 34,
    ActivityChannel.MEETING: 18,
    ActivityChannel.WEB_VISIT: 26,
    ActivityChannel.EVENT: 10,
    ActivityChannel.PHONE: 8,
    ActivityChannel.SOCIAL: 4,
}
SUBJECTS = {
    (ActivityDirection.OUTBOUND, ActivityChannel.EMAIL): [
        "Intro e-mail: pipeline visibility",
        "Follow-up with the ROI calculator",
        "Shared the customer story from their industry",
        "Invitation to the account workshop",
    ],
    (ActivityDirection.OUTBOUND, ActivityChannel.PHONE): [
        "Cold call: left a voicemail",
        "Call about their CRM clean-up",
        "Check-in call after the demo",
    ],
    (ActivityDirection.OUTBOUND, ActivityChannel.SOCIAL): [
        "LinkedIn connection request",
        "Commented on their post about growth",
    ],
    (ActivityDirection.OUTBOUND, ActivityChannel.DIRECT_MAIL): ["Sent the printed benchmark report"],
    (ActivityDirection.OUTBOUND, ActivityChannel.ADVERTISING): ["Account-targeted ad campaign ran"],
    (ActivityDirection.OUTBOUND, ActivityChannel.EVENT): ["Invited to the revenue leaders dinner"],
    (ActivityDirection.INBOUND, ActivityChannel.EMAIL): [
        "Replied: interested, asks for pricing",
        "Replied: not this quarter",
        "Forwarded our e-mail to the CFO",
    ],
    (ActivityDirection.INBOUND, ActivityChannel.MEETING): [
        "Discovery meeting",
        "Demo for the operations team",
        "Business case review",
    ],
    (ActivityDirection.INBOUND, ActivityChannel.WEB_VISIT): [
        "Visited the pricing page",
        "Read three case studies",
        "Downloaded the integration guide",
    ],
    (ActivityDirection.INBOUND, ActivityChannel.EVENT): ["Attended our webinar", "Visited our booth"],
    (ActivityDirection.INBOUND, ActivityChannel.PHONE): ["Called back about the proposal"],
    (ActivityDirection.INBOUND, ActivityChannel.SOCIAL): ["Accepted the LinkedIn request and replied"],
}
# Channels on which the other side is usually a known person.
PERSONAL_CHANNELS = {
    ActivityChannel.EMAIL,
    ActivityChannel.PHONE,
    ActivityChannel.MEETING,
    ActivityChannel.SOCIAL,
    ActivityChannel.EVENT,
    ActivityChannel.DIRECT_MAIL,
}


def _count(rng: random.Random, mean: float) -> int:
    """A whole number of activities around ``mean`` (±30 %)."""
    return max(0, round(mean * rng.uniform(0.7, 1.3))) if mean else 0


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# What came of an activity, by direction and channel (weights; "" is unknown). Others have no outcome.
OUTCOMES = {
    (ActivityDirection.OUTBOUND, ActivityChannel.PHONE): {
        ActivityOutcome.NO_ANSWER: 55,
        ActivityOutcome.CONNECTED: 30,
        ActivityOutcome.MEETING_BOOKED: 8,
        ActivityOutcome.NOT_INTERESTED: 7,
    },
    (ActivityDirection.OUTBOUND, ActivityChannel.EMAIL): {
        "": 50,
        ActivityOutcome.NO_ANSWER: 20,
        ActivityOutcome.REPLIED: 22,
        ActivityOutcome.MEETING_BOOKED: 4,
        ActivityOutcome.BOUNCED: 2,
        ActivityOutcome.UNSUBSCRIBED: 2,
    },
    (ActivityDirection.OUTBOUND, ActivityChannel.SOCIAL): {"": 70, ActivityOutcome.REPLIED: 30},
    (ActivityDirection.INBOUND, ActivityChannel.EMAIL): {ActivityOutcome.REPLIED: 1},
    (ActivityDirection.INBOUND, ActivityChannel.PHONE): {ActivityOutcome.CONNECTED: 1},
}


def add_outcomes_and_figures(activities: list[Activity], rng: random.Random) -> None:
    """Outcomes, and the campaign figures of ads (thousands of impressions, ~0.2–3 % clicked), web visits (pages
    seen and clicked) and e-mails (one impression each, a fifth clicked), drawn from their own ``rng`` so the
    rest of the log stays as it was."""
    for activity in activities:
        weights = OUTCOMES.get((activity.direction, activity.channel))
        if weights:
            activity.outcome = _pick(rng, weights)
        if activity.channel == ActivityChannel.ADVERTISING:
            activity.impressions = rng.randint(800, 6000)
            activity.clicks = round(activity.impressions * rng.uniform(0.002, 0.03))
            activity.conversions = rng.randint(0, min(2, activity.clicks))
        elif activity.channel == ActivityChannel.WEB_VISIT:
            activity.impressions = rng.randint(1, 8)
            activity.clicks = rng.randint(0, activity.impressions)
            activity.conversions = 1 if rng.random() < 0.15 else 0
        elif activity.channel == ActivityChannel.EMAIL and activity.outcome != ActivityOutcome.BOUNCED:
            activity.impressions = 1
            activity.clicks = 1 if rng.random() < 0.2 else 0
            activity.conversions = 1 if activity.clicks and rng.random() < 0.1 else 0


def load_demo_activities(tenant, *, seed: int = 17) -> dict:
    """Create the demo engagement log in ``tenant``; returns counts (zero when it already had activities)."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    counts = {"activities": 0, **dict.fromkeys(PROFILES, 0)}
    with tenant_context(tenant), tenant_transaction(tenant):
        if Activity.objects.exists():
            return counts
        members = list(assignable_members())
        contacts: dict[int, list[Contact]] = {}
        for contact in Contact.objects.filter(status=ContactStatus.ACTIVE).only("id", "account_id"):
            contacts.setdefault(contact.account_id, []).append(contact)
        now = timezone.now()
        activities = []
        # Every run of 20 accounts has the profiles in their exact shares, in a shuffled order.
        cycle = [name for name, (share, _, _) in PROFILES.items() for _ in range(share // 5)]
        rng.shuffle(cycle)
        for index, account in enumerate(Account.objects.only("id", "owner_id").order_by("id")):
            profile = cycle[index % len(cycle)]
            counts[profile] += 1
            _, baseline_factor, current_factor = PROFILES[profile]
            level = rng.choice(LEVELS)
            response_share = rng.uniform(0.2, 0.45)
            for first_day, factor in ((WINDOW_DAYS + 1, baseline_factor), (1, current_factor)):
                for _ in range(_count(rng, level * factor)):
                    direction = (
                        ActivityDirection.INBOUND if rng.random() < response_share else ActivityDirection.OUTBOUND
                    )
                    channel = _pick(
                        rng, INBOUND_CHANNELS if direction == ActivityDirection.INBOUND else OUTBOUND_CHANNELS
                    )
                    people = contacts.get(account.pk, [])
                    contact = (
                        rng.choice(people) if people and channel in PERSONAL_CHANNELS and rng.random() < 0.85 else None
                    )
                    owner_id = account.owner_id if account.owner_id and rng.random() < 0.7 else None
                    if owner_id is None and members and rng.random() < 0.8:
                        owner_id = rng.choice(members).pk
                    # Inside the window whatever the time zone: first_day … first_day + 87 days ago, any time of day.
                    moment = now - timedelta(
                        days=first_day + rng.randint(0, WINDOW_DAYS - 3),
                        hours=rng.randint(0, 9),
                        minutes=rng.randint(0, 59),
                    )
                    activities.append(
                        Activity(
                            tenant=tenant,
                            account=account,
                            contact=contact,
                            channel=channel,
                            direction=direction,
                            occurred_at=moment,
                            subject=rng.choice(SUBJECTS[(direction, channel)]),
                            owner_id=owner_id,
                        )
                    )
        add_outcomes_and_figures(activities, random.Random(seed + 1))  # noqa: S311 (demo data)
        bulk_create_with_history(activities, Activity, batch_size=500)
        counts["activities"] = len(activities)
    return counts


def load_demo_accounts(tenant, *, owners: list, count: int, seed: int) -> int:
    """``count`` target accounts of varied size, place and status (fewer when their domains exist already);
    returns how many were created."""
    rng = random.Random(seed)  # noqa: S311 (repeatable demo data)
    created = 0
    with tenant_context(tenant), tenant_transaction(tenant):
        existing = set(Account.objects.values_list("domain", flat=True))
        for index in range(count):
            prefix = PREFIXES[index % len(PREFIXES)]
            suffix = SUFFIXES[(index // len(PREFIXES) + index) % len(SUFFIXES)]
            domain = f"{prefix}{suffix}".lower().replace(" ", "") + rng.choice([".com", ".io", ".co", ".net"])
            employees = rng.choice([40, 120, 350, 800, 1500, 4000, 12000, 45000])
            # Every row draws its random values, created or not, so a second run draws the same rows again.
            fields = {
                "annual_revenue": Decimal(employees * rng.randint(90, 400) * 1000),
                "country": rng.choice(COUNTRIES),
                "status": rng.choices(list(AccountStatus), weights=[70, 22, 8])[0],
                "owner": rng.choice(owners[:4]) if rng.random() > 0.15 else None,
                "is_target": rng.random() > 0.1,
            }
            if domain in existing:
                continue
            Account.objects.create(
                name=f"{prefix} {suffix}",
                domain=domain,
                website=f"https://www.{domain}",
                industry=INDUSTRIES[suffix],
                employee_count=employees,
                **fields,
            )
            existing.add(domain)
            created += 1
    return created

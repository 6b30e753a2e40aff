"""One account's timeline: everything planned and done at it, newest (and furthest ahead) first.

One query per source (tasks, activities, signals, opportunity stage changes, reviews, hand-offs, play runs),
each cut at the page's size after the cursor, merged in Python (docs/decisions/0028): the cost of a page is a
fixed number of queries whatever the account holds, and every source keeps its own index. Each source answers
the same columns (``EVENT_COLUMNS``); a source without a contact, a channel or a person is left out when the
timeline is filtered by one.
"""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf

from accounts.models import Account, Activity, Opportunity, Signal
from plays.models import PlayRun
from tasks.models import Task, TaskState

from .models import AccountReview, HandOff

EVENT_COLUMNS = (
    "ev_at",
    "ev_id",
    "ev_all_day",
    "ev_title",
    "ev_detail",
    "ev_state",
    "ev_contact",
    "ev_contact_name",
    "ev_channel",
    "ev_user",
    "ev_user_name",
)


@dataclass(frozen=True)
class Filters:
    contact: int | None = None
    channel: str = ""
    user_ids: QuerySet | None = None  # people (e.g. of one team) whose events are shown


@dataclass(frozen=True)
class Source:
    kind: str  # what the event is: "activity", "signal", …
    rank: int  # breaks ties between sources at the same moment (higher first)
    events: Callable[[Account, Filters], QuerySet | None]  # None: nothing of this source passes the filters


def _text(value) -> Value:
    return Value(value, output_field=CharField())


def _day(field: str):
    return Cast(field, DateTimeField())


def _person(prefix: str):
    """A user's or contact's name as the pages show it; the username when a user has no name."""
    full = NullIf(
        Concat(F(f"{prefix}__first_name"), _text(" "), F(f"{prefix}__last_name"), output_field=CharField()), _text(" ")
    )
    if prefix == "contact":
        return Coalesce(full, _text(""))
    return Coalesce(full, F(f"{prefix}__username"), _text(""))


def _columns(queryset, **columns) -> QuerySet:
    """The source's rows as the timeline's columns, in ``EVENT_COLUMNS`` order (missing ones empty)."""
    empty = {
        "ev_all_day": Value(False, output_field=BooleanField()),
        "ev_detail": _text(""),
        "ev_state": _text(""),
        "ev_contact": Value(None, output_field=IntegerField()),
        "ev_contact_name": _text(""),
        "ev_channel": _text(""),
        "ev_user": Value(None, output_field=IntegerField()),
        "ev_user_name": _text(""),
    }
    annotations = {name: columns.get(name, empty.get(name)) for name in EVENT_COLUMNS}
    return queryset.order_by().annotate(**annotations).values(*EVENT_COLUMNS)


def _filtered(queryset, filters: Filters, *, contact: str | None, channel: str | None, user: str | None):
    """``queryset`` narrowed by the filters, or None when the source cannot match one of them."""
    if filters.contact is not None:
        if contact is None:
            return None
        queryset = queryset.filter(**{contact: filters.contact})
    if filters.channel:
        if channel is None:
            return None
        queryset = queryset.filter(**{channel: filters.channel})
    if filters.user_ids is not None:
        if user is None:
            return None
        queryset = queryset.filter(**{f"{user}__in": filters.user_ids})
    return queryset


def activity_events(account, filters):
    queryset = _filtered(
        Activity.objects.filter(account=account), filters, contact="contact_id", channel="channel", user="owner_id"
    )
    if queryset is None:
        return None
    return _columns(
        queryset,
        ev_at=F("occurred_at"),
        ev_id=F("id"),
        ev_title=F("subject"),
        ev_detail=F("notes"),
        ev_state=F("direction"),
        ev_contact=F("contact_id"),
        ev_contact_name=_person("contact"),
        ev_channel=F("channel"),
        ev_user=F("owner_id"),
        ev_user_name=_person("owner"),
    )


def task_events(account, filters):
    """Tasks to come at their due day; done ones when they were completed."""
    queryset = _filtered(
        Task.objects.filter(account=account), filters, contact="contact_id", channel="channel", user="assignee_id"
    )
    if queryset is None:
        return None
    done = Q(state=TaskState.DONE, completed_at__isnull=False)
    return _columns(
        queryset,
        ev_at=Case(When(done, then=F("completed_at")), default=_day("due_on")),
        ev_id=F("id"),
        ev_all_day=Case(When(done, then=Value(False)), default=Value(True), output_field=BooleanField()),
        ev_title=F("title"),
        ev_detail=F("source"),
        ev_state=F("state"),
        ev_contact=F("contact_id"),
        ev_contact_name=_person("contact"),
        ev_channel=F("channel"),
        ev_user=F("assignee_id"),
        ev_user_name=_person("assignee"),
    )


def signal_events(account, filters):
    queryset = _filtered(Signal.objects.filter(account=account), filters, contact="contact_id", channel=None, user=None)
    if queryset is None:
        return None
    return _columns(
        queryset,
        ev_at=_day("occurred_on"),
        ev_id=F("id"),
        ev_all_day=Value(True, output_field=BooleanField()),
        ev_title=F("title"),
        ev_detail=F("notes"),
        ev_state=F("signal_type"),
        ev_contact=F("contact_id"),
        ev_contact_name=_person("contact"),
    )


def stage_events(account, filters):
    """An opportunity's creation and every change of its stage, from its history records."""
    history = Opportunity.history.filter(account_id=account.pk)
    earlier_stage = Subquery(
        Opportunity.history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
        .order_by("-history_date", "-history_id")
        .values("stage")[:1]
    )
    history = history.exclude(history_type="-").annotate(earlier_stage=earlier_stage)
    history = history.filter(Q(earlier_stage__isnull=True) | ~Q(stage=F("earlier_stage")))
    queryset = _filtered(history, filters, contact=None, channel=None, user="history_user_id")
    if queryset is None:
        return None
    return _columns(
        queryset,
        ev_at=F("history_date"),
        ev_id=F("history_id"),
        ev_title=F("name"),
        ev_detail=Coalesce(F("earlier_stage"), _text("")),
        ev_state=F("stage"),
        ev_user=F("history_user_id"),
        ev_user_name=_person("history_user"),
    )


def review_events(account, filters):
    queryset = _filtered(
        AccountReview.objects.filter(account=account), filters, contact=None, channel=None, user="created_by_id"
    )
    if queryset is None:
        return None
    return _columns(
        queryset,
        ev_at=_day("held_on"),
        ev_id=F("id"),
        ev_all_day=Value(True, output_field=BooleanField()),
        ev_title=Concat(Cast("period_start", CharField()), _text(" – "), Cast("period_end", CharField())),
        ev_detail=F("progress"),
        ev_state=F("status"),
        ev_user=F("created_by_id"),
        ev_user_name=_person("created_by"),
    )


def hand_off_events(account, filters):
    queryset = _filtered(
        HandOff.objects.filter(account=account), filters, contact="contacts", channel=None, user="from_user_id"
    )
    if queryset is None:
        return None
    return _columns(
        queryset.distinct() if filters.contact is not None else queryset,
        ev_at=F("passed_at"),
        ev_id=F("id"),
        ev_title=_person("to_user"),
        ev_detail=F("notes"),
        ev_state=F("state"),
        ev_user=F("from_user_id"),
        ev_user_name=_person("from_user"),
    )


def play_run_events(account, filters):
    queryset = _filtered(
        PlayRun.objects.filter(account=account), filters, contact=None, channel=None, user="created_by_id"
    )
    if queryset is None:
        return None
    return _columns(
        queryset,
        ev_at=F("started_at"),
        ev_id=F("id"),
        ev_title=F("template__name"),
        ev_state=F("state"),
        ev_user=F("created_by_id"),
        ev_user_name=_person("created_by"),
    )


SOURCES = [
    Source("task", 7, task_events),
    Source("activity", 6, activity_events),
    Source("signal", 5, signal_events),
    Source("stage", 4, stage_events),
    Source("review", 3, review_events),
    Source("hand_off", 2, hand_off_events),
    Source("play_run", 1, play_run_events),
]


@dataclass(frozen=True)
class Cursor:
    """A place in the timeline: the event (``at``, ``rank``, ``id``) a page starts after (``reverse``: the page
    ends before it, for the newer events), and ``offset``, how many events come before the page (for "26–50")."""

    at: datetime
    rank: int
    id: int
    reverse: bool = False
    offset: int = 0

    def encode(self) -> str:
        text = f"{self.at.isoformat()}|{self.rank}|{self.id}|{int(self.reverse)}|{self.offset}"
        return base64.urlsafe_b64encode(text.encode()).decode()

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Raises ValueError for a cursor this module did not write (links without direction and offset, from
        before they were added, still read)."""
        try:
            at, rank, id_, *rest = base64.urlsafe_b64decode(text.encode()).decode().split("|")
            reverse, offset = rest or ("0", "0")
            cursor = cls(datetime.fromisoformat(at), int(rank), int(id_), reverse == "1", int(offset))
        except (binascii.Error, UnicodeError, ValueError) as error:
            raise ValueError(text) from error
        if cursor.at.tzinfo is None or reverse not in ("0", "1") or cursor.offset < 0:
            raise ValueError(text)
        return cursor


def _after(cursor: Cursor, rank: int) -> Q:
    """The rows of a source of ``rank`` that come after ``cursor`` (newest first; at one moment, higher ranks
    first, then higher ids)."""
    if rank < cursor.rank:
        return Q(ev_at__lte=cursor.at)
    if rank > cursor.rank:
        return Q(ev_at__lt=cursor.at)
    return Q(ev_at__lt=cursor.at) | Q(ev_at=cursor.at, ev_id__lt=cursor.id)


def _before(cursor: Cursor, rank: int) -> Q:
    """The rows of a source of ``rank`` that come before ``cursor`` (newer; its own event excluded)."""
    if rank < cursor.rank:
        return Q(ev_at__gt=cursor.at)
    if rank > cursor.rank:
        return Q(ev_at__gte=cursor.at)
    return Q(ev_at__gt=cursor.at) | Q(ev_at=cursor.at, ev_id__gt=cursor.id)


def _key(event: dict) -> tuple:
    return event["ev_at"], event["rank"], event["ev_id"]


def _place(event: dict, **cursor) -> Cursor:
    return Cursor(event["ev_at"], event["rank"], event["ev_id"], **cursor)


@dataclass(frozen=True)
class Page:
    events: list[dict]
    next: Cursor | None
    previous: Cursor | None = None
    offset: int = 0  # how many events come before this page


def timeline(account: Account, *, filters: Filters = Filters(), size: int = 25, cursor: Cursor | None = None) -> Page:
    """One page of the account's timeline: at most one query per source. After a reverse cursor, the ``size``
    events just before it (the newer page)."""
    reverse = cursor is not None and cursor.reverse
    events = []
    for source in SOURCES:
        rows = source.events(account, filters)
        if rows is None:
            continue
        if cursor is not None:
            rows = rows.filter((_before if reverse else _after)(cursor, source.rank))
        order = ("ev_at", "ev_id") if reverse else ("-ev_at", "-ev_id")
        for row in rows.order_by(*order)[: size + 1]:
            events.append({"kind": source.kind, "rank": source.rank, **row})
    events.sort(key=_key, reverse=not reverse)
    more = len(events) > size
    page = events[:size]
    if reverse:
        page.reverse()
        offset = max(cursor.offset - len(page), 0) if more else 0
        newer, older = more, True
    else:
        offset = cursor.offset if cursor is not None else 0
        newer, older = cursor is not None, more
    if not page:  # the rows around the cursor have gone: a link back the other way
        if cursor is None:
            return Page([], None)
        if reverse:
            return Page([], Cursor(cursor.at, cursor.rank, cursor.id), None)
        return Page([], None, Cursor(cursor.at, cursor.rank, cursor.id, True, offset), offset)
    return Page(
        page,
        _place(page[-1], offset=offset + len(page)) if older else None,
        _place(page[0], reverse=True, offset=offset) if newer else None,
        offset,
    )


def count(account: Account, *, filters: Filters = Filters()) -> int:
    """How many events the account's timeline holds, in one query (a ``UNION ALL`` of the sources' ids, each on
    its own account index): its cost grows with this one account's history, not with the workspace."""
    ids = [rows.values("ev_id") for source in SOURCES if (rows := source.events(account, filters)) is not None]
    return ids[0].union(*ids[1:], all=True).count() if ids else 0

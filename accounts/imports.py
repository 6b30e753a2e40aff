"""CSV import of accounts and contacts: decode, map columns, dry run, then an all-or-nothing commit.

The flow (browser and API call the same functions):

1. ``batch_create(kind=, file=)`` reads the upload (UTF-8 with or without BOM,
   comma or semicolon), checks its size and shape against the ``IMPORT_MAX_*``
   settings (bytes, columns, rows, cell length) in one linear pass and keeps
   the text in an ``ImportBatch`` with an automatic column mapping.
2. ``batch_dry_run(batch=, mapping=)`` plans every row — create / update /
   skip / error, with the field, column and reason of each error — and stores
   the report. Nothing is written but the report.
3. ``batch_commit(batch=)`` plans again against the current data and writes
   every row in one transaction, or nothing: it refuses while any row has an
   error, and anything failing while writing rolls the whole import back.

Matching (de-duplication): accounts by normalized domain (``https://www.Acme.com/``
is ``acme.com``; an account without a domain by its name among accounts without
a domain), contacts by lower-case e-mail (a contact without an e-mail by account
and name). A second row of the file that matches the same record is an **error**
naming the first row: the file has to say which of the two is right.

Accounts may name their ``parent`` (by domain, normalized, else by name, exactly or else in any case;
an account of the workspace or another row of the file, wherever it is) and list
their ``technologies`` (catalogue names separated by ``;``, any case; the list
replaces the account's technologies). A parent that is not found, is the row
itself or would close a cycle, and an unknown technology, are row errors. A row
whose domain is its parent's domain is a subsidiary sharing it: it matches the
account of that name in the hierarchy, else it is new. Parents created by the
file are written before their children.

Empty cells leave the current value alone on update. New rows get
``source="import"``; updated rows keep their source. Writes use
``bulk_create_with_history`` / ``bulk_update_with_history``: two statements per
1,000 rows plus their history, where per-row ``save()`` would cost several
queries per row (about 30,000 for the 10,000-row benchmark); every row is
validated with the model's own field validation before. An account import that
wrote anything queues one bulk fit-score recomputation (``icp``) after its commit.
"""

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_countries import countries
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from abs_platform.jobs.models import Job, JobStatus
from abs_platform.jobs.services import job_create, job_fail
from abs_platform.tenancy.context import get_current_tenant, get_current_user, workspace_today, workspace_zone
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership, Role, role_at_least
from abs_platform.web import booleans

from . import events, services
from .domains import normalize_domain
from .models import (
    Account,
    AccountStatus,
    AccountTechnology,
    Activity,
    ActivityChannel,
    ActivityDirection,
    ActivityOutcome,
    BuyingRole,
    CompanyType,
    Contact,
    ContactStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
    RelationshipStrength,
    Seniority,
    Technology,
)

IMPORT_SYNC_LIMIT = 500  # files with more rows run as a Celery job
RUNNING_STATES = (ImportStatus.VALIDATING, ImportStatus.COMMITTING)
PREVIEW_ROWS = 20  # rows per outcome shown on the page
API_ROWS_INLINE = 1_000  # reports up to this size carry every row in the API's batch body
WRITE_BATCH_SIZE = 1_000
PROGRESS_EVERY = 500
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
OUTCOMES = ("create", "update", "skip", "error")


class ImportFileError(ValueError):
    """The file cannot be imported at all (encoding, shape, size); nothing is written."""


class ImportMappingError(ValueError):
    """The column mapping is unusable (unknown column or field, a field twice, a required field missing)."""


class ImportCommitError(RuntimeError):
    """The commit wrote nothing: rows with errors, a wrong state, or a failure while writing."""


# --- fields -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    parser: str
    aliases: tuple[str, ...] = ()
    choices: tuple = ()


def normalize_header(value: str) -> str:
    """``" E-Mail "`` → ``"email"``: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", (value or "").casefold())


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(normalize_header(name) for name in names)


ACCOUNT_FIELDS = (
    FieldSpec(
        "name",
        "Name",
        "text",
        _aliases("name", "company", "company name", "account", "account name", "organization", "organisation"),
    ),
    FieldSpec(
        "domain",
        "Domain",
        "domain",
        _aliases("domain", "website", "web site", "company domain", "account domain", "url"),
    ),
    FieldSpec("website", "Website URL", "text", _aliases("website url", "homepage", "web address")),
    FieldSpec("industry", "Industry", "text", _aliases("industry", "sector", "vertical")),
    FieldSpec(
        "employee_count",
        "Employees",
        "int",
        _aliases("employees", "employee count", "number of employees", "headcount"),
    ),
    FieldSpec("annual_revenue", "Annual revenue", "decimal", _aliases("annual revenue", "revenue")),
    FieldSpec("country", "Country", "country", _aliases("country", "country code")),
    FieldSpec("status", "Status", "choice", _aliases("status", "account status"), tuple(AccountStatus.choices)),
    FieldSpec("owner", "Owner", "owner", _aliases("owner", "owner email", "account owner")),
    FieldSpec("is_target", "Target account", "bool", _aliases("target account", "target", "is target")),
    FieldSpec(
        "company_type",
        "Company type",
        "choice",
        _aliases("company type", "type", "ownership"),
        tuple(CompanyType.choices),
    ),
    FieldSpec("growth_rate", "Growth rate (%)", "decimal", _aliases("growth rate", "growth")),
    FieldSpec("headquarters", "Headquarters", "text", _aliases("headquarters", "hq", "city", "location")),
    FieldSpec("office_count", "Offices", "int", _aliases("offices", "office count", "number of offices")),
    FieldSpec(
        "last_verified_on", "Last verified on", "date", _aliases("last verified on", "last verified", "verified on")
    ),
    FieldSpec(
        "parent",
        "Parent",
        "parent",
        _aliases("parent", "parent domain", "parent account", "parent company", "parent name", "parent account name"),
    ),
    FieldSpec(
        "technologies",
        "Technologies",
        "technologies",
        _aliases("technologies", "technology", "tech stack", "technographics"),
    ),
    FieldSpec("tier", "Tier", "tier", _aliases("tier", "account tier", "tier name")),
)

CONTACT_FIELDS = (
    FieldSpec("first_name", "First name", "text", _aliases("first name", "firstname", "given name", "first")),
    FieldSpec("last_name", "Last name", "text", _aliases("last name", "surname", "family name", "last")),
    FieldSpec(
        "email", "E-mail", "email", _aliases("email", "e-mail", "email address", "e-mail address", "work email", "mail")
    ),
    FieldSpec(
        "account_domain",
        "Account domain",
        "account",
        _aliases("account domain", "company domain", "domain", "website", "company website"),
    ),
    FieldSpec("title", "Title", "text", _aliases("title", "job title", "position")),
    FieldSpec("department", "Department", "text", _aliases("department", "dept")),
    FieldSpec("seniority", "Seniority", "choice", _aliases("seniority", "level"), tuple(Seniority.choices)),
    FieldSpec("phone", "Phone", "text", _aliases("phone", "phone number", "telephone", "mobile")),
    FieldSpec("linkedin_url", "LinkedIn URL", "text", _aliases("linkedin url", "linkedin", "linkedin profile")),
    FieldSpec("buying_role", "Buying role", "choice", _aliases("buying role", "role"), tuple(BuyingRole.choices)),
    FieldSpec(
        "relationship_strength",
        "Relationship strength",
        "choice",
        _aliases("relationship strength", "relationship"),
        tuple(RelationshipStrength.choices),
    ),
    FieldSpec("status", "Status", "choice", _aliases("status", "contact status"), tuple(ContactStatus.choices)),
    FieldSpec(
        "last_verified_on", "Last verified on", "date", _aliases("last verified on", "last verified", "verified on")
    ),
)

_ACCOUNT_OF_ROW = (
    FieldSpec(
        "account_domain",
        "Account domain",
        "account",
        _aliases("account domain", "company domain", "domain", "website", "company website"),
    ),
    FieldSpec(
        "account_name",
        "Account name",
        "account_name",
        _aliases("account name", "account", "company", "company name", "organization", "organisation"),
    ),
)

OPPORTUNITY_FIELDS = (
    FieldSpec("name", "Deal name", "text", _aliases("deal name", "deal", "opportunity", "opportunity name", "name")),
    *_ACCOUNT_OF_ROW,
    FieldSpec("kind", "Kind", "choice", _aliases("kind", "type", "deal type"), tuple(OpportunityKind.choices)),
    FieldSpec("amount", "Amount", "amount", _aliases("amount", "value", "deal value", "deal amount")),
    FieldSpec("currency", "Currency", "currency", _aliases("currency", "currency code")),
    FieldSpec("stage", "Stage", "choice", _aliases("stage", "deal stage", "status"), tuple(OpportunityStage.choices)),
    FieldSpec("opened_on", "Opened on", "date", _aliases("opened on", "opened", "created", "open date", "start date")),
    FieldSpec("close_date", "Close date", "date", _aliases("close date", "closed on", "closing date", "closed")),
    FieldSpec("lost_reason", "Lost reason", "text", _aliases("lost reason", "reason lost", "loss reason")),
)

ACTIVITY_FIELDS = (
    *_ACCOUNT_OF_ROW,
    FieldSpec(
        "contact",
        "Contact e-mail",
        "contact",
        _aliases("contact e-mail", "contact email", "contact", "email", "e-mail", "person"),
    ),
    FieldSpec(
        "channel", "Channel", "choice", _aliases("channel", "type", "activity type"), tuple(ActivityChannel.choices)
    ),
    FieldSpec(
        "direction", "Direction", "choice", _aliases("direction", "inbound outbound"), tuple(ActivityDirection.choices)
    ),
    FieldSpec("occurred_at", "Occurred at", "moment", _aliases("occurred at", "date", "time", "when", "date and time")),
    FieldSpec("subject", "Subject", "text", _aliases("subject", "title", "summary")),
    FieldSpec("notes", "Notes", "text", _aliases("notes", "description", "details", "body")),
    FieldSpec("owner", "Owner", "owner", _aliases("owner", "owner email", "user", "team member", "rep")),
    FieldSpec(
        "outcome", "Outcome", "choice", _aliases("outcome", "result", "disposition"), tuple(ActivityOutcome.choices)
    ),
    FieldSpec("impressions", "Impressions", "int", _aliases("impressions", "views")),
    FieldSpec("clicks", "Clicks", "int", _aliases("clicks", "click count")),
    FieldSpec("conversions", "Conversions", "int", _aliases("conversions", "conversion count")),
)

FIELDS = {
    ImportKind.ACCOUNTS: ACCOUNT_FIELDS,
    ImportKind.CONTACTS: CONTACT_FIELDS,
    ImportKind.OPPORTUNITIES: OPPORTUNITY_FIELDS,
    ImportKind.ACTIVITIES: ACTIVITY_FIELDS,
}
MODELS = {
    ImportKind.ACCOUNTS: Account,
    ImportKind.CONTACTS: Contact,
    ImportKind.OPPORTUNITIES: Opportunity,
    ImportKind.ACTIVITIES: Activity,
}
# Per kind: the fields every file maps, and groups of which it maps at least one.
REQUIRED_FIELDS = {
    ImportKind.ACCOUNTS: (("name",), ()),
    ImportKind.CONTACTS: (("first_name",), ("email", "account_domain")),
    ImportKind.OPPORTUNITIES: (("name",), ("account_domain", "account_name")),
    ImportKind.ACTIVITIES: (("channel", "occurred_at", "subject"), ("account_domain", "account_name", "contact")),
}
REQUIRED_MESSAGES = {
    ImportKind.ACCOUNTS: "Accounts need a Name column.",
    ImportKind.CONTACTS: "Contacts need a First name column and an E-mail or Account domain column.",
    ImportKind.OPPORTUNITIES: "Deals need a Deal name column and an Account domain or Account name column.",
    ImportKind.ACTIVITIES: "Activities need Channel, Occurred at and Subject columns and an Account domain, "
    "Account name or Contact e-mail column.",
}
FOREIGN_KEYS = {
    "owner": "owner_id",
    "account_domain": "account_id",
    "tier": "tier_id",
    "account_name": "account_by_name",  # the account's id, used when the row has no Account domain
    "contact": "contact_id",
}
# Fields that are not plain columns of the row: the planner resolves them against the whole file.
LINK_FIELDS = {"parent", "technologies"}
TECHNOLOGY_SEPARATOR = ";"
Tier = Account._meta.get_field("tier").related_model
TIER_NEEDS_ADMIN = (
    "Only workspace admins may set a tier (as with the bulk “Set tier”): leave the cell empty or ask an admin "
    "to import the file."
)


def field_specs(kind: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in FIELDS[kind]}


def required_fields_message(kind: str) -> str:
    return REQUIRED_MESSAGES[kind]


def template_csv(kind: str) -> str:
    """The header row of a file of this kind: every column the import reads, named as the mapping expects."""
    return ",".join(spec.label for spec in FIELDS[kind]) + "\r\n"


def auto_map(kind: str, headers: Iterable[str]) -> dict[str, str]:
    """Each header → the field it names (by normalized name or alias), or "" (ignored). A field is used once."""
    by_alias = {}
    for spec in FIELDS[kind]:
        for alias in (normalize_header(spec.name), normalize_header(spec.label), *spec.aliases):
            by_alias.setdefault(alias, spec.name)
    mapping, used = {}, set()
    for header in headers:
        target = by_alias.get(normalize_header(header), "")
        if target in used:
            target = ""
        used.add(target)
        mapping[header] = target
    return mapping


def validate_mapping(kind: str, headers: list[str], mapping: dict) -> dict[str, str]:
    """A complete mapping (every header, "" for ignored) or ``ImportMappingError`` saying what is wrong."""
    if not isinstance(mapping, dict):
        raise ImportMappingError("The mapping must be an object of column name → field name.")
    specs = field_specs(kind)
    header_set = set(headers)
    unknown_columns = [column for column in mapping if column not in header_set]
    if unknown_columns:
        raise ImportMappingError(f"The file has no column “{unknown_columns[0]}”. Its columns: {', '.join(headers)}.")
    complete, seen = {}, {}
    for header in headers:
        target = mapping.get(header) or ""
        if not isinstance(target, str) or (target and target not in specs):
            raise ImportMappingError(
                f'Unknown field “{target}” for column “{header}”. Fields: {", ".join(specs)} (or "" to ignore).'
            )
        if target and target in seen:
            raise ImportMappingError(f"Columns “{seen[target]}” and “{header}” are both mapped to {target}.")
        if target:
            seen[target] = header
        complete[header] = target
    mapped = set(seen)
    required, one_of = REQUIRED_FIELDS[kind]
    if not set(required) <= mapped or (one_of and not set(one_of) & mapped):
        raise ImportMappingError(f"Missing required column. {required_fields_message(kind)}")
    return complete


# --- reading the file ---------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refusing more than ``IMPORT_MAX_BYTES`` without reading it all."""
    limit = settings.IMPORT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is None or size <= limit:
        data = upload.read(limit + 1)
        size = len(data) if len(data) <= limit else None
    if size is None or size > limit:
        what = f"{size:,} bytes" if size is not None else "more bytes"
        raise ImportFileError(f"The file has {what}; the limit is {limit:,} bytes ({_megabytes(limit)}).")
    return data


def decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError("The file is empty.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 text: byte 0x{data[error.start]:02X} on line {line} (position {error.start}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None


def sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        delimiter = ""
    if not delimiter or delimiter not in first_line:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return delimiter


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, header = 1; cells)
    delimiter: str


def parse(text: str, delimiter: str | None = None) -> ParsedFile:
    """Header and data rows, numbered by the line each starts on; blank lines are left out.

    One pass over the file, refusing at the first cell beyond the ``IMPORT_MAX_*`` limits (columns, rows, cell
    length), a NUL character (PostgreSQL cannot store it) or malformed CSV such as an unclosed quote.
    """
    if not text.strip():
        raise ImportFileError("The file is empty.")
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    max_rows = settings.IMPORT_MAX_ROWS
    headers, rows, line = None, [], 1
    try:
        for cells in reader:
            if headers is None:
                _check_cells(line, cells, [])
                headers = [cell.strip() for cell in cells]
            elif any(cell.strip() for cell in cells):
                if len(rows) >= max_rows:
                    raise ImportFileError(f"The file has more than {max_rows:,} rows; split it into smaller files.")
                _check_cells(line, cells, headers)
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        if str(error) == "unexpected end of data":
            raise ImportFileError(
                f"The file is not valid CSV: the quote that opens a cell on line {line} is never closed."
            ) from None
        raise ImportFileError(f"The file is not valid CSV: line {reader.line_num}: {error}.") from None
    if not headers or not any(headers):
        raise ImportFileError("The first row must name the columns; it is empty.")
    blank = [index + 1 for index, header in enumerate(headers) if not header]
    if blank:
        raise ImportFileError(f"Column {blank[0]} has no name in the first row.")
    seen = set()
    for header in headers:
        if header in seen:
            raise ImportFileError(f"The column “{header}” appears twice.")
        seen.add(header)
    if not rows:
        raise ImportFileError("The file has a header row but no data rows.")
    return ParsedFile(headers=headers, rows=rows, delimiter=delimiter)


def _check_cells(line: int, cells: list[str], headers: list[str]) -> None:
    max_columns, max_chars = settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_CELL_CHARS
    if len(cells) > max_columns:
        raise ImportFileError(f"Line {line} has {len(cells):,} columns; the limit is {max_columns:,}.")
    for index, cell in enumerate(cells):
        if len(cell) <= max_chars and "\0" not in cell:
            continue
        column = f"column “{headers[index]}”" if index < len(headers) else f"column {index + 1}"
        if len(cell) > max_chars:
            raise ImportFileError(
                f"Line {line}, {column}: the cell has {len(cell):,} characters; the limit is {max_chars:,}."
            )
        raise ImportFileError(
            f"Line {line}, {column}: the cell contains a NUL character (0x00), which cannot be stored. "
            "Remove it and upload the file again."
        )


# --- cells --------------------------------------------------------------------------------------------


class CellError(ValueError):
    pass


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def clean_cell(value: str) -> str:
    """Trimmed, with the apostrophe that our export puts before formula characters taken off again."""
    value = value or ""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        value = value[1:]
    return value.strip()


def parse_number(value: str, *, integer: bool) -> int | Decimal:
    compact = value.replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(compact):
        compact = compact.replace(",", "")
    if not _PLAIN_NUMBER.match(compact):
        raise CellError(f"“{value}” is not a {'whole ' if integer else ''}number.")
    try:
        number = Decimal(compact)
    except InvalidOperation:
        raise CellError(f"“{value}” is not a number.") from None
    if integer:
        if number != number.to_integral_value():
            raise CellError(f"“{value}” is not a whole number.")
        return int(number)
    return number


_COUNTRY_LOOKUP: dict[str, str] = {}
COUNTRY_ALIASES = {"usa": "US", "united states": "US", "uk": "GB", "great britain": "GB", "england": "GB"}


def parse_country(value: str) -> str:
    if not _COUNTRY_LOOKUP:
        _COUNTRY_LOOKUP.update(COUNTRY_ALIASES)
        for code, name in countries:
            _COUNTRY_LOOKUP[code.casefold()] = code
            _COUNTRY_LOOKUP[str(name).casefold()] = code
            alpha3 = countries.alpha3(code)
            if alpha3:
                _COUNTRY_LOOKUP[alpha3.casefold()] = code
    code = _COUNTRY_LOOKUP.get(value.casefold())
    if code is None:
        raise CellError(f"“{value}” is not a known country; use a country name or its ISO code such as DE.")
    return code


def parse_choice(value: str, choices: tuple) -> str | int:
    wanted = value.casefold()
    for choice_value, label in choices:
        if wanted in (str(choice_value).casefold(), str(label).casefold()):
            return choice_value
    raise CellError(f"“{value}” is not one of: {', '.join(str(label) for _, label in choices)}.")


def parse_bool(value: str) -> bool:
    try:
        return booleans.parse_bool(value)
    except ValueError:
        raise CellError(f"“{value}” is not yes or no.") from None


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CellError(f"“{value}” is not a date; use YYYY-MM-DD.") from None


def parse_moment(value: str) -> datetime:
    """A date and time (ISO 8601, ``T`` or a space between, seconds optional), or a date for its midnight; one
    without an offset is in the workspace's time zone."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        try:
            moment = datetime.combine(date.fromisoformat(value), time.min)
        except ValueError:
            raise CellError(
                f"“{value}” is not a date and time; use YYYY-MM-DD HH:MM (in the workspace's time zone) or ISO 8601 "
                "with an offset such as 2026-03-02T09:30:00+01:00."
            ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, workspace_zone())


def parse_domain(value: str) -> str:
    try:
        return normalize_domain(value)
    except ValidationError as error:
        raise CellError(f"“{value}”: {error.messages[0]}") from None


# --- planning -----------------------------------------------------------------------------------------


@dataclass
class Plan:
    results: list[dict] = field(default_factory=list)
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    # (new account, its new parent account from the same file): written parents first
    new_parents: list[tuple] = field(default_factory=list)
    # (account, technology ids it should have, technology id → link id it has now)
    technology_sets: list[tuple] = field(default_factory=list)
    # accounts whose status the file sets or changes: logged once written (ADR 0035)
    status_changes: list = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for result in self.results:
            counts[result["outcome"]] += 1
        return counts


@dataclass
class _Row:
    number: int
    values: dict  # attname → parsed value, non-empty cells only
    errors: list[dict]
    warnings: list[dict] = field(default_factory=list)
    key: tuple | None = None
    match_id: int | None = None
    links: dict = field(default_factory=dict)  # LINK_FIELDS name → parsed cell, non-empty cells only
    instance: object = None  # the new record of a row that creates one (made before deciding, for parents)
    duplicate: bool = False
    parent: tuple | None = None  # ("id", account id) or ("row", index of another row creating the parent)
    cells: dict = field(default_factory=dict)  # field name → the cell as the file has it (deals and activities)


def _error(field_name: str, column: str, value: str, message: str) -> dict:
    return {"field": field_name, "column": column, "value": value, "message": message}


class _Planner:
    """Plans one file against the current tenant's data; DB reads happen in short tenant transactions."""

    def __init__(self, kind: str, parsed: ParsedFile, mapping: dict[str, str], progress: Callable | None):
        self.kind = kind
        self.model = MODELS[kind]
        self.specs = field_specs(kind)
        self.columns = [
            (index, header, mapping[header]) for index, header in enumerate(parsed.headers) if mapping[header]
        ]
        self.mapped = {name for _, _, name in self.columns}
        self.parsed = parsed
        self.progress = progress
        self.tenant = get_current_tenant()
        self.user = get_current_user() if getattr(get_current_user(), "is_authenticated", False) else None
        self.total = len(parsed.rows)
        self.display: dict[str, dict] = {}  # attname → {stored value: what the report shows}

    def tick(self, index: int, offset: int) -> None:
        if self.progress and index % PROGRESS_EVERY == 0 and index:
            self.progress(offset + index)

    # cells → values
    def read_row(self, number: int, cells: list[str]) -> _Row:
        row = _Row(number=number, values={}, errors=[])
        for index, header, name in self.columns:
            raw = cells[index] if index < len(cells) else ""
            value = clean_cell(raw)
            if not value:
                continue
            spec = self.specs[name]
            try:
                parsed = self.parse_value(spec, value)
            except CellError as error:
                row.errors.append(_error(name, header, value, str(error)))
                continue
            if name in LINK_FIELDS:
                if parsed:
                    row.links[name] = parsed
            else:
                row.values[FOREIGN_KEYS.get(name, name)] = parsed
        return row

    def parse_value(self, spec: FieldSpec, value: str):
        parser = spec.parser
        if parser in ("text", "parent"):
            return value
        if parser == "int":
            return parse_number(value, integer=True)
        if parser == "decimal":
            return parse_number(value, integer=False)
        if parser == "country":
            return parse_country(value)
        if parser == "choice":
            return parse_choice(value, spec.choices)
        if parser == "bool":
            return parse_bool(value)
        if parser == "date":
            return parse_date(value)
        if parser == "domain":
            return parse_domain(value)
        if parser == "email":
            return value.lower()
        if parser == "owner":
            owner_id = self.members.get(value.casefold())
            if owner_id is None:
                raise CellError(
                    f"No member of this workspace who can own records (not a viewer) has the e-mail or user name "
                    f"“{value}”."
                )
            return owner_id
        if parser == "account":
            domain = parse_domain(value)
            account_id = self.accounts_by_domain.get(domain)
            if account_id is None:
                raise CellError(f"No account with the domain {domain} in this workspace.")
            return account_id
        if parser == "technologies":
            return self.parse_technologies(value)
        if parser == "tier":
            return self.parse_tier(value)
        if parser == "amount":
            amount = parse_number(value, integer=False)
            if amount < 0:
                raise CellError("An amount cannot be negative.")
            return amount
        if parser == "currency":
            currency = self.tenant.currency
            if value.upper() != currency.upper():
                raise CellError(
                    f"Amounts are in the workspace currency, {currency}; convert them or leave the cell empty."
                )
            return value
        if parser == "account_name":
            return self.parse_account_name(value)
        if parser == "contact":
            contact = self.contacts_by_email.get(value.lower())
            if contact is None:
                raise CellError(f"No contact with the e-mail {value.lower()} in this workspace.")
            return contact.pk
        if parser == "moment":
            return parse_moment(value)
        raise AssertionError(parser)

    def column_of(self, name: str) -> str:
        return next((header for _, header, mapped in self.columns if mapped == name), self.specs[name].label)

    def run(self) -> Plan:
        with tenant_transaction(self.tenant):
            self.preload()
        rows = []
        for index, (number, cells) in enumerate(self.parsed.rows):
            rows.append(self.read_row(number, cells))
            self.tick(index, 0)
        self.prepare(rows)
        for row in rows:
            self.match(row)
        with tenant_transaction(self.tenant):
            self.load_matches(rows)
        first_row_of = {}
        for row in rows:
            if row.key is not None and not row.errors:
                if row.key in first_row_of:
                    row.errors.append(self.duplicate_error(row, first_row_of[row.key]))
                    row.duplicate = True
                else:
                    first_row_of[row.key] = row.number
        self.resolve_links(rows)
        plan = Plan()
        for index, row in enumerate(rows):
            self.tick(index, self.total)
            plan.results.append(self.decide(row, plan))
        self.finish(rows, plan)
        if self.progress:
            self.progress(2 * self.total)
        return plan

    def new_instance(self):
        return self.model(tenant=self.tenant, created_by=self.user, updated_by=self.user, source="import")

    def decide(self, row: _Row, plan: Plan) -> dict:
        result = {
            "row": row.number,
            "record": self.describe(row),
            "outcome": "error",
            "id": row.match_id,
            "changes": [],
            "diff": {},
            "errors": row.errors,
            "warnings": row.warnings,
        }
        old = {}
        if row.match_id is None:
            self.missing_required(row)
            instance = row.instance if row.instance is not None else self.new_instance()
            changes = list(row.values)
        else:
            instance = self.instances[row.match_id]
            self.keep_derived(instance, row)
            changes = [name for name, value in row.values.items() if self.current(instance, name) != value]
            old = {name: self.old_value(instance, name) for name in (*changes, *self.linked_fields)}
        for name in changes:
            setattr(instance, name, row.values[name])
        # Rows with cell errors are validated too, so that one dry run lists all of a row's problems.
        self.validate(instance, changes, row)
        if row.errors:
            return result
        linked = self.after_changes(instance, changes, row, plan)
        if row.match_id is None:
            result["outcome"] = "create"
            plan.creates.append(instance)
        elif changes or linked:
            result["outcome"] = "update"
            reported = [name for name in changes if name not in self.hidden_fields] + linked
            result["changes"] = [name.removesuffix("_id") for name in reported]
            result["diff"] = {
                name.removesuffix("_id"): {"old": self.shown(name, old.get(name)), "new": self.shown_new(name, row)}
                for name in reported
            }
            instance.updated_by = self.user
            plan.updates.append(instance)
            plan.update_fields.update(changes)
        else:
            result["outcome"] = "skip"
        return result

    linked_fields: tuple[str, ...] = ()  # fields that ``after_changes`` may change besides the row's columns
    hidden_fields = frozenset({"persona_match_reason", "tier_override_reason"})  # written, not shown as changes

    def keep_derived(self, instance, row: _Row) -> None:
        """Drop (with a warning) values of the row that must not overwrite what the app derived."""

    def old_value(self, instance, name: str):
        return self.current(instance, name)

    def shown(self, name: str, value):
        """A stored value as the report shows it: JSON, ids as the names a file uses."""
        if value is None or value == "":
            return None
        if name in self.display:
            return self.display[name].get(value, value)
        if isinstance(value, (Decimal, date)):
            return str(value)
        return value

    def shown_new(self, name: str, row: _Row):
        return self.shown(name, row.values.get(name))

    @staticmethod
    def describe(row: _Row) -> str:
        """A short name for the row on the report: the account's name and domain, the contact's name and e-mail."""
        values = row.values
        name = values.get("name") or " ".join(filter(None, (values.get("first_name"), values.get("last_name"))))
        key = values.get("domain") or values.get("email") or ""
        return f"{name} ({key})" if name and key else name or key

    @staticmethod
    def current(instance, name):
        value = getattr(instance, name)
        if name == "country":
            return value.code or ""
        return value

    def validate(self, instance, changes: list[str], row: _Row) -> None:
        """The model's own field validation (lengths, e-mail and URL syntax, ranges) on the changed fields."""
        checked = {name.removesuffix("_id") for name in changes}
        exclude = [f.name for f in self.model._meta.fields if f.name not in checked or f.is_relation]
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = self.column_of(name) if name in self.specs else name
                value = row.values.get(FOREIGN_KEYS.get(name, name), "")
                for message in messages:
                    row.errors.append(_error(name, column, str(value), message))

    def prepare(self, rows: list[_Row]) -> None:
        """Look at the whole file before rows are matched."""

    def resolve_links(self, rows: list[_Row]) -> None:
        """Resolve what a row refers to in other rows of the file (all rows are matched by then)."""

    def after_changes(self, instance, changes: list[str], row: _Row, plan: Plan) -> list[str]:
        """Changes beyond the row's own columns; returns changed links (names) that are not fields of the row."""
        return []

    def finish(self, rows: list[_Row], plan: Plan) -> None:
        """Look at the whole plan once every row is decided."""


def _members_by_login(tenant) -> tuple[dict[str, int], dict[int, str]]:
    """Members who can own records (not viewers): e-mail and user name (any case) → user id, and id → e-mail
    (else user name), as a file names them."""
    members, shown = {}, {}
    for user_id, email, username in (
        Membership.objects.filter(tenant=tenant)
        .exclude(role=Role.VIEWER)
        .values_list("user_id", "user__email", "user__username")
    ):
        if email:
            members.setdefault(email.casefold(), user_id)
        members.setdefault(username.casefold(), user_id)
        shown[user_id] = email or username
    return members, shown


def _accounts_by_domain(rows) -> tuple[dict[str, int], dict[str, int]]:
    """Domain → the account it names, from ``(id, domain, parent id)`` rows in id order: within a hierarchy
    sharing the domain its top account (as for contacts); and domain → the first account that has it."""
    first, roots = {}, {}
    for pk, domain, parent_id in rows:
        first.setdefault(domain, pk)
        if parent_id is None:
            roots.setdefault(domain, pk)
    return {**first, **roots}, first


class _AccountPlanner(_Planner):
    """Accounts, their parent (by domain or name, in the workspace or the file) and their technologies."""

    new_accounts_target = True
    tier_reason = ""
    acting_user_id = None  # who started the dry run or commit, for a background job (no user in its context)

    def new_instance(self):
        """A new account is a target as the import asked, unless the row's own Target column says otherwise."""
        account = super().new_instance()
        account.is_target = self.new_accounts_target
        return account

    def preload(self) -> None:
        self.members, self.display["owner_id"] = _members_by_login(self.tenant)
        self.by_domain = defaultdict(list)
        self.by_name = {}
        self.names, self.domains, self.parent_of = {}, {}, {}
        self.ids_by_exact_name, self.ids_by_folded_name = defaultdict(list), defaultdict(list)
        for pk, domain, name, parent_id in Account.objects.order_by("id").values_list(
            "id", "domain", "name", "parent_id"
        ):
            if domain:
                self.by_domain[domain].append((pk, name.casefold(), parent_id))
            else:
                self.by_name.setdefault(name.casefold(), pk)
            self.names[pk], self.domains[pk] = name, domain
            self.ids_by_exact_name[name].append(pk)
            self.ids_by_folded_name[name.casefold()].append(pk)
            if parent_id is not None:
                self.parent_of[pk] = parent_id
        # A domain names its account; within a hierarchy sharing the domain, its top account (as for contacts).
        self.account_by_domain = {}
        for domain, candidates in self.by_domain.items():
            roots = [pk for pk, _, parent_id in candidates if parent_id is None]
            self.account_by_domain[domain] = (roots or [candidates[0][0]])[0]
        self.display["parent_id"] = self.names
        self.tier_ids, self.tier_names = defaultdict(list), {}
        self.may_set_tiers = False
        if "tier" in self.mapped:
            for pk, name in Tier.objects.order_by("rank").values_list("id", "name"):
                self.tier_ids[name.casefold()].append(pk)
                self.tier_names[pk] = name
            self.display["tier_id"] = self.tier_names
            user_id = self.user.pk if self.user else self.acting_user_id
            role = Membership.objects.filter(tenant=self.tenant, user_id=user_id).values_list("role", flat=True).first()
            self.may_set_tiers = role is not None and role_at_least(role, Role.ADMIN)
        self.technology_ids, self.technology_names = {}, {}
        if "technologies" in self.mapped:
            for pk, name in Technology.objects.values_list("id", "name"):
                self.technology_ids[name.casefold()] = pk
                self.technology_names[pk] = name

    def technology_list(self, ids) -> str:
        """Technologies as the file lists them: names separated by "; "."""
        return "; ".join(sorted((self.technology_names[pk] for pk in ids), key=str.casefold)) or None

    def parse_technologies(self, value: str) -> frozenset[int]:
        names = [name.strip() for name in value.split(TECHNOLOGY_SEPARATOR) if name.strip()]
        unknown = list(dict.fromkeys(name for name in names if name.casefold() not in self.technology_ids))
        if unknown:
            quoted = ", ".join(f"“{name}”" for name in unknown)
            raise CellError(
                f"Not in the technology catalogue: {quoted}. Add {'it' if len(unknown) == 1 else 'them'} "
                f"to the catalogue first, or correct the name{'s' if len(unknown) > 1 else ''}."
            )
        return frozenset(self.technology_ids[name.casefold()] for name in names)

    def parse_tier(self, value: str) -> int:
        ids = self.tier_ids.get(value.casefold(), [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            raise CellError(f"{len(ids)} tiers are named “{value}”: rename one of them first.")
        names = ", ".join(self.tier_names.values()) or "none yet (create them on the ICP page)"
        raise CellError(f"“{value}” is not a tier of this workspace. Tiers: {names}.")

    def validate(self, instance, changes: list[str], row: _Row) -> None:
        super().validate(instance, changes, row)
        if "tier_id" in changes and not self.may_set_tiers:
            tier_id = row.values["tier_id"]
            row.errors.append(_error("tier", self.column_of("tier"), self.tier_names[tier_id], TIER_NEEDS_ADMIN))

    @staticmethod
    def _domain_of(reference: str) -> str:
        try:
            return normalize_domain(reference)
        except ValidationError:
            return ""

    def prepare(self, rows: list[_Row]) -> None:
        self.file_domains_by_name, self.file_domains_by_folded_name = defaultdict(set), defaultdict(set)
        if "parent" in self.mapped:
            for row in rows:
                if row.values.get("name") and row.values.get("domain"):
                    self.file_domains_by_name[row.values["name"]].add(row.values["domain"])
                    self.file_domains_by_folded_name[row.values["name"].casefold()].add(row.values["domain"])

    def shares_parents_domain(self, reference: str, domain: str) -> bool:
        """Whether the parent cell names an account (or a row) with this domain: by the domain or by name
        (exactly, else in any case, as ``resolve_links`` finds the parent)."""
        if self._domain_of(reference) == domain:
            return True
        ids, file_domains = self.ids_by_exact_name.get(reference, ()), self.file_domains_by_name.get(reference, ())
        if not ids and not file_domains:
            folded = reference.casefold()
            ids, file_domains = (
                self.ids_by_folded_name.get(folded, ()),
                self.file_domains_by_folded_name.get(folded, ()),
            )
        return any(self.domains[pk] == domain for pk in ids) or domain in file_domains

    def match(self, row: _Row) -> None:
        domain, name = row.values.get("domain", ""), row.values.get("name", "")
        parent = row.links.get("parent", "")
        if domain:
            candidates = self.by_domain.get(domain, [])
            same_name = [pk for pk, other, _ in candidates if other == name.casefold()]
            if parent and self.shares_parents_domain(parent, domain):
                # A subsidiary sharing its parent's domain: the account of that name, else a new one.
                row.match_id = same_name[0] if same_name else None
                row.key = ("id", row.match_id) if row.match_id else ("child", domain, name.casefold())
                return
            if len(candidates) == 1:
                row.match_id = candidates[0][0]
            elif candidates:  # a hierarchy sharing one domain: the same name, else the top account
                roots = [pk for pk, _, parent_id in candidates if parent_id is None]
                row.match_id = (same_name or roots or [candidates[0][0]])[0]
            row.key = ("id", row.match_id) if row.match_id else ("domain", domain)
        elif name:
            row.match_id = self.by_name.get(name.casefold())
            row.key = ("id", row.match_id) if row.match_id else ("name", name.casefold())

    def load_matches(self, rows: list[_Row]) -> None:
        ids = sorted({row.match_id for row in rows if row.match_id})
        self.instances = {}
        self.links = defaultdict(dict)  # account id → {technology id: link id}
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            self.instances.update(Account.objects.in_bulk(chunk))
            if "technologies" in self.mapped:
                for link_id, account_id, technology_id in AccountTechnology.objects.filter(
                    account_id__in=chunk
                ).values_list("id", "account_id", "technology_id"):
                    self.links[account_id][technology_id] = link_id
        self.won_deals = {}
        if "status" in self.mapped:
            for account_id, name in (
                Opportunity.objects.filter(account_id__in=ids, stage=OpportunityStage.CLOSED_WON)
                .order_by("-updated_at", "-id")
                .values_list("account_id", "name")
            ):
                self.won_deals.setdefault(account_id, name)

    def keep_derived(self, instance, row: _Row) -> None:
        """A customer made so by a won deal stays one when the file says prospect (typically an export taken
        before the deal was won); the file can still say churned."""
        if (
            row.values.get("status") == AccountStatus.PROSPECT
            and instance.status == AccountStatus.CUSTOMER
            and instance.pk in self.won_deals
        ):
            del row.values["status"]
            row.warnings.append(
                _error(
                    "status",
                    self.column_of("status"),
                    AccountStatus.PROSPECT.label,
                    f"Stays Customer: deal “{self.won_deals[instance.pk]}” is closed won. "
                    "A status of Churned in the file would change it.",
                )
            )

    linked_fields = ("parent_id", "technologies")

    def old_value(self, instance, name: str):
        if name == "technologies":
            return self.technology_list(self.links.get(instance.pk, {}))
        return super().old_value(instance, name)

    def shown_new(self, name: str, row: _Row):
        if name == "technologies":
            return self.technology_list(row.links["technologies"])
        if name == "parent_id" and row.parent is not None and row.parent[0] == "row":
            return self.rows[row.parent[1]].values.get("name")
        if name == "parent_id" and row.parent is not None:
            return self.shown(name, row.parent[1])
        return super().shown_new(name, row)

    def duplicate_error(self, row: _Row, first: int) -> dict:
        if row.key and row.key[0] == "child":
            return _error("name", self.column_of("name"), row.values.get("name", ""), f"Same account as row {first}.")
        if row.values.get("domain"):
            return _error("domain", self.column_of("domain"), row.values["domain"], f"Same domain as row {first}.")
        return _error("name", self.column_of("name"), row.values.get("name", ""), f"Same account as row {first}.")

    def missing_required(self, row: _Row) -> None:
        if not row.values.get("name"):
            row.errors.append(_error("name", self.column_of("name"), "", "A name is required."))

    # --- parents -----------------------------------------------------------------------------------------

    def resolve_links(self, rows: list[_Row]) -> None:
        """Each row's parent: by domain (an account of the workspace, else a row of the file creating it), else
        by name, exactly, else in any case (accounts of the workspace and rows of the file); then refuse
        self-parents and cycles."""
        self.rows = rows
        for row in rows:
            if row.match_id is None:
                row.instance = self.new_instance()
        if "parent" not in self.mapped:
            return
        own = [("id", row.match_id) if row.match_id else ("row", index) for index, row in enumerate(rows)]
        new_by_domain, new_children_by_domain = {}, {}
        file_by_name, file_by_folded_name = defaultdict(set), defaultdict(set)
        for index, row in enumerate(rows):
            if row.duplicate:
                continue
            domain, name = row.values.get("domain", ""), row.values.get("name", "")
            if row.match_id is None and domain and row.key:
                (new_by_domain if row.key[0] == "domain" else new_children_by_domain).setdefault(domain, own[index])
            if name:
                file_by_name[name].add(own[index])
                file_by_folded_name[name.casefold()].add(own[index])

        for index, row in enumerate(rows):
            reference = row.links.get("parent")
            if not reference:
                continue
            domain = self._domain_of(reference)
            target = None
            if domain:
                if domain in self.account_by_domain:
                    target = ("id", self.account_by_domain[domain])
                else:
                    target = new_by_domain.get(domain) or new_children_by_domain.get(domain)
            if target is None:
                named = file_by_name.get(reference, set()) | {
                    ("id", pk) for pk in self.ids_by_exact_name.get(reference, ())
                }
                if not named:  # no account of exactly that name: the name in any case
                    folded = reference.casefold()
                    named = file_by_folded_name.get(folded, set()) | {
                        ("id", pk) for pk in self.ids_by_folded_name.get(folded, ())
                    }
                if len(named) > 1:
                    self.parent_error(
                        row, reference, f"{len(named)} accounts are named “{reference}”: give the parent's domain."
                    )
                    continue
                target = next(iter(named), None)
            if target is None:
                self.parent_error(
                    row,
                    reference,
                    f"Parent not found: no account of this workspace or row of this file has the domain or the "
                    f"name “{reference}”.",
                )
            elif target == own[index]:
                self.parent_error(row, reference, "A row cannot be its own parent.")
            else:
                row.parent = target

        parent_of = {own[index]: row.parent for index, row in enumerate(rows) if row.parent}

        def parent(target):
            if target in parent_of:
                return parent_of[target]
            if target[0] == "id" and target[1] in self.parent_of:
                return ("id", self.parent_of[target[1]])
            return None

        for index, row in enumerate(rows):
            if not row.parent:
                continue
            chain, current = [own[index]], row.parent
            while current is not None and current not in chain:
                chain.append(current)
                current = parent(current)
            if current == own[index]:
                names = " → ".join(self.target_name(target, rows) for target in [*chain, own[index]])
                self.parent_error(row, row.links["parent"], f"The parent would create a cycle: {names}.")
                row.parent = None

    def target_name(self, target: tuple, rows: list[_Row]) -> str:
        if target[0] == "id":
            return self.names.get(target[1], f"#{target[1]}")
        row = rows[target[1]]
        return row.values.get("name") or f"row {row.number}"

    def parent_error(self, row: _Row, reference: str, message: str) -> None:
        row.errors.append(_error("parent", self.column_of("parent"), reference, message))

    hidden_fields = _Planner.hidden_fields | set(services.STATUS_DATE_FIELDS)

    def after_changes(self, instance, changes: list[str], row: _Row, plan: Plan) -> list[str]:
        linked = []
        if "status" in changes and (row.match_id is not None or instance.status != AccountStatus.PROSPECT):
            services.apply_status_dates(instance, workspace_today())
            changes.extend(services.STATUS_DATE_FIELDS)
            plan.status_changes.append(instance)
        if "tier_id" in changes:  # a tier set by hand, as the bulk "Set tier" does: with where it came from
            instance.tier_override_reason = self.tier_reason
            changes.append("tier_override_reason")
        if row.parent is not None:
            kind, value = row.parent
            if kind == "id":
                if instance.parent_id != value:
                    instance.parent_id = value
                    changes.append("parent_id")
            else:  # created by another row: linked once that row is written
                plan.new_parents.append((instance, self.rows[value].instance))
                changes.append("parent_id")
        if "technologies" in row.links:
            wanted = row.links["technologies"]
            present = self.links.get(row.match_id, {}) if row.match_id else {}
            if wanted != set(present):
                plan.technology_sets.append((instance, wanted, present))
                linked.append("technologies")
        return linked


class _ContactPlanner(_Planner):
    def preload(self) -> None:
        rows = Account.objects.exclude(domain="").order_by("id").values_list("id", "domain", "parent_id")
        self.accounts_by_domain, first = _accounts_by_domain(rows)
        self.display["account_id"] = {pk: domain for domain, pk in first.items()}

    def match(self, row: _Row) -> None:
        email = row.values.get("email", "")
        if email:
            row.key = ("email", email)

    def load_matches(self, rows: list[_Row]) -> None:
        emails = sorted({row.values["email"] for row in rows if row.values.get("email")})
        self.instances = {}
        by_email = {}
        for start in range(0, len(emails), 2000):
            for contact in Contact.objects.filter(email__in=emails[start : start + 2000]):
                self.instances[contact.pk] = contact
                by_email[contact.email] = contact.pk
        unnamed = [row for row in rows if not row.values.get("email")]
        account_ids = sorted({row.values["account_id"] for row in unnamed if row.values.get("account_id")})
        by_person = {}
        for start in range(0, len(account_ids), 2000):
            for contact in Contact.objects.filter(email="", account_id__in=account_ids[start : start + 2000]):
                self.instances[contact.pk] = contact
                by_person.setdefault(
                    self.person_key(contact.account_id, contact.first_name, contact.last_name), contact.pk
                )
        for row in rows:
            if row.values.get("email"):
                row.match_id = by_email.get(row.values["email"])
            elif row.values.get("account_id") and row.values.get("first_name"):
                key = self.person_key(
                    row.values["account_id"], row.values["first_name"], row.values.get("last_name", "")
                )
                row.match_id = by_person.get(key)
                row.key = key
        # The account of a new contact without an Account domain cell: the domain of its e-mail.
        for row in rows:
            if (
                row.match_id is None
                and "account_id" not in row.values
                and not any(e["field"] == "account_domain" for e in row.errors)
            ):
                email = row.values.get("email", "")
                domain = email.rsplit("@", 1)[-1] if "@" in email else ""
                try:
                    domain = normalize_domain(domain) if domain else ""
                except ValidationError:
                    domain = ""
                account_id = self.accounts_by_domain.get(domain) if domain else None
                if account_id is not None:
                    row.values["account_id"] = account_id
                else:
                    row.errors.append(
                        _error(
                            "account_domain",
                            self.column_of("account_domain"),
                            "",
                            f"No account with the e-mail's domain {domain or '(none)'}; add an Account domain column."
                            if email
                            else "An account domain is required.",
                        )
                    )

    @staticmethod
    def person_key(account_id: int, first: str, last: str) -> tuple:
        return ("person", account_id, first.casefold(), last.casefold())

    def duplicate_error(self, row: _Row, first: int) -> dict:
        if row.values.get("email"):
            return _error("email", self.column_of("email"), row.values["email"], f"Same e-mail as row {first}.")
        return _error(
            "first_name",
            self.column_of("first_name"),
            row.values.get("first_name", ""),
            f"Same contact as row {first}.",
        )

    def missing_required(self, row: _Row) -> None:
        if not row.values.get("first_name"):
            row.errors.append(_error("first_name", self.column_of("first_name"), "", "A first name is required."))

    def finish(self, rows: list[_Row], plan: Plan) -> None:
        """Derived fields (the persona) for new contacts and changed ones, set by the listeners of
        ``events.contacts_saving`` once for the whole file; a row that changes nothing stays a skip."""
        contacts = plan.creates + plan.updates
        if not contacts:
            return
        before = {id(contact): (contact.persona_id, contact.persona_match_reason) for contact in contacts}
        with tenant_transaction(self.tenant):
            events.contacts_saving.send(Contact, contacts=contacts)
        for row, result in zip(rows, plan.results, strict=True):
            if result["outcome"] != "update":
                continue
            contact = self.instances[row.match_id]
            if (contact.persona_id, contact.persona_match_reason) != before[id(contact)]:
                plan.update_fields.update({"persona_id", "persona_match_reason"})
                if "persona" not in result["changes"]:
                    result["changes"].append("persona")
                    result["diff"]["persona"] = (before[id(contact)][0], contact.persona_id)
        with tenant_transaction(self.tenant):
            self.show_personas(plan.results)

    @staticmethod
    def show_personas(results: list[dict]) -> None:
        """Persona ids in the diffs as the personas' names (one query)."""
        changed = [result["diff"] for result in results if isinstance(result["diff"].get("persona"), tuple)]
        if not changed:
            return
        persona_model = Contact._meta.get_field("persona").related_model
        ids = {pk for diff in changed for pk in diff["persona"] if pk is not None}
        names = dict(persona_model.objects.filter(pk__in=ids).values_list("id", "name"))
        for diff in changed:
            old, new = diff["persona"]
            diff["persona"] = {"old": names.get(old), "new": names.get(new)}


class _RecordPlanner(_Planner):
    """Deals and activities: every row creates a record (neither has a key a file could match it by) of an account
    named by its domain (as contacts find theirs) or its name. A row that looks like a record already there (same
    account and name, or same account, time and subject) is created anyway, with a warning saying so."""

    def new_instance(self):
        return self.model(tenant=self.tenant, created_by=self.user, updated_by=self.user)

    def preload(self) -> None:
        self.members, self.display["owner_id"] = _members_by_login(self.tenant)
        self.accounts_by_exact_name, self.accounts_by_folded_name = defaultdict(list), defaultdict(list)
        with_domain = []
        for pk, domain, name, parent_id in Account.objects.order_by("id").values_list(
            "id", "domain", "name", "parent_id"
        ):
            if domain:
                with_domain.append((pk, domain, parent_id))
            self.accounts_by_exact_name[name].append(pk)
            self.accounts_by_folded_name[name.casefold()].append(pk)
        self.accounts_by_domain, _ = _accounts_by_domain(with_domain)
        self.contacts_by_email = {}
        if "contact" in self.mapped:
            emails = {
                clean_cell(cells[index]).lower()
                for _, cells in self.parsed.rows
                for index, _, name in self.columns
                if name == "contact" and index < len(cells) and clean_cell(cells[index])
            }
            emails = sorted(emails)
            for start in range(0, len(emails), 2000):
                for contact in Contact.objects.filter(email__in=emails[start : start + 2000]).only(
                    "id", "email", "account_id"
                ):
                    self.contacts_by_email[contact.email] = contact
            self.contacts = {contact.pk: contact for contact in self.contacts_by_email.values()}

    def parse_account_name(self, value: str) -> int:
        ids = self.accounts_by_exact_name.get(value) or self.accounts_by_folded_name.get(value.casefold(), [])
        if len(ids) > 1:
            raise CellError(f"{len(ids)} accounts are named “{value}”: give the account's domain.")
        if not ids:
            raise CellError(f"No account named “{value}” in this workspace.")
        return ids[0]

    def match(self, row: _Row) -> None:
        """The account: by domain, else by name, else the contact's."""
        by_name = row.values.pop("account_by_name", None)
        if "account_id" not in row.values and by_name is not None:
            row.values["account_id"] = by_name
        if "account_id" not in row.values and row.values.get("contact_id"):
            row.values["account_id"] = self.contacts[row.values["contact_id"]].account_id

    def load_matches(self, rows: list[_Row]) -> None:
        self.existing = self.existing_keys(rows)

    def decide(self, row: _Row, plan: Plan) -> dict:
        if "account_id" not in row.values and not any(error["field"].startswith("account") for error in row.errors):
            row.errors.append(_error("account_domain", self.column_of("account_domain"), "", self.ACCOUNT_REQUIRED))
        key = self.key_of(row.values)
        if key is not None and key in self.existing:
            row.warnings.append(self.existing_warning(row))
        return super().decide(row, plan)

    def validate(self, instance, changes: list[str], row: _Row) -> None:
        """The fields' own validation, then the model's rules (``clean()``) as the API applies them."""
        super().validate(instance, changes, row)
        if instance.account_id is None:
            return
        self.before_clean(instance)
        try:
            instance.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = self.column_of(name) if name in self.specs else name
                value = row.cells.get(name, "")
                row.errors.extend(_error(name, column, value, message) for message in messages)

    def read_row(self, number: int, cells: list[str]) -> _Row:
        row = super().read_row(number, cells)
        row.cells = {name: clean_cell(cells[index]) if index < len(cells) else "" for index, _, name in self.columns}
        return row

    def before_clean(self, instance) -> None:
        """Set what ``clean()`` reads without a query per row."""

    def missing_required(self, row: _Row) -> None:
        for name in REQUIRED_FIELDS[self.kind][0]:
            if row.values.get(name) in (None, "") and not any(error["field"] == name for error in row.errors):
                row.errors.append(_error(name, self.column_of(name), "", f"{self.specs[name].label} is required."))


class _OpportunityPlanner(_RecordPlanner):
    ACCOUNT_REQUIRED = "An account is required: its domain (Account domain) or its name (Account name)."

    def new_instance(self):
        opportunity = super().new_instance()
        opportunity.opened_on = workspace_today()  # as the API's default
        return opportunity

    def describe(self, row: _Row) -> str:
        return row.values.get("name", "")

    def key_of(self, values: dict):
        if values.get("account_id") and values.get("name"):
            return (values["account_id"], values["name"].casefold())
        return None

    def existing_keys(self, rows: list[_Row]) -> set:
        account_ids = sorted({row.values["account_id"] for row in rows if row.values.get("account_id")})
        keys = set()
        for start in range(0, len(account_ids), 2000):
            for account_id, name in Opportunity.objects.filter(
                account_id__in=account_ids[start : start + 2000]
            ).values_list("account_id", "name"):
                keys.add((account_id, name.casefold()))
        return keys

    def existing_warning(self, row: _Row) -> dict:
        return _error(
            "name",
            self.column_of("name"),
            row.values["name"],
            "This account already has a deal of this name; the row creates another one (deals are not matched).",
        )

    def read_row(self, number: int, cells: list[str]) -> _Row:
        row = super().read_row(number, cells)
        row.values.pop("currency", None)  # checked against the workspace's: nothing to store
        return row


class _ActivityPlanner(_RecordPlanner):
    ACCOUNT_REQUIRED = "An account is required: its domain, its name or a contact's e-mail."

    def describe(self, row: _Row) -> str:
        occurred_at = row.values.get("occurred_at")
        when = timezone.localtime(occurred_at, workspace_zone()).strftime("%Y-%m-%d %H:%M") if occurred_at else ""
        return " · ".join(filter(None, (when, row.values.get("subject", ""))))

    def before_clean(self, instance) -> None:
        if instance.contact_id is not None:
            instance.contact = self.contacts[instance.contact_id]
        instance.owner_is_member = instance.owner_id is not None  # the owner parser found a member

    def key_of(self, values: dict):
        if values.get("account_id") and values.get("occurred_at") and values.get("subject"):
            return (values["account_id"], values["occurred_at"], values["subject"])
        return None

    def existing_keys(self, rows: list[_Row]) -> set:
        wanted = [self.key_of(row.values) for row in rows]
        wanted = [key for key in wanted if key is not None]
        keys = set()
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            for key in Activity.objects.filter(
                account_id__in={key[0] for key in chunk}, occurred_at__in={key[1] for key in chunk}
            ).values_list("account_id", "occurred_at", "subject"):
                keys.add(key)
        return keys

    def existing_warning(self, row: _Row) -> dict:
        return _error(
            "subject",
            self.column_of("subject"),
            row.values["subject"],
            "This account already has an activity with this time and subject; the row creates another one "
            "(activities are not matched).",
        )


PLANNERS = {
    ImportKind.ACCOUNTS: _AccountPlanner,
    ImportKind.CONTACTS: _ContactPlanner,
    ImportKind.OPPORTUNITIES: _OpportunityPlanner,
    ImportKind.ACTIVITIES: _ActivityPlanner,
}


def plan_import(
    *,
    kind: str,
    parsed: ParsedFile,
    mapping: dict[str, str],
    progress: Callable | None = None,
    new_accounts_target: bool = True,
    file_name: str = "",
    acting_user_id: int | None = None,
) -> Plan:
    """Every row's outcome against the current tenant's data. Reads only."""
    planner = PLANNERS[kind](kind, parsed, validate_mapping(kind, parsed.headers, mapping), progress)
    planner.new_accounts_target = new_accounts_target
    planner.tier_reason = tier_reason(file_name)
    planner.acting_user_id = acting_user_id
    return planner.run()


def tier_reason(file_name: str) -> str:
    """The override reason of a tier set by an import: where it came from (the reason field holds 300)."""
    name = f"“{file_name[:200]}”" if file_name else "a file"
    return f"Set by the CSV import of {name} on {workspace_today():%Y-%m-%d}."


def write_plan(*, kind: str, plan: Plan, reason: str) -> dict[str, int]:
    """Writes the plan's creates and updates with their history. The caller holds the transaction."""
    model, user, now = MODELS[kind], get_current_user(), timezone.now()
    user = user if getattr(user, "is_authenticated", False) else None
    for level in _creation_levels(plan):
        _link_new_parents(plan)
        bulk_create_with_history(
            level, model, batch_size=WRITE_BATCH_SIZE, default_user=user, default_change_reason=reason
        )
    _link_new_parents(plan)
    if plan.updates:
        for instance in plan.updates:
            instance.updated_at = now
        bulk_update_with_history(
            plan.updates,
            model,
            sorted(plan.update_fields | {"updated_at", "updated_by"}),
            batch_size=WRITE_BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        )
    if plan.technology_sets:
        _write_technologies(plan.technology_sets, user=user, reason=reason, now=now)
    return {"created": len(plan.creates), "updated": len(plan.updates)}


def _creation_levels(plan: Plan) -> list[list]:
    """The new records in levels: a parent created by the file is in an earlier level than its children, so
    its id is known when they are written (no cycles: those are row errors)."""
    parent_of = {id(child): parent for child, parent in plan.new_parents}
    depth: dict[int, int] = {}

    def depth_of(instance) -> int:
        chain = []
        while id(instance) not in depth:
            if id(instance) not in parent_of:
                depth[id(instance)] = 0
                break
            chain.append(instance)
            instance = parent_of[id(instance)]
        level = depth[id(instance)]
        for item in reversed(chain):
            level += 1
            depth[id(item)] = level
        return level

    levels = defaultdict(list)
    for instance in plan.creates:
        levels[depth_of(instance)].append(instance)
    return [levels[level] for level in sorted(levels)]


def _link_new_parents(plan: Plan) -> None:
    for child, parent in plan.new_parents:
        if parent.pk is not None:
            child.parent_id = parent.pk


def _write_technologies(technology_sets: list[tuple], *, user, reason: str, now) -> None:
    """Give each account exactly its listed technologies: links added and removed in bulk, each with its history
    record (a removal is recorded like ``delete()`` records it, without a query per link)."""
    tenant = get_current_tenant()
    added, removed_ids = [], []
    for account, wanted, present in technology_sets:
        for technology_id in sorted(wanted - set(present)):
            added.append(
                AccountTechnology(
                    tenant=tenant,
                    account_id=account.pk,
                    technology_id=technology_id,
                    created_by=user,
                    updated_by=user,
                )
            )
        removed_ids.extend(link_id for technology_id, link_id in present.items() if technology_id not in wanted)
    for start in range(0, len(removed_ids), WRITE_BATCH_SIZE):
        chunk = removed_ids[start : start + WRITE_BATCH_SIZE]
        links = AccountTechnology.objects.filter(pk__in=chunk)
        history = AccountTechnology.history.model
        history.objects.bulk_create(
            [
                history(
                    history_date=now,
                    history_user=user,
                    history_change_reason=reason,
                    history_type="-",
                    **{column.attname: getattr(link, column.attname) for column in history.tracked_fields},
                )
                for link in links
            ]
        )
        links._raw_delete(links.db)  # one DELETE; delete() would send signals and record history per link
    if added:
        bulk_create_with_history(
            added, AccountTechnology, batch_size=WRITE_BATCH_SIZE, default_user=user, default_change_reason=reason
        )


# --- batches: what the views, the API and the task call ----------------------------------------------


def report_from_plan(plan: Plan) -> dict:
    return {"counts": plan.counts, "rows": plan.results}


def batch_create(*, kind: str, upload, file_name: str = "", new_accounts_target: bool = True) -> ImportBatch:
    """Read and check an uploaded file, keep it with an automatic mapping. Raises ``ImportFileError``."""
    if kind not in FIELDS:
        raise ImportFileError("Choose what the file holds: accounts, contacts, deals or activities.")
    text = decode(read_upload(upload))
    parsed = parse(text)
    batch = ImportBatch(
        kind=kind,
        file_name=(file_name or getattr(upload, "name", "") or "")[:255],
        content=text,
        delimiter=parsed.delimiter,
        headers=parsed.headers,
        row_count=len(parsed.rows),
        mapping=auto_map(kind, parsed.headers),
        new_accounts_target=new_accounts_target,
    )
    batch.full_clean(exclude=["content", "job"])
    batch.save()
    return batch


def parsed_file(batch: ImportBatch) -> ParsedFile:
    return parse(batch.content, batch.delimiter)


def is_large(batch: ImportBatch) -> bool:
    return batch.row_count > IMPORT_SYNC_LIMIT


def batch_running(batch: ImportBatch) -> bool:
    """A dry run or commit in progress: not once its job failed (also for an import whose job failed before
    imports followed their jobs)."""
    return batch.status in RUNNING_STATES and not (batch.job is not None and batch.job.status == JobStatus.FAILED)


def _set(batch: ImportBatch, **fields) -> ImportBatch:
    with tenant_transaction(get_current_tenant()):
        ImportBatch.objects.filter(pk=batch.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(batch, name, value)
    return batch


def batch_set_mapping(*, batch: ImportBatch, mapping: dict) -> ImportBatch:
    if batch.status == ImportStatus.COMMITTED or batch_running(batch):
        raise ImportMappingError(f"This import is {batch.get_status_display().lower()}; its mapping cannot change.")
    merged = {header: batch.mapping.get(header, "") for header in batch.headers}
    if mapping:
        validate_mapping(batch.kind, batch.headers, {**merged, **mapping})  # names the problem early
        merged.update(mapping)
    merged = validate_mapping(batch.kind, batch.headers, merged)
    return _set(batch, mapping=merged, status=ImportStatus.UPLOADED, report={}, error="")


def plan_batch(batch: ImportBatch, progress: Callable | None = None) -> Plan:
    """``plan_import`` of a stored batch: its file, mapping and choices."""
    return plan_import(
        kind=batch.kind,
        parsed=parsed_file(batch),
        mapping=batch.mapping,
        progress=progress,
        new_accounts_target=batch.new_accounts_target,
        file_name=batch.file_name,
        acting_user_id=batch.updated_by_id,
    )


def batch_dry_run(*, batch: ImportBatch, progress: Callable | None = None) -> ImportBatch:
    """Plan every row and store the report. Writes nothing else."""
    plan = plan_batch(batch, progress)
    return _set(batch, status=ImportStatus.VALIDATED, report=report_from_plan(plan), error="")


def batch_start(*, batch: ImportBatch, status: str) -> ImportBatch:
    """Claim the batch for a dry run or a commit (once), refusing a batch in the wrong state."""
    allowed = {
        ImportStatus.VALIDATING: (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED),
        ImportStatus.COMMITTING: (ImportStatus.VALIDATED,),
    }[status]
    if status == ImportStatus.COMMITTING and batch.status == ImportStatus.VALIDATED:
        errors = batch.report.get("counts", {}).get("error", 0)
        if errors:
            raise ImportCommitError(
                f"{errors} row{'s' if errors != 1 else ''} ha{'ve' if errors != 1 else 's'} errors: "
                "fix the file and upload it again. Nothing was written."
            )
    claimable = Q(status__in=allowed)
    if status == ImportStatus.VALIDATING:  # start again after a lost run, also one the job failure did not reach
        claimable |= Q(status__in=RUNNING_STATES, job__status=JobStatus.FAILED)
    user = get_current_user()
    by = {"updated_by": user} if getattr(user, "is_authenticated", False) else {}  # read by a background job
    with tenant_transaction(get_current_tenant()):
        claimed = ImportBatch.objects.filter(claimable, pk=batch.pk).update(status=status, **by)
    if not claimed:
        what = "a dry run" if status == ImportStatus.VALIDATING else "the import (run the dry run first)"
        raise ImportCommitError(f"This import is {batch.get_status_display().lower()}: it cannot start {what}.")
    batch.status = status
    batch.updated_by = by.get("updated_by", batch.updated_by)
    return batch


def batch_commit(*, batch: ImportBatch, progress: Callable | None = None) -> ImportBatch:
    """Plan again against the current data, then write every row or none. Needs ``batch_start(COMMITTING)``.

    Raises ``ImportCommitError`` (the batch is then marked failed with the reason) when a row now has an
    error or the database refuses a write; the writes are rolled back as one.
    """
    tenant = get_current_tenant()
    try:
        plan = plan_batch(batch, progress)
        counts = plan.counts
        if counts["error"]:
            raise ImportCommitError(
                f"{counts['error']} row(s) have errors now (the data changed since the dry run): "
                "run the dry run again. Nothing was written."
            )
        try:
            # The rows and the batch's "committed" in one transaction: a worker lost in between leaves neither.
            with tenant_transaction(tenant):
                written = write_plan(kind=batch.kind, plan=plan, reason=f"CSV import #{batch.pk}")
                if batch.kind == ImportKind.ACCOUNTS:
                    services.log_status_changes(plan.status_changes)
                if batch.kind == ImportKind.ACCOUNTS and any(written.values()):
                    account_ids = [account.pk for account in plan.creates + plan.updates]
                    events.accounts_changed.send(Account, account_ids=account_ids, fields=None)
                if batch.kind == ImportKind.OPPORTUNITIES:
                    won = [deal for deal in plan.creates if deal.stage == OpportunityStage.CLOSED_WON]
                    services.won_deals_make_customers(won)
                report = {**report_from_plan(plan), "written": written}
                return _set(batch, status=ImportStatus.COMMITTED, report=report, error="", committed_at=timezone.now())
        except (DatabaseError, ValidationError) as error:
            raise ImportCommitError(f"The import was rolled back, nothing was written: {error}".strip()) from error
    except ImportCommitError as error:
        _set(batch, status=ImportStatus.FAILED, error=str(error))
        raise


def report_preview(report: dict, per_outcome: int = PREVIEW_ROWS) -> dict[str, list[dict]]:
    """The first rows of each outcome, for the page."""
    preview = {outcome: [] for outcome in OUTCOMES}
    for result in report.get("rows", []):
        rows = preview[result["outcome"]]
        if len(rows) < per_outcome:
            rows.append(result)
    return preview


def batch_fail(*, batch: ImportBatch, error: str) -> ImportBatch:
    return _set(batch, status=ImportStatus.FAILED, error=error[:5000])


def batches_fail_with_jobs(*, job_ids, error: str) -> int:
    """An import in progress follows its job: failed with the job's reason (the stalled-job sweep, a worker lost
    too often), so it can be started again."""
    with tenant_transaction(get_current_tenant()):
        return ImportBatch.objects.filter(job_id__in=job_ids, status__in=RUNNING_STATES).update(
            status=ImportStatus.FAILED, error=error[:5000], updated_at=timezone.now()
        )


DELETED_ERROR = "The import was deleted."


@transaction.atomic
def batch_delete(*, batch: ImportBatch) -> None:
    """Delete the import; its job, if not started yet, fails saying so (its message then finds nothing to do)."""
    job = Job.objects.filter(pk=batch.job_id, status=JobStatus.QUEUED).first() if batch.job_id else None
    batch.delete()
    if job is not None:
        job_fail(job=job, error=DELETED_ERROR)


def batch_run(*, batch: ImportBatch, phase: str) -> ImportBatch:
    """The dry run (``phase="dry_run"``) or the commit (``"commit"``): in this request for files of up to
    ``IMPORT_SYNC_LIMIT`` rows, else as a background job (written with the request's transaction, sent to the
    broker when it commits) whose progress is on ``batch.job``."""
    if phase not in ("dry_run", "commit"):
        raise ValueError(phase)
    batch_start(batch=batch, status=ImportStatus.COMMITTING if phase == "commit" else ImportStatus.VALIDATING)
    if not is_large(batch):
        return batch_commit(batch=batch) if phase == "commit" else batch_dry_run(batch=batch)
    from .tasks import IMPORT_JOB_KIND, import_batch_run

    job = job_create(kind=IMPORT_JOB_KIND, total=2 * batch.row_count, task=import_batch_run, args=(batch.pk, phase))
    return _set(batch, job=job)

"""The canonical data model: every table, field, dtype and vocabulary, in one place.

Everything else in the kit (the demo generator, intake, diagnostics, the docs) reads the
model from here. A table is a tuple of :class:`Field` specifications; :func:`table_schema`
turns one into a declarative :mod:`pandera` schema, so validation is generated from the same
specification the documentation is generated from. pandera is optional (``pip install
"crm-adoption-kit[validate]"``): intake types and checks every table itself, so the kit
imports pandera only when :func:`table_schema` or :func:`validate_table` is called, to check
a dataset prepared outside the kit.

One module, though long: the model is one declaration (most of its length is the field
tables themselves), and one place is its point.

Examples
--------
>>> from kit.schema import TABLES, table_schema
>>> [f.name for f in TABLES["logins"].fields]
['user_id', 'login_at']
>>> table_schema("users").name
'users'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from kit.exceptions import SchemaError
from kit.sections import section_title

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = [
    "ACTIVITY_TYPES",
    "CAMPAIGN_CHANNELS",
    "CONTACT_TYPES",
    "CONVERSATION_TYPES",
    "LEAD_SOURCES",
    "LIFECYCLE_STAGES",
    "LOAN_PURPOSES",
    "OPEN_STAGES",
    "OPPORTUNITY_STATUSES",
    "REQUIRED_TABLES",
    "ROLES",
    "STAGES",
    "TABLES",
    "Field",
    "Table",
    "empty_table",
    "label",
    "table_schema",
    "validate_table",
]

# --------------------------------------------------------------------------- vocabularies
#: Roles a CRM user can hold. Only producers (loan officers) are scored on adoption.
ROLES: tuple[str, ...] = ("producer", "manager", "processor", "assistant", "other")

#: Pipeline stages of a loan, in order. ``lost`` can follow any open stage.
STAGES: tuple[str, ...] = (
    "new_lead",
    "pre_approval",
    "application",
    "processing",
    "underwriting",
    "clear_to_close",
    "funded",
    "lost",
)
#: Stages of a loan that is still being worked.
OPEN_STAGES: tuple[str, ...] = STAGES[:6]

OPPORTUNITY_STATUSES: tuple[str, ...] = ("open", "won", "lost")

#: Who a contact is to the team.
CONTACT_TYPES: tuple[str, ...] = ("lead", "past_client", "referral_partner", "other")

#: Marketing lifecycle stage of a contact (what automation keys its messages on).
LIFECYCLE_STAGES: tuple[str, ...] = (
    "lead",
    "prospect",
    "applicant",
    "customer",
    "past_client",
    "partner",
    "other",
)

LEAD_SOURCES: tuple[str, ...] = (
    "zillow",
    "lendingtree",
    "realtor_referral",
    "past_client",
    "website",
    "bankrate",
    "builder",
    "self_generated",
    "other",
)

ACTIVITY_TYPES: tuple[str, ...] = ("call", "email", "text", "meeting", "note", "task")
#: Activity types that are conversations: they should carry an outcome and a next step.
CONVERSATION_TYPES: tuple[str, ...] = ("call", "meeting")

LOAN_PURPOSES: tuple[str, ...] = ("purchase", "refinance", "cash_out_refinance", "heloc", "other")
CAMPAIGN_CHANNELS: tuple[str, ...] = ("email", "text", "direct_mail", "social", "web", "other")

_LABELS: dict[str, str] = {
    "new_lead": "New lead",
    "pre_approval": "Pre-approval",
    "clear_to_close": "Clear to close",
    "lendingtree": "LendingTree",
    "realtor_referral": "Realtor referral",
    "self_generated": "Self-generated",
    "past_client": "Past client",
    "referral_partner": "Referral partner",
    "cash_out_refinance": "Cash-out refinance",
    "heloc": "HELOC",
    "direct_mail": "Direct mail",
}


def label(code: object) -> str:
    """Return the human label of a vocabulary code.

    >>> label("realtor_referral")
    'Realtor referral'
    >>> label("underwriting")
    'Underwriting'
    """
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return "(blank)"
    text = str(code)
    return _LABELS.get(text, text.replace("_", " ").capitalize())


# --------------------------------------------------------------------------- specification
Kind = Literal["id", "string", "category", "datetime", "float", "bool"]

_DTYPES: dict[str, object] = {
    "id": pd.StringDtype("pyarrow", na_value=float("nan")),
    "string": pd.StringDtype("pyarrow", na_value=float("nan")),
    "category": "category",
    "datetime": "datetime64[us]",
    "float": "float64",
    "bool": "boolean",
}


@dataclass(frozen=True)
class Field:
    """One field of a canonical table.

    Parameters
    ----------
    name
        Canonical column name.
    kind
        ``id`` (string key), ``string``, ``category`` (low-cardinality string),
        ``datetime`` (naive local timestamp), ``float`` or ``bool``.
    required
        The column must be present and non-blank on every row that is kept.
    description
        What the field means, in mortgage terms.
    vocabulary
        Allowed values for ``category`` fields with a closed vocabulary.
    unique
        Whether values identify a row (primary key).
    pii
        Borrower personal data: masked in leader reports.
    references
        ``"table.field"`` this field points at (foreign key).
    sections
        Report sections that need the field.
    """

    name: str
    kind: Kind
    required: bool = False
    description: str = ""
    vocabulary: tuple[str, ...] | None = None
    unique: bool = False
    pii: bool = False
    references: str | None = None
    sections: tuple[str, ...] = ()

    @property
    def dtype(self) -> object:
        """The pandas dtype a clean column of this field has."""
        return _DTYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """A canonical table: its name, purpose and fields."""

    name: str
    description: str
    fields: tuple[Field, ...]
    required: bool = False
    sections: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str | None:
        """Name of the primary-key field, if the table has one."""
        return next((f.name for f in self.fields if f.unique), None)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def dtypes(self) -> dict[str, object]:
        return {f.name: f.dtype for f in self.fields}


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "users",
            "Everyone with a CRM seat. Team is the unit a report is rendered for.",
            required=True,
            sections=("all",),
            fields=(
                Field("user_id", "id", True, "The CRM's user id.", unique=True),
                Field("name", "string", True, "The person's display name (staff, not borrower)."),
                Field("team", "category", True, "Team or branch the person reports into."),
                Field("role", "category", True, "What the person does.", vocabulary=ROLES),
                Field(
                    "active",
                    "bool",
                    description="Whether the seat is still active.",
                    sections=("seat_roi",),
                ),
                Field(
                    "seat_start",
                    "datetime",
                    description="When the seat was first paid for.",
                    sections=("seat_roi",),
                ),
            ),
        ),
        Table(
            "contacts",
            "Borrowers, leads, past clients and referral partners in the CRM.",
            sections=("follow_up", "relationships", "marketing", "data_quality"),
            fields=(
                Field("contact_id", "id", True, "The CRM's contact id.", unique=True),
                Field(
                    "created_at",
                    "datetime",
                    True,
                    "When the contact entered the CRM.",
                    sections=("follow_up",),
                ),
                Field(
                    "owner_id",
                    "id",
                    description="Producer who owns the relationship.",
                    references="users.user_id",
                    sections=("relationships", "follow_up"),
                ),
                Field(
                    "contact_type",
                    "category",
                    description="Lead, past client or partner.",
                    vocabulary=CONTACT_TYPES,
                    sections=("relationships", "follow_up"),
                ),
                Field(
                    "lead_source",
                    "category",
                    description="Where the contact came from.",
                    vocabulary=LEAD_SOURCES,
                    sections=("marketing", "compliance"),
                ),
                Field(
                    "lifecycle_stage",
                    "category",
                    description="Marketing lifecycle stage.",
                    vocabulary=LIFECYCLE_STAGES,
                    sections=("marketing",),
                ),
                Field(
                    "referred_by",
                    "id",
                    description="Referral partner who sent the contact.",
                    references="contacts.contact_id",
                    sections=("relationships",),
                ),
                Field(
                    "campaign_id",
                    "id",
                    description="Automation campaign the contact is in.",
                    references="campaigns.campaign_id",
                    sections=("marketing",),
                ),
                Field("first_name", "string", description="Borrower first name.", pii=True),
                Field("last_name", "string", description="Borrower last name.", pii=True),
                Field(
                    "email",
                    "string",
                    description="Borrower email.",
                    pii=True,
                    sections=("data_quality",),
                ),
                Field(
                    "phone",
                    "string",
                    description="Borrower phone.",
                    pii=True,
                    sections=("data_quality",),
                ),
            ),
        ),
        Table(
            "opportunities",
            "The CRM's pipeline: one row per loan being worked.",
            sections=("pipeline", "marketing", "shadow_pipeline"),
            fields=(
                Field("opportunity_id", "id", True, "The CRM's opportunity id.", unique=True),
                Field(
                    "owner_id",
                    "id",
                    True,
                    "Producer who owns the loan.",
                    references="users.user_id",
                ),
                Field("created_at", "datetime", True, "When the loan entered the pipeline."),
                Field("stage", "category", True, "Current pipeline stage.", vocabulary=STAGES),
                Field(
                    "contact_id",
                    "id",
                    description="The borrower.",
                    references="contacts.contact_id",
                ),
                Field(
                    "stage_changed_at",
                    "datetime",
                    description="Last time the stage moved.",
                    sections=("pipeline",),
                ),
                Field(
                    "status",
                    "category",
                    description="Open, won or lost.",
                    vocabulary=OPPORTUNITY_STATUSES,
                ),
                Field("amount", "float", description="Loan amount in dollars."),
                Field(
                    "loan_purpose",
                    "category",
                    description="Purchase, refinance, ...",
                    vocabulary=LOAN_PURPOSES,
                ),
                Field(
                    "lead_source",
                    "category",
                    description="Source of the loan's lead.",
                    vocabulary=LEAD_SOURCES,
                    sections=("marketing",),
                ),
                Field("closed_at", "datetime", description="When the loan funded or was lost."),
                Field(
                    "loan_number",
                    "id",
                    description="The LOS loan number, for reconciliation.",
                    sections=("shadow_pipeline",),
                ),
                Field(
                    "expected_close_date",
                    "datetime",
                    description="When the loan is expected to close: the CRM's close date "
                    "while the loan is open (Salesforce CloseDate, HubSpot Close Date). Read "
                    "only on open loans; never an event.",
                    sections=("pipeline",),
                ),
            ),
        ),
        Table(
            "stage_history",
            "Every stage change of every opportunity.",
            sections=("pipeline",),
            fields=(
                Field(
                    "opportunity_id",
                    "id",
                    True,
                    "The loan whose stage changed.",
                    references="opportunities.opportunity_id",
                ),
                Field("stage", "category", True, "Stage entered.", vocabulary=STAGES),
                Field("changed_at", "datetime", True, "When it changed."),
                Field(
                    "changed_by", "id", description="Who changed it.", references="users.user_id"
                ),
            ),
        ),
        Table(
            "activities",
            "Logged work: calls, emails, texts, meetings, notes, tasks (human or automated).",
            sections=("adoption", "follow_up", "relationships", "scorecard"),
            fields=(
                Field("activity_id", "id", True, "The CRM's activity id.", unique=True),
                Field(
                    "user_id",
                    "id",
                    True,
                    "Who did (or whose automation sent) it.",
                    references="users.user_id",
                ),
                Field("type", "category", True, "Kind of activity.", vocabulary=ACTIVITY_TYPES),
                Field("occurred_at", "datetime", True, "When it happened."),
                Field(
                    "contact_id",
                    "id",
                    description="Who it was with.",
                    references="contacts.contact_id",
                ),
                Field(
                    "opportunity_id",
                    "id",
                    description="Loan it concerns.",
                    references="opportunities.opportunity_id",
                ),
                Field(
                    "logged_at",
                    "datetime",
                    description="When it was entered in the CRM.",
                    sections=("data_quality",),
                ),
                Field("outcome", "string", description="What happened on the conversation."),
                Field("next_step", "string", description="What happens next."),
                Field("next_step_due", "datetime", description="When the next step is due."),
                Field("notes", "string", description="Free text (may hold borrower details)."),
                Field("automated", "bool", description="Sent by a workflow, not a person."),
                Field(
                    "campaign_id",
                    "id",
                    description="Campaign that sent it.",
                    references="campaigns.campaign_id",
                ),
            ),
        ),
        Table(
            "campaigns",
            "Marketing automation campaigns.",
            sections=("marketing",),
            fields=(
                Field("campaign_id", "id", True, "The campaign id.", unique=True),
                Field("name", "string", description="Campaign name."),
                Field(
                    "channel",
                    "category",
                    description="Email, text, mail, ...",
                    vocabulary=CAMPAIGN_CHANNELS,
                ),
                Field("started_at", "datetime", description="When it started sending."),
            ),
        ),
        Table(
            "los_loans",
            "Loans from the loan origination system: ground truth to reconcile the CRM against.",
            sections=("shadow_pipeline",),
            fields=(
                Field("loan_number", "id", True, "LOS loan number.", unique=True),
                Field(
                    "officer_id",
                    "id",
                    description="Loan officer (CRM user id).",
                    references="users.user_id",
                ),
                Field("application_date", "datetime", description="Application date."),
                Field("funded_date", "datetime", description="Funding date (blank if not funded)."),
                Field("amount", "float", description="Loan amount in dollars."),
                Field("purpose", "category", description="Loan purpose.", vocabulary=LOAN_PURPOSES),
                Field(
                    "lead_source",
                    "category",
                    description="Lead source in the LOS.",
                    vocabulary=LEAD_SOURCES,
                ),
            ),
        ),
        Table(
            "logins",
            "CRM logins: presence, which is not the same as usage.",
            sections=("presence",),
            fields=(
                Field("user_id", "id", True, "Who logged in.", references="users.user_id"),
                Field("login_at", "datetime", True, "When."),
            ),
        ),
    )
}

#: Tables every assessment needs. Every other table is optional: a report section whose
#: inputs are missing says "not assessed" instead of failing.
REQUIRED_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.required)


# --------------------------------------------------------------------------- pandera
def _pandera() -> Any:
    try:
        import pandera.pandas
    except ImportError:
        raise SchemaError(
            "validating a table against the canonical model needs pandera: "
            'pip install "crm-adoption-kit[validate]"'
        ) from None
    return pandera.pandas


def _column(f: Field) -> pa.Column:
    pa = _pandera()
    checks = []
    if f.vocabulary is not None:
        checks.append(
            pa.Check.isin(
                list(f.vocabulary), error=f"{f.name} must be one of {', '.join(f.vocabulary)}"
            )
        )
    return pa.Column(
        f.dtype,
        checks=checks,
        nullable=not f.required,
        unique=f.unique,
        required=f.required,
        description=f.description,
        title=f.name,
    )


def table_schema(name: str) -> pa.DataFrameSchema:
    """Return the pandera schema of canonical table ``name``.

    Required fields must exist and be non-null; optional fields are checked only when
    present; unknown columns are allowed (intake drops them before writing).
    """
    try:
        table = TABLES[name]
    except KeyError:
        raise SchemaError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}") from None
    pa = _pandera()
    return pa.DataFrameSchema(
        {f.name: _column(f) for f in table.fields},
        name=name,
        strict=False,
        coerce=False,
        description=table.description,
    )


def validate_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` against table ``name``, collecting every problem at once.

    Raises
    ------
    SchemaError
        With one line per problem naming the table, the field, the check and up to five
        example values.
    """
    schema = table_schema(name)
    try:
        return schema.validate(frame, lazy=True)
    except _pandera().errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = []
        for (column, check), group in cases.groupby(["column", "check"], sort=True, dropna=False):
            examples = ", ".join(repr(v) for v in group["failure_case"].head(5).tolist())
            lines.append(f"{name}.{column}: {check} (e.g. {examples})")
        raise SchemaError(
            f"table {name!r} does not match the canonical model:\n  " + "\n  ".join(lines)
        ) from None


def empty_table(name: str) -> pd.DataFrame:
    """Return an empty frame with the columns and dtypes of table ``name``."""
    table = TABLES[name]
    return pd.DataFrame({f.name: pd.Series(dtype=f.dtype) for f in table.fields})


# --------------------------------------------------------------------------- documentation
_KIND_TEXT = {
    "id": "text id",
    "string": "text",
    "category": "one of a list",
    "datetime": "date/time",
    "float": "number",
    "bool": "yes/no",
}


def data_model_markdown() -> str:
    """Render the canonical data model as the Markdown of ``docs/data-model.md``.

    The document is generated from :data:`TABLES`, so it cannot drift from the code:
    ``python -m kit.schema > docs/data-model.md`` regenerates it and a test compares them.
    """
    out = [
        "# The canonical data model",
        "",
        "<!-- Generated from kit/schema.py by `python -m kit.schema > docs/data-model.md`. "
        "Do not edit by hand. -->",
        "",
        "A client's export is turned into these tables by `adoption-kit intake` (with a "
        "mapping file when the column names differ, see [mapping.md](mapping.md)). Only "
        "**users** is required. Every other table is optional: a report section whose inputs "
        "are missing says *not assessed: no X provided* instead of failing, so send what the "
        "client has.",
        "",
        "Preparing an export: one file (CSV, Excel sheet or Parquet) per table; one row per "
        "record; dates in one consistent format; the same user ids in every table. Fields "
        "marked **required** must be present and filled in: rows without them are excluded "
        "and listed with the reason. Vocabulary values are matched ignoring case, spaces and "
        "punctuation (`Clear To Close` = `clear_to_close`); anything else is recorded as a "
        "data-quality fact, never silently dropped.",
        "",
        "Borrower personal data (PII) is marked: it is used only to find duplicate contacts "
        "and never appears in a leader report.",
        "",
        "## Tables at a glance",
        "",
        "| table | required | what it is | report sections |",
        "| --- | --- | --- | --- |",
    ]
    for t in TABLES.values():
        sections = ", ".join(section_title(s) for s in t.sections)
        out.append(
            f"| [{t.name}](#{t.name}) | {'yes' if t.required else 'no'} | {t.description} "
            f"| {sections} |"
        )
    for t in TABLES.values():
        out += ["", f"## {t.name}", "", t.description, ""]
        if t.key:
            out += [f"Key: `{t.key}` (unique).", ""]
        out += [
            "| field | type | required | meaning | needed for |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in t.fields:
            notes = []
            if f.references:
                notes.append(f"refers to `{f.references}`")
            if f.pii:
                notes.append("borrower PII")
            meaning = f.description + (f" ({'; '.join(notes)})" if notes else "")
            kind = _KIND_TEXT[f.kind]
            if f.vocabulary:
                kind += ": " + ", ".join(f"`{v}`" for v in f.vocabulary)
            needed = ", ".join(section_title(s) for s in f.sections) or "-"
            out.append(
                f"| `{f.name}` | {kind} | {'**required**' if f.required else ''} | {meaning} "
                f"| {needed} |"
            )
    out += [
        "",
        "## Vocabulary labels",
        "",
        "Reports show codes with human labels: "
        + ", ".join(f"`{k}` = {v}" for k, v in sorted(_LABELS.items()))
        + ". Other codes are shown capitalized with spaces.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(data_model_markdown(), end="")

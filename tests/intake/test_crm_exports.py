# ruff: noqa: E501  (the fixtures are export files, one record a line)
"""Real CRM exports read with no hand work: a Salesforce Setup > Data Export folder, a
Salesforce report export and HubSpot "All contacts" / "All deals" view exports.

The fixtures are small and written here, in the shapes of genuine exports: API-name headers
in quotes, Windows-1252 text and CRLF line ends, 0/1 booleans, 18-character ids and the
``000000000000000AAA`` "no link" placeholder, UTC times without a zone, blank Task ``Type``
and no ``TaskSubtype``, the role hierarchy in ``UserRole.csv``, system users, amount-only
rows in ``OpportunityHistory``, several currencies; HubSpot's owner names, no users file and
the columns default views leave out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kit.exceptions import InputError
from kit.intake import read_export, summarize
from kit.intake._ids import salesforce_18

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- Salesforce
SF_USER = """\
"Id","Username","LastName","FirstName","Name","CompanyName","Department","Title","IsActive","UserRoleId","ManagerId","UserType","CreatedDate","LastLoginDate"
"0055e000001AAAAAAA","ana@acme.example","Ruiz","Ana","Ana Ruiz","Acme","","Loan Officer","1","00E5e000000RRR1AAA","0055e000001DDDDAAA","Standard","2022-01-10 14:00:00","2023-03-01 09:00:00"
"0055e000001BBBBAAA","jose@acme.example","Peña","José","José Peña","Acme","","Loan Officer","1","00E5e000000RRR1AAA","0055e000001DDDDAAA","Standard","2022-01-10 14:00:00",""
"0055e000001CCCCAAA","cy@acme.example","Park","Cy","Cy Park","Acme","Ventas","Loan Officer","0","00E5e000000RRR2AAA","","Standard","2022-02-01 14:00:00",""
"0055e000001DDDDAAA","dee@acme.example","Fox","Dee","Dee Fox","Acme","","Sales Director","1","00E5e000000RRR3AAA","","Standard","2021-06-01 14:00:00",""
"0055e000001EEEEAAA","autoproc@00d5e.example","Process","Automated","Automated Process","","","","1","","","AutomatedProcess","2021-01-01 00:00:00",""
"0055e000001FFFFAAA","chatter@00d5e.example","Expert","Chatter","Chatter Expert","","","","1","","","CsnOnly","2021-01-01 00:00:00",""
"""
SF_ROLE = """\
"Id","Name","ParentRoleId","RollupDescription","OpportunityAccessForAccountOwner","LastModifiedDate"
"00E5e000000RRR1AAA","Ventas Norte","00E5e000000RRR3AAA","Ventas Norte","Edit","2021-06-01 14:00:00"
"00E5e000000RRR2AAA","Ventas Sur","00E5e000000RRR3AAA","Ventas Sur","Edit","2021-06-01 14:00:00"
"00E5e000000RRR3AAA","Dirección Comercial","","Dirección Comercial","Edit","2021-06-01 14:00:00"
"""
SF_LEAD = """\
"Id","IsDeleted","LastName","FirstName","Name","Company","Status","LeadSource","OwnerId","IsConverted","CreatedDate","Email","Phone"
"00Q5e000001L001AAA","0","Lopez","Lu","Lu Lopez","-","Working","Web","0055e000001AAAAAAA","0","2023-03-01 10:00:00","lu@example.org",""
"00Q5e000001L002AAA","0","Ng","Mo","Mo Ng","-","Nurturing","Web","0055e000001BBBBAAA","0","2023-03-02 10:00:00","",""
"00Q5e000001L003AAA","0","Ode","Ike","Ike Ode","-","New","Other","0055e000001AAAAAAA","0","2023-03-03 10:00:00","",""
"00Q5e000001L004AAA","0","Paz","Ema","Ema Paz","-","Qualified","Web","0055e000001CCCCAAA","1","2023-03-04 10:00:00","",""
"""
SF_CONTACT = """\
"Id","IsDeleted","MasterRecordId","AccountId","LastName","FirstName","Name","Email","OwnerId","CreatedDate","LeadSource"
"0035e000001C001AAA","0","","0015e000001A001AAA","Paz","Ema","Ema Paz","ema@example.org","0055e000001CCCCAAA","2023-03-05 10:00:00","Web"
"""
SF_OPPORTUNITY = """\
"Id","IsDeleted","AccountId","Name","StageName","Amount","Probability","CloseDate","Type","LeadSource","IsClosed","IsWon","ForecastCategory","CurrencyIsoCode","ContactId","OwnerId","CreatedDate","LastStageChangeDate"
"0065e000001O001AAA","0","0015e000001A001AAA","Paz purchase","Cerrada ganada","300000","100","2023-04-20","New Customer","Web","1","1","Closed","USD","0035e000001C001AAA","0055e000001CCCCAAA","2023-03-06 15:04:05","2023-04-20 16:00:00"
"0065e000001O002AAA","0","000000000000000AAA","Lopez refi","Propuesta","200000","75","2023-05-30","","Web","0","0","Pipeline","USD","000000000000000AAA","0055e000001AAAAAAA","2023-03-07 15:04:05",""
"0065e000001O003AAA","0","000000000000000AAA","Ng purchase","Prospección","100000","10","2023-06-30","","","0","0","Pipeline","USD","000000000000000AAA","0055e000001BBBBAAA","2023-03-08 15:04:05",""
"0065e000001O004AAA","0","000000000000000AAA","Ode purchase","Cerrada perdida","50000","0","2023-04-01","","","1","0","Omitted","EUR","000000000000000AAA","0055e000001AAAAAAA","2023-03-09 15:04:05",""
"""
SF_HISTORY = """\
"Id","OpportunityId","CreatedById","CreatedDate","StageName","Amount","ExpectedRevenue","CloseDate","Probability","ForecastCategory","SystemModstamp","IsDeleted"
"0085e000001H001AAA","0065e000001O001AAA","0055e000001CCCCAAA","2023-03-06 15:04:05","Prospección","250000","25000","2023-05-30","10","Pipeline","2023-03-06 15:04:05","0"
"0085e000001H002AAA","0065e000001O001AAA","0055e000001CCCCAAA","2023-03-10 09:00:00","Prospección","300000","30000","2023-05-30","10","Pipeline","2023-03-10 09:00:00","0"
"0085e000001H003AAA","0065e000001O001AAA","0055e000001CCCCAAA","2023-03-20 09:00:00","Propuesta","300000","225000","2023-05-30","75","Pipeline","2023-03-20 09:00:00","0"
"0085e000001H004AAA","0065e000001O001AAA","0055e000001CCCCAAA","2023-04-02 09:00:00","Propuesta","300000","225000","2023-04-20","75","Pipeline","2023-04-02 09:00:00","0"
"0085e000001H005AAA","0065e000001O001AAA","0055e000001CCCCAAA","2023-04-20 16:00:00","Cerrada ganada","300000","300000","2023-04-20","100","Closed","2023-04-20 16:00:00","0"
"0085e000001H006AAA","0065e000001O002AAA","0055e000001AAAAAAA","2023-03-07 15:04:05","Propuesta","200000","150000","2023-05-30","75","Pipeline","2023-03-07 15:04:05","0"
"""
# Data Export: Type blank, no TaskSubtype column; the Subject tells what the task was.
SF_TASK = """\
"Id","WhoId","WhatId","Subject","ActivityDate","Status","Priority","OwnerId","Description","Type","IsDeleted","AccountId","IsClosed","CreatedDate","CallDisposition"
"00T5e000001T001AAA","00Q5e000001L001AAA","000000000000000AAA","Email: Rate sheet","2023-03-10","Completed","Normal","0055e000001AAAAAAA","","","0","","1","2023-03-10 15:00:00",""
"00T5e000001T002AAA","00Q5e000001L002AAA","000000000000000AAA","List Email: March newsletter","2023-03-10","Completed","Normal","0055e000001BBBBAAA","","","0","","1","2023-03-10 16:00:00",""
"00T5e000001T003AAA","00Q5e000001L001AAA","0065e000001O002AAA","Call","2023-03-11","Completed","Normal","0055e000001AAAAAAA","","","0","","1","2023-03-11 15:00:00","Left voicemail"
"00T5e000001T004AAA","000000000000000AAA","000000000000000AAA","Follow up docs","2023-03-12","Not Started","Normal","0055e000001CCCCAAA","","","0","","0","2023-03-12 15:00:00",""
"00T5e000001T005AAA","0035e000001C001AAA","0065e000001O001AAA","","2023-03-13","Completed","Normal","0055e000001CCCCAAA","","","0","","1","2023-03-13 15:00:00",""
"00T5e000001T006AAA","0035e000001C001AAA","0065e000001O001AAA","Mass Email: Spring rates","2023-03-14","Completed","Normal","0055e000001CCCCAAA","","","0","","1","2023-03-14 15:00:00",""
"""
SF_EVENT = """\
"Id","WhoId","WhatId","Subject","Location","IsAllDayEvent","ActivityDateTime","ActivityDate","DurationInMinutes","StartDateTime","EndDateTime","Description","AccountId","OwnerId","Type","CreatedDate"
"00U5e000001E001AAA","0035e000001C001AAA","0065e000001O001AAA","Reunión de cierre","Oficina","0","2023-04-18 17:00:00","2023-04-18","60","2023-04-18 17:00:00","2023-04-18 18:00:00","","","0055e000001CCCCAAA","","2023-04-10 12:00:00"
"""
SF_ACCOUNT = """\
"Id","IsDeleted","Name","Type","OwnerId","CreatedDate"
"0015e000001A001AAA","0","Paz household","Customer","0055e000001CCCCAAA","2023-03-05 10:00:00"
"""
SF_EXPORT = {
    "User.csv": SF_USER,
    "UserRole.csv": SF_ROLE,
    "Lead.csv": SF_LEAD,
    "Contact.csv": SF_CONTACT,
    "Opportunity.csv": SF_OPPORTUNITY,
    "OpportunityHistory.csv": SF_HISTORY,
    "Task.csv": SF_TASK,
    "Event.csv": SF_EVENT,
    "Account.csv": SF_ACCOUNT,
}
#: the client's own stage names: the one thing a consultant supplies
CLIENT = """\
extends: salesforce
timezone: America/Chicago
values:
  stage:
    Prospección: new_lead
    Propuesta: application
    Cerrada ganada: funded
    Cerrada perdida: lost
"""

USERS = {
    "0055e000001AAAAAAA": ("Ana Ruiz", "Ventas Norte", "producer", True),
    "0055e000001BBBBAAA": ("José Peña", "Ventas Norte", "producer", True),
    "0055e000001CCCCAAA": ("Cy Park", "Ventas Sur", "producer", False),
    "0055e000001DDDDAAA": ("Dee Fox", "Dirección Comercial", "manager", True),
    "0055e000001EEEEAAA": ("Automated Process", "Unassigned", "other", False),
    "0055e000001FFFFAAA": ("Chatter Expert", "Unassigned", "other", False),
}


def write_export(folder: Path, files: dict[str, str], encoding: str = "cp1252") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return folder


def client_mapping(tmp_path: Path, text: str = CLIENT) -> Path:
    path = tmp_path / "client.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sf(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export", SF_EXPORT)


def by_id(frame: pd.DataFrame, key: str) -> dict[str, dict[str, object]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return {row[key]: row for row in clean.to_dict("records")}


def test_salesforce_data_export_users_teams_roles_and_seats(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    users = by_id(ds["users"], "user_id")
    got = {uid: (u["name"], u["team"], u["role"], u["active"]) for uid, u in users.items()}
    assert got == USERS
    notes = ds.manifest["assumptions"]
    assert (
        "users.active: 2 row(s) of User.csv (Automated Process, Chatter Expert) set to no "
        "because UserType is not Standard: AutomatedProcess (1), CsnOnly (1)"
    ) in notes
    # UserRole.csv is read as the team lookup, not reported as a file nobody read
    assert not any("UserRole.csv" in w for w in ds.manifest["warnings"])
    assert "not read (no table in the mapping matches them): Account.csv" in ds.manifest["warnings"]
    assert [f["path"] for f in ds.manifest["lookup_files"]] == ["UserRole.csv"]


def test_salesforce_without_user_role_file_takes_the_manager_as_team(
    tmp_path: Path,
) -> None:
    files = {k: v for k, v in SF_EXPORT.items() if k != "UserRole.csv"}
    export = write_export(tmp_path / "export", files)
    ds = read_export(export, mapping=client_mapping(tmp_path))
    teams = dict(zip(ds["users"]["user_id"], ds["users"]["team"].astype(str), strict=True))
    assert teams["0055e000001AAAAAAA"] == "Dee Fox"  # the manager's name
    assert teams["0055e000001CCCCAAA"] == "Ventas"  # no manager: the department
    assert teams["0055e000001DDDDAAA"] == "Unassigned"
    assert any(
        n.startswith(
            "User.csv: 'UserRoleId' not in the file (or in a file it looks up), so "
            "users.team is read from column 'ManagerId', looked up (Id -> Name)"
        )
        for n in ds.manifest["assumptions"]
    )


def test_salesforce_task_types_from_the_subject_and_list_emails_automated(
    sf: Path, tmp_path: Path
) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    acts = by_id(ds["activities"], "activity_id")
    assert {k: (a["type"], a["automated"]) for k, a in acts.items()} == {
        "00T5e000001T001AAA": ("email", False),
        "00T5e000001T002AAA": ("email", True),
        "00T5e000001T003AAA": ("call", False),
        "00T5e000001T004AAA": ("task", False),
        "00T5e000001T005AAA": ("task", None),  # no subject: a task; automated unknown
        "00T5e000001T006AAA": ("email", True),
        "00U5e000001E001AAA": ("meeting", False),
    }
    assert ds.manifest["tables"]["activities"]["rows_excluded"] == 0
    # the placeholder is no link, not a link to a missing record
    assert acts["00T5e000001T004AAA"]["contact_id"] is None
    assert acts["00T5e000001T003AAA"]["opportunity_id"] == "0065e000001O002AAA"
    assert acts["00T5e000001T001AAA"]["opportunity_id"] is None


def test_salesforce_placeholder_ids_are_blank_not_orphans(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    opps = by_id(ds["opportunities"], "opportunity_id")
    assert [opps[k]["contact_id"] for k in sorted(opps)] == [
        "0035e000001C001AAA",
        None,
        None,
        None,
    ]
    # 510 orphan facts on a real export before: the placeholder pointed at nothing
    assert "orphan_reference" not in set(ds.quality_facts["issue"])


def test_salesforce_utc_times_converted_and_stated(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    opps = by_id(ds["opportunities"], "opportunity_id")
    # 2023-03-06 15:04:05 UTC is 09:04:05 in Chicago (CST, UTC-6, before 12 March)
    assert opps["0065e000001O001AAA"]["created_at"] == pd.Timestamp("2023-03-06 09:04:05")
    # 2023-04-20 16:00 UTC is 11:00 CDT (UTC-5); a closed deal keeps its close date
    assert opps["0065e000001O001AAA"]["stage_changed_at"] == pd.Timestamp("2023-04-20 11:00")
    assert opps["0065e000001O001AAA"]["closed_at"] == pd.Timestamp("2023-04-20")
    assert opps["0065e000001O002AAA"]["closed_at"] is pd.NaT or pd.isna(
        opps["0065e000001O002AAA"]["closed_at"]
    )
    assert (
        "Times written without a time zone are read as UTC (the export's zone) and converted "
        "to the organization's time zone America/Chicago."
    ) in ds.manifest["assumptions"]


def test_salesforce_preset_alone_keeps_utc_and_says_so(tmp_path: Path) -> None:
    files = {"User.csv": SF_USER}
    ds = read_export(write_export(tmp_path / "e", files), mapping="salesforce")
    assert ds["users"]["seat_start"].iloc[0] == pd.Timestamp("2022-01-10 14:00")
    assert any(
        a.startswith(
            "Times written without a time zone are read as UTC (the export's zone) "
            "and kept in UTC: set `timezone:`"
        )
        for a in ds.manifest["assumptions"]
    )


def test_salesforce_stage_history_keeps_only_stage_changes(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    history = ds["stage_history"]
    assert history[["opportunity_id", "stage"]].astype(str).values.tolist() == [
        ["0065e000001O001AAA", "new_lead"],
        ["0065e000001O001AAA", "application"],
        ["0065e000001O001AAA", "funded"],
        ["0065e000001O002AAA", "application"],
    ]
    assert ds.manifest["tables"]["stage_history"] == {
        "rows_read": 6,
        "rows_kept": 4,
        "rows_excluded": 2,
        "sources": ["OpportunityHistory.csv"],
        "absent_fields": [],
    }
    excluded = ds.excluded_rows[ds.excluded_rows["table"] == "stage_history"]
    assert excluded[["row_number", "reason"]].values.tolist() == [
        [
            3,
            "not a stage change: the opportunity was already in stage new_lead "
            "(an edit of its amount or dates)",
        ],
        [
            5,
            "not a stage change: the opportunity was already in stage application "
            "(an edit of its amount or dates)",
        ],
    ]


def test_salesforce_amounts_in_two_currencies_are_never_added(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    amounts = dict(
        zip(ds["opportunities"]["opportunity_id"], ds["opportunities"]["amount"], strict=True)
    )
    assert amounts["0065e000001O001AAA"] == 300000.0
    assert pd.isna(amounts["0065e000001O004AAA"])  # 50,000 EUR is not 50,000 USD
    facts = ds.quality_facts.set_index(["table", "field", "issue"])
    fact = facts.loc[("opportunities", "amount", "other_currency")]
    assert (fact["count"], fact["examples"]) == (1, "EUR (1, total 50,000)")
    assert any(
        a.startswith(
            "opportunities.amount: amounts in more than one currency; 3 in USD kept; "
            "1 in other currencies left blank"
        )
        for a in ds.manifest["assumptions"]
    )


def test_salesforce_amounts_converted_at_declared_rates(sf: Path, tmp_path: Path) -> None:
    mapping = client_mapping(
        tmp_path,
        CLIENT + "tables:\n  opportunities:\n    columns:\n      amount:\n        column: Amount\n"
        "        currency: {column: CurrencyIsoCode, rates: {EUR: 1.1}, to: USD}\n",
    )
    ds = read_export(sf, mapping=mapping)
    amounts = dict(
        zip(ds["opportunities"]["opportunity_id"], ds["opportunities"]["amount"], strict=True)
    )
    assert amounts["0065e000001O004AAA"] == pytest.approx(55000.0)
    assert "other_currency" not in set(ds.quality_facts["issue"])
    assert any(
        "1 converted to USD at the mapping's rates (EUR (1); rates EUR 1.1)" in a
        for a in ds.manifest["assumptions"]
    )


def test_salesforce_lead_status_defaults_are_understood(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    contacts = by_id(ds["contacts"], "contact_id")
    assert [contacts[f"00Q5e000001L00{i}AAA"]["lifecycle_stage"] for i in range(1, 5)] == [
        "prospect",
        "prospect",
        "lead",
        "applicant",
    ]
    bad = ds.quality_facts[ds.quality_facts["issue"] == "invalid_value"]
    assert "lifecycle_stage" not in set(bad["field"])


def test_salesforce_preset_alone_places_unknown_stages_and_says_how(sf: Path) -> None:
    ds = read_export(sf, mapping="salesforce")
    stages = dict(
        zip(
            ds["opportunities"]["opportunity_id"],
            ds["opportunities"]["stage"].astype(str),
            strict=True,
        )
    )
    assert stages == {
        "0065e000001O001AAA": "funded",  # Cerrada ganada: IsClosed 1, IsWon 1
        "0065e000001O002AAA": "processing",  # Propuesta: open at 75%
        "0065e000001O003AAA": "new_lead",  # Prospección: open at 10%
        "0065e000001O004AAA": "lost",  # Cerrada perdida: IsClosed 1, IsWon 0
    }
    assert ds["stage_history"]["stage"].astype(str).tolist() == [
        "new_lead",
        "processing",
        "funded",
        "processing",
    ]
    assert (
        "opportunities.stage: 4 stage name(s) not in the mapping placed from IsClosed, IsWon, "
        "Probability: 'Cerrada ganada' (1 row, closed and won) -> funded; 'Cerrada perdida' "
        "(1 row, closed, not won) -> lost; 'Propuesta' (1 row, open at 75%) -> processing; "
        "'Prospección' (1 row, open at 10%) -> new_lead. Put them under `values: stage:` to "
        "place them yourself."
    ) in ds.manifest["assumptions"]
    assert "invalid_value" not in set(ds.quality_facts["issue"])


def test_salesforce_stages_with_no_evidence_stop_with_the_fix(tmp_path: Path) -> None:
    opportunity = "\n".join(
        ",".join(f for i, f in enumerate(line.split(",")) if i not in (6, 10, 11))
        for line in SF_OPPORTUNITY.splitlines()
    )
    files = {"User.csv": SF_USER, "Opportunity.csv": opportunity + "\n"}
    with pytest.raises(InputError) as info:
        read_export(write_export(tmp_path / "e", files), mapping="salesforce")
    text = str(info.value)
    assert "translate them in the mapping under `values: stage:`" in text
    assert "'Propuesta'" in text


def test_salesforce_export_every_row_accounted_for(sf: Path, tmp_path: Path) -> None:
    ds = read_export(sf, mapping=client_mapping(tmp_path))
    tables = ds.manifest["tables"]
    assert {t: (c["rows_read"], c["rows_kept"]) for t, c in tables.items()} == {
        "users": (6, 6),
        "contacts": (5, 5),
        "opportunities": (4, 4),
        "stage_history": (6, 4),
        "activities": (7, 7),
    }
    assert len(ds.excluded_rows) == 2
    assert ds.manifest["mapping"]["extends"] == ["preset:salesforce"]


def test_salesforce_15_character_ids_join_18_character_ones() -> None:
    assert salesforce_18("0055e000001AbCd") == "0055e000001AbCdAAK"
    assert salesforce_18("0055e000001AbCdAAK") == "0055e000001AbCdAAK"
    assert salesforce_18("not-an-id") == "not-an-id"


# --------------------------------------------------------------------------- HubSpot
HS_CONTACTS = """\
"Record ID","First Name","Last Name","Email","Phone Number","Contact owner","Primary Associated Company ID","Last Activity Date","Lead Status","Marketing contact status","Create Date"
"101","Lu","Lopez","lu@example.org","","Ana Ruiz","","2024-02-01 10:00","New","Non-marketing contact","2024-01-05 09:00"
"102","Mo","Ng","mo@example.org","+1 555 0102","Ben Ode","","","In Progress","Non-marketing contact","2024-01-06 09:00"
"103","Ike","Ode","","","","","","Open Deal","Non-marketing contact","2024-01-07 09:00"
"104","Ema","Paz","ema@example.org","","Ana Ruiz","","2024-02-11 16:30","Connected","Marketing contact","2024-01-08 09:00"
"""
HS_DEALS = """\
"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount","Create Date","Pipeline"
"201","Lopez purchase","Closed Won","2024-02-20 12:00","Ana Ruiz","310000","2024-01-10 09:00","Sales Pipeline"
"202","Ng refi","Appointment Scheduled","2024-04-30 12:00","Cy Park","250000","2024-01-11 09:00","Sales Pipeline"
"203","Ode purchase","Contract Sent","","Ben Ode","","2024-01-12 09:00","Sales Pipeline"
"""
HS_EXPORT = {
    "hubspot-crm-exports-all-contacts-2024-03-05.csv": HS_CONTACTS,
    "hubspot-crm-exports-all-deals-2024-03-05.csv": HS_DEALS,
}


@pytest.fixture
def hs(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export", HS_EXPORT, encoding="utf-8-sig")


def test_hubspot_default_views_read_with_users_derived_from_owner_names(hs: Path) -> None:
    ds = read_export(hs, mapping="hubspot")
    users = ds["users"][["user_id", "name", "team", "role"]].astype(str)
    assert users.values.tolist() == [
        ["Ana Ruiz", "Ana Ruiz", "Unassigned", "producer"],
        ["Ben Ode", "Ben Ode", "Unassigned", "producer"],
        ["Cy Park", "Cy Park", "Unassigned", "producer"],
    ]
    assert ds["users"][["active", "seat_start"]].isna().all().all()
    # every owner joins: no orphan owners, and the blank owner stays blank
    assert "orphan_reference" not in set(ds.quality_facts["issue"])
    assert ds["contacts"]["owner_id"].isna().tolist() == [False, False, True, False]
    assert ds.manifest["sources"][0] == {
        "derived_from": ["contacts.owner_id", "opportunities.owner_id", "activities.user_id"],
        "table": "users",
        "rows_read": 3,
        "rows_kept": 3,
        "rows_excluded": 0,
    }
    assert (
        "users: no users file; 3 users derived from the owners in contacts.owner_id, "
        "opportunities.owner_id, activities.user_id, keyed and named as written there; team "
        "column 'HubSpot Team', else 'Unassigned' for everyone; role 'producer' for everyone. "
        "People who own no record are not in the assessment."
    ) in ds.manifest["assumptions"]


def test_hubspot_lead_status_stands_in_for_lifecycle_stage(hs: Path) -> None:
    ds = read_export(hs, mapping="hubspot")
    assert ds["contacts"]["lifecycle_stage"].astype(str).tolist() == [
        "lead",
        "prospect",
        "applicant",
        "prospect",
    ]
    opps = ds["opportunities"]
    assert opps["stage"].astype(str).tolist() == ["funded", "new_lead", "underwriting"]
    assert opps["closed_at"].tolist()[0] == pd.Timestamp("2024-02-20 12:00")
    assert opps["closed_at"].isna().tolist() == [False, True, True]


def test_hubspot_columns_not_in_the_export_are_reported_once_with_their_sections(
    hs: Path, tmp_path: Path
) -> None:
    from kit.intake import intake

    report = intake(hs, tmp_path / "ds", mapping="hubspot")
    absent = [(i["table"], i["field"], i["columns"]) for i in report.manifest["not_in_export"]]
    assert absent == [
        ("contacts", "lead_source", ["Original Source"]),
        ("opportunities", "lead_source", ["Original Source"]),
    ]
    assert report.manifest["not_in_export"][0]["sections"] == [
        "Marketing and automation readiness",
        "Standards compliance",
    ]
    text = summarize(report)
    assert (
        "Not in this export (add the column to the export to assess more):\n"
        "  contacts.lead_source ('Original Source'): limits Marketing and automation "
        "readiness, Standards compliance\n"
        "  opportunities.lead_source ('Original Source'): limits Marketing and automation "
        "readiness"
    ) in text
    assert text.count("Original Source") == 2


def test_hubspot_absent_required_column_is_named_without_an_unrelated_suggestion(
    tmp_path: Path,
) -> None:
    deals = "\n".join(
        ",".join(f for i, f in enumerate(line.split(",")) if i != 4)
        for line in HS_DEALS.splitlines()
    )
    assert '"Deal owner"' not in deals
    export = write_export(
        tmp_path / "e",
        {
            "hubspot-crm-exports-all-deals-2024-03-05.csv": deals + "\n",
            **{"hubspot-crm-exports-all-contacts-2024-03-05.csv": HS_CONTACTS},
        },
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_export(export, mapping="hubspot")
    text = str(info.value)
    assert (
        "column 'Deal owner' for required field opportunities.owner_id is not in the file"
    ) in text
    assert "Did you mean" not in text
    assert "Deal Name" not in text.split("Columns in the file:")[0]
    assert "`owner_id: Deal Name`" not in text
    assert (
        "Fix: export the file again with the column 'Deal owner' (add it to the view or report "
        "before exporting), or map opportunities.owner_id to one of the columns above in a "
        "mapping that `extends: hubspot`."
    ) in text
    assert "for users in the mapping" not in text


def test_hubspot_teams_from_a_lookup_file_next_to_the_mapping(hs: Path, tmp_path: Path) -> None:
    (tmp_path / "teams.csv").write_text("Owner,Team\nAna Ruiz,North\nBen Ode,North\n")
    mapping = client_mapping(
        tmp_path,
        "extends: hubspot\n"
        "tables:\n"
        "  users:\n"
        "    columns:\n"
        "      team:\n"
        "        from_field: user_id\n"
        "        lookup: {file: teams.csv, key: Owner, value: Team}\n"
        "        fallback: {constant: Unassigned}\n",
    )
    ds = read_export(hs, mapping=mapping)
    teams = dict(zip(ds["users"]["user_id"], ds["users"]["team"].astype(str), strict=True))
    assert teams == {"Ana Ruiz": "North", "Ben Ode": "North", "Cy Park": "Unassigned"}
    assert [f["path"] for f in ds.manifest["lookup_files"]] == ["teams.csv"]


def test_hubspot_with_a_users_export_uses_it_not_the_owners(hs: Path) -> None:
    users = '"First Name","Last Name","Email","Primary Team"\n"Ana","Ruiz","a@x","North"\n'
    (hs / "hubspot-users-export.csv").write_text(users, encoding="utf-8")
    ds = read_export(hs, mapping="hubspot")
    assert ds["users"]["user_id"].tolist() == ["Ana Ruiz"]
    assert ds["users"]["team"].astype(str).tolist() == ["North"]
    orphans = ds.quality_facts[ds.quality_facts["issue"] == "orphan_reference"]
    assert orphans[["table", "field"]].values.tolist() == [
        ["contacts", "owner_id"],
        ["opportunities", "owner_id"],
    ]


def test_hubspot_via_the_cli_exits_0_and_prints_the_assumptions(hs: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kit.cli",
            "intake",
            str(hs),
            "--out",
            str(tmp_path / "ds"),
            "--mapping",
            "hubspot",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "users: no users file; 3 users derived from the owners" in result.stdout
    assert "Not in this export" in result.stdout


# --------------------------------------------------------------------------- SF reports
SF_REPORT_OPPS = """\
"Opportunity Owner","Owner Role","Account Name","Opportunity Name","Stage","Amount","Probability (%)","Close Date","Created Date","Closed","Lead Source","Opportunity ID"
"Ana Ruiz","Ventas Norte","Lopez household","Lopez refi","Proposal/Price Quote","200000","75","5/30/2023","3/7/2023","0","Web","0065e000001O002"
"Cy Park","Ventas Sur","Paz household","Paz purchase","Closed Won","300000","100","4/20/2023","3/6/2023","1","Web","0065e000001O001"
"Ana Ruiz","Ventas Norte","Ode household","Ode purchase","Closed Lost","50000","0","4/1/2023","3/9/2023","1","",0065e000001O004

"Opportunities"
"Copyright (c) 2000-2023 salesforce.com, inc. All rights reserved."
"Confidential Information - Do Not Distribute"
"Generated By:  Dee Fox  3/5/2024 10:03 AM"
"Acme"
"""
SF_REPORT_ACTIVITIES = """\
"Assigned","Subject","Date","Task","Task Subtype","Type","Call Result","Opportunity ID","Activity ID"
"Ana Ruiz","Call","3/11/2023","1","Call","","Left voicemail","0065e000001O002","00T5e000001T003"
"Cy Park","Reunión de cierre","4/18/2023","0","","","","0065e000001O001","00U5e000001E001"
"Cy Park","Follow up docs","3/12/2023","1","Task","","","","00T5e000001T004"
"José Peña","List Email: March newsletter","3/10/2023","1","List Email","","","","00T5e000001T002"
"""


def test_salesforce_report_exports_owner_names_short_ids_and_footers(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "e",
        {"opportunities-report.csv": SF_REPORT_OPPS, "activities-report.csv": SF_REPORT_ACTIVITIES},
        encoding="utf-8",
    )
    ds = read_export(export, mapping="salesforce_report")
    users = ds["users"][["user_id", "team", "role"]].astype(str).values.tolist()
    assert users == [
        ["Ana Ruiz", "Ventas Norte", "producer"],
        ["Cy Park", "Ventas Sur", "producer"],
        ["José Peña", "Unassigned", "producer"],
    ]
    opps = by_id(ds["opportunities"], "opportunity_id")
    # 15-character report ids read as the 18-character ids of a Data Export
    assert sorted(opps) == [
        salesforce_18(i) for i in ("0065e000001O001", "0065e000001O002", "0065e000001O004")
    ]
    paz = opps[salesforce_18("0065e000001O001")]
    assert (paz["stage"], paz["owner_id"], paz["closed_at"]) == (
        "funded",
        "Cy Park",
        pd.Timestamp("2023-04-20"),
    )
    assert opps[salesforce_18("0065e000001O002")]["closed_at"] is None
    acts = by_id(ds["activities"], "activity_id")
    assert {k[:15]: (a["type"], a["automated"]) for k, a in acts.items()} == {
        "00T5e000001T003": ("call", False),
        "00U5e000001E001": ("meeting", False),
        "00T5e000001T004": ("task", False),
        "00T5e000001T002": ("email", True),
    }
    assert acts[salesforce_18("00T5e000001T003")]["opportunity_id"] == salesforce_18(
        "0065e000001O002"
    )
    # the report's footer lines are not data: listed, never silently dropped
    tables = ds.manifest["tables"]["opportunities"]
    assert (tables["rows_kept"], tables["rows_excluded"]) == (3, tables["rows_read"] - 3)
    assert tables["rows_excluded"] >= 5

"""docs/mapping.md stays true: every key is documented and the worked example really runs."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from kit.intake import intake, summarize
from kit.intake.mapping import COLUMN_KEYS, DATE_KEYS, SOURCE_KEYS, TOP_KEYS, load_mapping

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")

TEAM = """Member ID,Full Name,Branch,Title,Status,Start Date
LD-01,Joanna Delgado,Cedar Ridge,Branch Manager,Active,01/06/2025
LD-02,Camila Cruz,Cedar Ridge,Senior Loan Officer,Active,01/06/2025
LD-03,Marcus Bell,Cedar Ridge,Loan Officer,Inactive,01/06/2025
LD-04,Priya Shah,Lakeside,Loan Officer,Active,02/03/2025
LD-05,Tom Reyes,Lakeside,LOA,Active,02/03/2025
"""
LEADS = """Lead #,Created,Assigned To,Source,Type,First,Last,E-mail,Cell
L-1001,01/13/2025 9:15 AM,LD-02,Zillow Premier Agent,Borrower,Ana,Lopez,ana@example.org,555-0101
L-1002,01/14/2025 2:40 PM,LD-03,Agent Referral,Borrower,Ben,Ode,,555-0102
L-1003,01/20/2025 11:05 AM,LD-04,Sphere,Past Client,Cy,Park,cy@example.org,
L-1004,01/21/2025 4:30 PM,LD-04,Open House,Realtor,Dee,Fox,dee@example.org,555-0104
L-1005,,LD-02,Zillow Premier Agent,Borrower,Eve,Ng,eve@example.org,555-0105
L-1003,01/22/2025 10:00 AM,LD-02,Sphere,Past Client,Cy,Park,cy@example.org,
"""
ACTIVITY = """Id,User,Kind,Date,Lead #,Result,Follow Up,Follow Up Date,Comments,Auto
A1,LD-02,Outbound Call,01/13/2025 9:20 AM,L-1001,Left voicemail,Call back,01/14/2025,,N
A2,LD-02,Email,01/13/2025 9:21 AM,L-1001,,,,Sent <b>rate sheet</b>,Y
A3,LD-03,Text Msg,01/14/2025 3:00 PM,L-1002,Replied,Send app,01/15/2025,,N
A4,LD-04,Meeting,01/21/2025 10:00 AM,L-1003,Met at office,,,"Talked refi, will send docs",N
A5,LD-09,Call,01/22/2025 1:00 PM,L-1004,,,,,N
"""
LOANS = [
    ["Loan ID", "LO", "Opened", "Milestone", "Borrower #", "Loan Amt", "Purpose", "Funded On"],
    ["P-1", "LD-02", "01/15/2025", "Funded", "L-1001", "$325,000.00", "Purchase", "03/01/2025"],
    ["P-2", "LD-03", "01/16/2025", "In Processing", "L-1002", "$410,500.00", "Refi", None],
    ["P-3", "LD-04", "01/22/2025", "Pre-Qual", "L-1003", None, "Purchase", None],
    ["P-4", "LD-04", "01/23/2025", "On Hold", "L-1004", "$199,000.00", "Purchase", None],
]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def loandesk_export(folder: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Loans"
    for row in LOANS:
        ws.append(row)
    wb.save(folder / "Pipeline.xlsx")
    archive = folder / "loandesk-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Team Members.csv", TEAM)
        zf.writestr("Leads.csv", LEADS)
        zf.writestr("Activity Log.csv", ACTIVITY)
        zf.write(folder / "Pipeline.xlsx", "Pipeline.xlsx")
    return archive


def test_every_mapping_key_is_documented() -> None:
    for table in (TOP_KEYS, DATE_KEYS, SOURCE_KEYS, COLUMN_KEYS):
        for key in table:
            assert f"`{key}`" in DOC, key


def test_every_yaml_example_in_the_guide_is_a_valid_mapping() -> None:
    mappings = [b for b in blocks("yaml") if "tables:" in b]
    assert mappings
    for text in mappings:
        load_mapping(yaml.safe_load(text))


def test_the_worked_example_runs_and_prints_what_the_guide_shows(tmp_path: Path) -> None:
    (mapping_text,) = [b for b in blocks("yaml") if b.startswith("# loandesk.yaml")]
    mapping = tmp_path / "loandesk.yaml"
    mapping.write_text(mapping_text, encoding="utf-8")
    archive = loandesk_export(tmp_path)
    report = intake(archive, tmp_path / "harborlight-ds", mapping=mapping)
    ds = report.dataset

    users = ds["users"]
    assert users["role"].tolist() == ["manager", "producer", "producer", "producer", "assistant"]
    assert users["active"].tolist() == [True, True, False, True, True]
    opps = ds["opportunities"]
    assert opps["stage"].tolist() == ["funded", "processing", "pre_approval"]
    assert opps["status"].tolist() == ["won", "open", "open"]
    assert opps["amount"].tolist()[:2] == [325000.0, 410500.0]
    assert opps["loan_purpose"].tolist() == ["purchase", "refinance", "purchase"]
    contacts = ds["contacts"]
    assert contacts["created_at"].tolist()[0] == pd.Timestamp("2025-01-13 09:15")
    assert contacts["lead_source"].tolist()[:3] == ["zillow", "realtor_referral", "self_generated"]
    acts = ds["activities"]
    assert acts["type"].tolist() == ["call", "email", "text", "meeting", "call"]
    assert acts["automated"].tolist() == [False, True, False, False, False]
    assert acts["notes"].tolist()[1] == "Sent <b>rate sheet</b>"

    # the summary printed in the guide is this run's summary
    shown = next(b for b in blocks("text") if b.startswith("Intake of loandesk-export.zip"))
    actual = summarize(report).replace(str(tmp_path / "harborlight-ds"), "harborlight-ds")
    assert shown.strip() == actual.strip()

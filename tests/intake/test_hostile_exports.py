"""Hostile exports: nothing lost, nothing read from outside the export, nothing unbounded.

Each case is an export a careless tool or a malicious sender could produce, written here in a
few lines: a zip whose members share a name or whose data is damaged, a link to a system
file, the kit's own output inside the export, infinite amounts, YAML alias bombs, a file of
nothing but commas. Each ends in one clear error (exit code 2, no traceback) or a dataset
where the problem is recorded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kit.dataset import write_dataset
from kit.diagnostics.standards import load_standards
from kit.exceptions import InputError, MappingError, OutputError, StandardsError
from kit.intake import intake, read_export
from kit.intake.mapping import load_mapping, preset_names

ROOT = Path(__file__).resolve().parents[2]
USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\nu2,Ben Okafor,South,producer\n"
#: ten nested aliases of nine items each: 9**9 (387 million) strings in 800 bytes
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
SECRET = "s3cr3t-first-line-of-a-file-outside-the-export"


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def blocking(export: Path, **options: object) -> str:
    with pytest.raises(InputError) as info:
        read_export(export, **options)  # type: ignore[arg-type]
    return str(info.value)


def mapping_of(**sources: str) -> dict[str, object]:
    """A mapping reading each table in the canonical layout from the file given."""
    return {"tables": {t: {"source": s, "columns": "canonical"} for t, s in sources.items()}}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def refused(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    return done.stderr


def zip_of(path: Path, members: list[tuple[str, str]]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, and writes it
        for name, text in members:
            zf.writestr(name, text)
    return path


# --------------------------------------------------------------------------- archives
def test_zip_members_with_the_same_name_are_refused_never_overwritten(tmp_path: Path) -> None:
    real = USERS + "".join(f"u{i},Person {i},West,producer\n" for i in range(3, 46))
    archive = zip_of(
        tmp_path / "export.zip",
        [("users.csv", real), ("users.csv", "user_id,name,team,role\nx1,Only,One,producer\n")],
    )
    message = blocking(archive)
    assert "the archive export.zip holds 1 member(s) with the same name as another" in message
    assert "'users.csv' and 'users.csv' would both be extracted as users.csv" in message
    # the same name in another spelling: Windows separators, another case
    archive = zip_of(
        tmp_path / "spellings.zip",
        [("Export/users.csv", USERS), ("export\\USERS.csv", USERS), ("users.csv", USERS)],
    )
    message = blocking(archive)
    assert "'export\\\\USERS.csv' and 'Export/users.csv' would both be extracted" in message
    refused(cli("intake", str(archive), "--out", str(tmp_path / "ds")), 2)
    assert not (tmp_path / "ds").exists()


def test_zip_members_in_different_folders_are_both_read(tmp_path: Path) -> None:
    archive = zip_of(
        tmp_path / "export.zip",
        [("north/users.csv", USERS), ("south/users.csv", USERS.replace("u1", "u3"))],
    )
    ds = read_export(archive)
    assert ds.manifest["tables"]["users"]["sources"] == ["north/users.csv", "south/users.csv"]
    assert ds["users"]["user_id"].tolist() == ["u1", "u2", "u3"]  # u2 twice: one excluded
    assert ds.excluded_rows["reason"].tolist() == [
        "duplicate user_id 'u2' (first kept: north/users.csv row 3)"
    ]


def test_a_damaged_zip_member_is_a_clear_exit_2(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "export.zip", [("users.csv", USERS * 200)])
    data = bytearray(archive.read_bytes())
    start = data.index(b"users.csv") + len("users.csv")  # the compressed data follows
    for i in range(start + 10, start + 40):
        data[i] ^= 0x55
    archive.write_bytes(bytes(data))
    message = blocking(archive)
    assert message.startswith("cannot read the archive export.zip: its member users.csv is ")
    assert "damaged or cannot be extracted" in message
    stderr = refused(cli("intake", str(archive), "--out", str(tmp_path / "ds")), 2)
    assert "its member users.csv is damaged" in stderr


def test_a_nested_zip_is_named_when_no_file_matches(tmp_path: Path) -> None:
    inner = zip_of(tmp_path / "inner.zip", [("users.csv", USERS)])
    export = tmp_path / "export"
    write(export, "readme.csv", "a,b\n1,2\n")
    os.replace(inner, export / "crm-backup.zip")
    message = blocking(export)
    assert (
        "users: no file in the export matches 'users.*', '*#users'. It is required. Data files "
        "in the export: readme.csv. The export also holds crm-backup.zip: an archive inside the "
        "export is not opened; unzip it into the export folder and run intake again." in message
    )


# --------------------------------------------------------------------------- links
def test_a_link_out_of_the_export_is_refused_by_name_without_its_content(tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere", "passwd", f"{SECRET}\nroot:x:0:0\n")
    export = tmp_path / "export"
    write(export, "users.csv", USERS)
    (export / "contacts.csv").symlink_to(outside)
    (export / "notes.md").symlink_to(outside)  # not a data file: never read, just said
    (export / "archive").symlink_to(outside.parent, target_is_directory=True)
    message = blocking(export)
    assert (
        f"contacts.csv is a link to a file outside the export ({outside}); intake does not "
        "follow links out of the export folder. Copy the file itself into the export, or "
        "remove the link." in message
    )
    assert "notes.md" not in message and "archive" not in message
    assert SECRET not in message
    stderr = refused(cli("intake", str(export), "--out", str(tmp_path / "ds")), 2)
    assert "contacts.csv is a link to a file outside the export" in stderr
    assert SECRET not in stderr
    # without the data file link, intake runs and says what it did not follow
    (export / "contacts.csv").unlink()
    warnings = read_export(export).manifest["warnings"]
    assert "archive/: a link to a folder outside the export, not followed" in warnings
    assert "notes.md: a link to a file outside the export, not followed" in warnings


def test_a_link_to_a_file_inside_the_export_is_read(tmp_path: Path) -> None:
    export = tmp_path / "export"
    write(export, "data/users-2024.csv", USERS)
    (export / "users.csv").symlink_to(Path("data") / "users-2024.csv")
    ds = read_export(export, mapping=mapping_of(users="users.csv"))
    assert ds["users"]["user_id"].tolist() == ["u1", "u2"]


# --------------------------------------------------------------------------- the kit's output
def test_output_inside_the_export_is_refused_and_never_read_back(tmp_path: Path) -> None:
    export = tmp_path / "export"
    write(export, "users.csv", USERS)
    stderr = refused(cli("intake", str(export), "--out", str(export / "dataset")), 3)
    assert "--out" in stderr and "is inside the input folder" in stderr
    assert sorted(p.name for p in export.iterdir()) == ["users.csv"]  # nothing written
    with pytest.raises(OutputError, match="is inside the input folder"):
        intake(export, export / "nested" / "dataset")
    # a dataset an older run already wrote there is skipped, and said
    write_dataset(read_export(export), export / "dataset")
    ds = read_export(export)
    assert ds.manifest["tables"]["users"]["rows_read"] == 2
    assert ds.manifest["tables"]["users"]["sources"] == ["users.csv"]
    assert (
        "dataset/: skipped, it is a dataset written by adoption-kit intake, not part of the "
        "client's export (write --out outside the export folder)" in ds.manifest["warnings"]
    )


def test_assess_refuses_out_inside_the_export_and_an_export_inside_out(tmp_path: Path) -> None:
    from kit.runner import assess

    export = tmp_path / "export"
    write(export, "users.csv", USERS)
    with pytest.raises(OutputError, match="is inside the input folder"):
        assess(export, export / "reports", progress=False)
    # --force would delete the export with the folder it replaces
    with pytest.raises(OutputError, match="is inside --out"):
        assess(export / "users.csv", tmp_path, force=True, progress=False)
    stderr = refused(cli("assess", str(export), "--out", str(tmp_path), "--force"), 3)
    assert "replacing that folder would delete it" in stderr
    assert (export / "users.csv").read_text() == USERS


def test_intake_out_file_with_force_is_refused_as_assess_refuses_it(tmp_path: Path) -> None:
    export = write(tmp_path / "export", "users.csv", USERS).parent
    target = write(tmp_path, "notes.txt", "keep me\n")
    for command in ("intake", "assess"):
        stderr = refused(cli(command, str(export), "--out", str(target), "--force"), 3)
        assert f"--out {target} is a file, not a folder" in stderr
        assert target.read_text() == "keep me\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "notes.txt"]


# --------------------------------------------------------------------------- numbers
def test_non_finite_amounts_are_blanked_with_a_fact(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    rows = [("o1", "inf"), ("o2", "-inf"), ("o3", "1e400"), ("o4", "250000"), ("o5", "-1E999")]
    write(
        tmp_path,
        "opportunities.csv",
        "opportunity_id,owner_id,created_at,stage,amount\n"
        + "".join(f"{o},u1,2024-05-01,application,{a}\n" for o, a in rows),
    )
    # a column pyarrow reads as numbers, and one it reads as text ($ signs)
    write(
        tmp_path,
        "los_loans.csv",
        "loan_number,funded_at,amount\nL1,2024-06-01,$310000\nL2,2024-06-02,$1e400\n"
        "L3,2024-06-03,Infinity\n",
    )
    ds = read_export(tmp_path)
    amounts = ds["opportunities"]["amount"]
    assert amounts.isna().tolist() == [True, True, True, False, True]
    assert amounts.sum() == 250000.0 and np.isfinite(amounts.sum())
    assert ds["los_loans"]["amount"].tolist()[0] == 310000.0
    assert ds["los_loans"]["amount"].isna().tolist() == [False, True, True]
    facts = ds.quality_facts.set_index(["table", "field", "issue"])
    assert facts.loc[("opportunities", "amount", "unparseable_amount"), "count"] == 4
    assert facts.loc[("opportunities", "amount", "unparseable_amount"), "examples"] == (
        "'-inf' (2), 'inf' (2)"
    )
    assert facts.loc[("los_loans", "amount", "unparseable_amount"), "examples"] == (
        "'$1e400' (1), 'Infinity' (1)"
    )


# --------------------------------------------------------------------------- YAML
def test_an_alias_bomb_in_engagement_yaml_stops_intake_at_once(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "engagement.yaml", BOMB)
    assert len(BOMB) < 1024
    message = blocking(tmp_path)
    assert (
        "engagement.yaml: not valid YAML (at line 6, column 8: the file describes more than "
        "100,000 values once its aliases (*name) are expanded (an 'alias bomb')" in message
    )


def test_a_recursive_alias_is_a_clear_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "engagement.yaml", "client: Acme\nloop: &x [*x]\n")
    stderr = refused(cli("intake", str(tmp_path), "--out", str(tmp_path.parent / "ds")), 2)
    assert (
        "engagement.yaml: not valid YAML (at line 2, column 11: the alias *x is inside the node "
        "it repeats (&x), so its value would never end; write the value out instead of the "
        "alias); fix or remove it." in stderr
    )


def test_mapping_and_standards_files_are_read_with_the_same_bounds(tmp_path: Path) -> None:
    mapping = write(tmp_path, "map.yaml", "tables:\n  users: {source: users.csv}\n" + BOMB)
    with pytest.raises(MappingError, match=r"map.yaml is not valid YAML at line 8, column 8: the "):
        load_mapping(mapping)
    write(tmp_path, "loop.yaml", "tables: &t\n  users: *t\n")
    with pytest.raises(MappingError, match=r"the alias \*t is inside the node it repeats"):
        load_mapping(tmp_path / "loop.yaml")
    deep = write(tmp_path, "deep.yaml", "tables: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(MappingError, match="nested more than 64 levels deep"):
        load_mapping(deep)
    standards = write(tmp_path, "standards.yaml", BOMB)
    with pytest.raises(StandardsError, match="describes more than 100,000 values"):
        load_standards(standards)
    # aliases within the bound stay legal: the presets share column lists with them
    assert all(load_mapping(name).tables for name in preset_names())


def test_every_yaml_file_is_read_by_the_one_bounded_loader() -> None:
    calls = re.compile(r"yaml\.(safe_load|load|full_load|unsafe_load|load_all|safe_load_all)\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "kit").rglob("*.py"))
        if path.name != "_yaml.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if calls.search(line)
    ]
    assert offenders == []


# --------------------------------------------------------------------------- messages
def test_a_file_name_with_a_leading_space_is_matched_and_suggested_as_written(
    tmp_path: Path,
) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, " contacts.csv", "contact_id,owner_id,created_at\nc1,u1,2024-05-01\n")
    ds = read_export(tmp_path, mapping=mapping_of(users="users.csv", contacts=" contacts.csv"))
    assert ds["contacts"]["contact_id"].tolist() == ["c1"]
    message = blocking(tmp_path, mapping=mapping_of(users="users.csv", contacts="contact.csv"))
    assert "Did you mean 'contacts.csv'?" in message


def test_a_file_of_nothing_but_commas_is_described_as_such(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "contacts.csv", ("," * 99 + "\r\n") * 2000)  # 200 kB, past the sniffed part
    assert (
        "contacts.csv (read as contacts): the file holds no column names and no values: its "
        "202,000 bytes are only delimiters, quotes and line breaks." in blocking(tmp_path)
    )
    write(tmp_path, "contacts.csv", "\n" * 70_000)
    assert (
        "contacts.csv (read as contacts): the file holds only blank lines (70,000 bytes), it has "
        "no header row." in blocking(tmp_path)
    )
    write(tmp_path, "contacts.csv", ",,\n" * 30_000 + "contact_id,owner_id,created_at\n")
    assert (
        "contacts.csv (read as contacts): the file has no header row in its first 64 KB, only "
        "blank lines and delimiters; delete the empty lines above the column names."
        in blocking(tmp_path)
    )


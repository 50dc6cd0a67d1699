"""The per-machine MSI (issue 14 §7), built with msitools' wixl from a stand-in for the one-folder
build and read back with msiinfo: Program Files, per machine, Start-menu entries for the window and
the command line, every file of the folder, major upgrade without downgrade. Installing it is
for a Windows machine (docs/install.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_msi import build_msi  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (shutil.which("wixl") and shutil.which("msiinfo")),
    reason="msitools (wixl, msiinfo) not installed",
)

UPGRADE_CODE = "{BCCC9379-1293-4BC2-85E0-C50D7B0CBCDF}"


def table(msi: Path, name: str) -> list[dict[str, str]]:
    text = subprocess.run(
        ["msiinfo", "export", str(msi), name], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    header = text[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in text[3:]]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist") / "ReliefDesk"
    for rel in (
        "ReliefDesk.exe",
        "reliefdesk-cli.exe",
        "_internal/python311.dll",
        "_internal/PySide6/Qt6Core.dll",
        "_internal/resources/fonts/Liberation Serif.ttf",
        "_internal/base_library.zip",
    ):
        (dist / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist / rel).write_bytes(rel.encode() * 10)
    return dist


def test_the_msi_installs_per_machine_with_start_menu_entries(folder: Path, monkeypatch) -> None:
    monkeypatch.delenv("RELIEFDESK_SIGN_PFX", raising=False)
    monkeypatch.delenv("RELIEFDESK_SIGN_THUMBPRINT", raising=False)
    msi = build_msi(folder, folder.parent / "r.msi", "1.2.3")
    props = {r["Property"]: r["Value"] for r in table(msi, "Property")}
    assert props["ALLUSERS"] == "1" and props["ProductVersion"] == "1.2.3"
    assert props["UpgradeCode"].upper() == UPGRADE_CODE
    dirs = {r["Directory"]: r for r in table(msi, "Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert dirs["INSTALLDIR"]["DefaultDir"] == "ReliefDesk"
    shortcuts = {r["Name"]: r for r in table(msi, "Shortcut")}
    assert shortcuts["ReliefDesk"]["Target"] == "[INSTALLDIR]ReliefDesk.exe"
    cli = shortcuts["ReliefDesk command line"]
    assert "reliefdesk-cli.exe" in cli["Arguments"] and cli["Target"].endswith("cmd.exe")
    assert {r["Directory_"] for r in shortcuts.values()} == {"ProgramMenuDir"}
    files = sorted(r["FileName"] for r in table(msi, "File"))
    assert files == sorted(p.name for p in folder.rglob("*") if p.is_file())
    summary = subprocess.run(
        ["msiinfo", "suminfo", str(msi)], capture_output=True, text=True, check=True
    ).stdout
    assert "Template: x64;1033" in summary
    # Major upgrade: older versions are found and removed, a newer one blocks a downgrade.
    upgrades = table(msi, "Upgrade")
    assert {r["UpgradeCode"] for r in upgrades} == {UPGRADE_CODE}
    assert any(r["VersionMax"] == "1.2.3" for r in upgrades)
    assert any(r["VersionMin"] == "1.2.3" for r in upgrades)
    sequence = {r["Action"] for r in table(msi, "InstallExecuteSequence")}
    assert {"RemoveExistingProducts", "FindRelatedProducts", "CreateShortcuts"} <= sequence


def test_a_newer_msi_is_an_upgrade_of_the_same_product(folder: Path) -> None:
    old = build_msi(folder, folder.parent / "old.msi", "1.2.3")
    new = build_msi(folder, folder.parent / "new.msi", "1.3.0")
    p_old = {r["Property"]: r["Value"] for r in table(old, "Property")}
    p_new = {r["Property"]: r["Value"] for r in table(new, "Property")}
    assert p_old["UpgradeCode"] == p_new["UpgradeCode"]
    assert p_old["ProductCode"] != p_new["ProductCode"]

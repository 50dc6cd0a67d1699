"""Build the per-machine MSI of ReliefDesk from the PyInstaller one-folder build.

    python scripts/build_msi.py [--dist dist/ReliefDesk] [--out dist/ReliefDesk-VERSION.msi]

installer/reliefdesk.wxs describes the package (Program Files, Start-menu entries for the window and
the command line, major upgrade, no downgrade); the file list is generated from the folder:

- Linux (how the release is built): msitools' `wixl-heat` and `wixl`
  (Debian/Ubuntu: apt-get install msitools wixl). The folder must be the *Windows* build
  (dist/ReliefDesk built on Windows, copied here): an MSI of a Linux build is only good for tests.
- Windows: WiX Toolset 3 (`heat`, `candle`, `light` on PATH) with the same .wxs.

With a code-signing certificate configured (scripts/sign_build.py: RELIEFDESK_SIGN_PFX or
RELIEFDESK_SIGN_THUMBPRINT), every .exe/.dll/.pyd of the folder is signed before packaging and the
MSI after; without one, the MSI is unsigned and a line says so.

Silent install:  msiexec /i ReliefDesk-VERSION.msi /qn /l*v install.log
Silent removal:  msiexec /x ReliefDesk-VERSION.msi /qn
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WXS = ROOT / "installer" / "reliefdesk.wxs"


def version() -> str:
    text = (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)  # type: ignore[union-attr]


def msi_version(v: str) -> str:
    """MSI ProductVersion: numeric major.minor.build (each part at most 255.255.65535)."""
    parts = [int(p) for p in re.findall(r"\d+", v)[:3]] + [0, 0, 0]
    return ".".join(str(p) for p in parts[:3])


def _files(dist: Path) -> list[str]:
    return sorted(p.relative_to(dist.parent).as_posix() for p in dist.rglob("*") if p.is_file())


def build_with_wixl(dist: Path, out: Path, ver: str) -> None:
    with tempfile.TemporaryDirectory(prefix="reliefdesk-msi-") as tmp:
        fragment = Path(tmp) / "files.wxs"
        listing = "\n".join(_files(dist)) + "\n"
        heat = subprocess.run(
            [
                "wixl-heat",
                "--var",
                "var.SourceDir",
                "-p",
                f"{dist.name}/",
                "--component-group",
                "ProgramFiles",
                "--directory-ref",
                "INSTALLDIR",
                "--win64",
            ],
            input=listing,
            capture_output=True,
            text=True,
            check=True,
            cwd=dist.parent,
        )
        fragment.write_text(heat.stdout, encoding="utf-8")
        subprocess.run(
            [
                "wixl",
                "-a",
                "x64",
                "-D",
                f"SourceDir={dist.name}",
                "-D",
                f"Version={ver}",
                "-D",
                "Win64=yes",
                "-o",
                str(out.resolve()),
                str(WXS),
                str(fragment),
            ],
            check=True,
            cwd=dist.parent,
        )


def build_with_wix3(dist: Path, out: Path, ver: str) -> None:
    with tempfile.TemporaryDirectory(prefix="reliefdesk-msi-") as tmp:
        fragment = Path(tmp) / "files.wxs"
        subprocess.run(
            [
                "heat",
                "dir",
                str(dist),
                "-cg",
                "ProgramFiles",
                "-dr",
                "INSTALLDIR",
                "-gg",
                "-srd",
                "-sfrag",
                "-sreg",
                "-var",
                "var.SourceDir",
                "-out",
                str(fragment),
            ],
            check=True,
        )
        defines = [f"-dSourceDir={dist}", f"-dVersion={ver}", "-dWin64=yes"]
        subprocess.run(
            [
                "candle",
                "-nologo",
                "-arch",
                "x64",
                *defines,
                "-out",
                f"{tmp}\\",
                str(WXS),
                str(fragment),
            ],
            check=True,
        )
        subprocess.run(
            ["light", "-nologo", "-out", str(out), *map(str, Path(tmp).glob("*.wixobj"))],
            check=True,
        )


def build_msi(dist: Path, out: Path | None = None, ver: str | None = None) -> Path:
    dist = dist.resolve()
    for exe in ("ReliefDesk", "reliefdesk-cli"):
        if not any((dist / f"{exe}{s}").is_file() for s in (".exe", "")):
            raise SystemExit(f"{dist} has no {exe}.exe: build it first (pyinstaller build.spec)")
    ver = msi_version(ver or version())
    out = (out or dist.parent / f"ReliefDesk-{ver}.msi").resolve()
    sys.path.insert(0, str(ROOT / "scripts"))
    from sign_build import sign_folder

    sign_folder(dist)
    if shutil.which("wixl") and shutil.which("wixl-heat"):
        build_with_wixl(dist, out, ver)
    elif shutil.which("candle") and shutil.which("light") and shutil.which("heat"):
        build_with_wix3(dist, out, ver)
    else:
        raise SystemExit(
            "neither msitools (wixl, wixl-heat) nor WiX 3 (heat, candle, light) is "
            "installed: apt-get install msitools wixl, or install the WiX Toolset"
        )
    sign_folder(out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist" / "ReliefDesk")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--version", help="product version (default: desktop.__version__)")
    args = ap.parse_args()
    out = build_msi(args.dist, args.out, args.version)
    print(
        f"{out} ({out.stat().st_size / 1e6:.1f} MB)\n"
        f"silent install: msiexec /i {out.name} /qn /l*v install.log"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

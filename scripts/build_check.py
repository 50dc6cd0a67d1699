"""Build the one-folder program with build.spec and check the result (issue 7).

    python scripts/build_check.py [--dist DIR]

Builds with PyInstaller, runs the built command-line executable's `self-test` offscreen (and the
windowed executable's, by exit code), measures the launch
time to the main window with `gui --startup-probe` on a small demo database, and prints the folder
size. Exits 1 if the self-test fails or a target is missed (folder <= 250 MB, launch <= 3 s,
self-test <= 20 s)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"folder_mb": 250.0, "launch_s": 3.0, "selftest_s": 20.0}


def folder_mb(path: Path) -> float:
    # lstat, and symlinks skipped: the bundle links some libraries under two names.
    return (
        sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    )


def snapshot(path: Path) -> dict[str, tuple[int, int]]:
    return {
        str(f.relative_to(path)): (f.lstat().st_size, f.lstat().st_mtime_ns)
        for f in path.rglob("*")
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", help="where to build (default: a temporary folder)")
    args = ap.parse_args()
    work = Path(args.dist or tempfile.mkdtemp(prefix="reliefdesk-build-"))
    # The built program runs with its home and data folders inside the work folder, so the check
    # never touches the builder's own ReliefDesk data or window settings.
    home = work / "home"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        APPDATA=str(home / "Roaming"),
        LOCALAPPDATA=str(home / "Local"),
    )
    env.pop("RELIEFDESK_DB", None)
    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            str(ROOT / "build.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    build_s = time.perf_counter() - t
    app = work / "dist" / "ReliefDesk"
    suffix = ".exe" if sys.platform == "win32" else ""
    exe = app / f"reliefdesk-cli{suffix}"  # the console program: self-test, demo, probe
    window_exe = app / f"ReliefDesk{suffix}"  # the windowed program (no console on Windows)
    if not window_exe.is_file() or not exe.is_file():
        print(f"the build lacks {window_exe.name} or {exe.name}")
        return 1

    before = snapshot(app)  # the program must write nothing into its own folder

    t = time.perf_counter()
    st = subprocess.run(
        [str(exe), "self-test"], env=env, capture_output=True, text=True, timeout=300, cwd=work
    )
    selftest_s = time.perf_counter() - t
    print(st.stdout.strip() or st.stderr.strip())

    demo = work / "demo.sqlite3"
    made = subprocess.run(
        [str(exe), "--db", str(demo), "demo", "--rows", "5000"],
        env=env,
        capture_output=True,
        text=True,
        cwd=work,
    )
    if made.returncode != 0:
        print(f"the demo database for the launch probe could not be built:\n{made.stderr[-2000:]}")
        return 1
    probes = []
    for _ in range(3):
        out = subprocess.run(
            [str(exe), "--db", str(demo), "gui", "--startup-probe"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=work,
        )
        m = re.search(r"startup_ms (\d+)", out.stdout)
        if out.returncode != 0 or not m:
            print(f"startup probe failed: {out.stdout}{out.stderr}")
            return 1
        probes.append(int(m.group(1)) / 1000)
    # The windowed program runs the same code: its self-test exits 0 (no console to print to on
    # Windows, so the exit code is what tells).
    win = subprocess.run(
        [str(window_exe), "self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=work,
    )
    print(f"windowed program self-test exit code {win.returncode}")
    if win.returncode != 0:
        print(win.stdout[-2000:] + win.stderr[-2000:])
        return 1
    figures = {"folder_mb": folder_mb(app), "launch_s": min(probes), "selftest_s": selftest_s}
    print(f"build time        {build_s:6.1f} s")
    print(f"folder size       {figures['folder_mb']:6.1f} MB   (target <= 250 MB)")
    print(
        f"launch to window  {figures['launch_s']:6.2f} s    (best of 3: "
        f"{', '.join(f'{p:.2f}' for p in probes)}; target <= 3 s)"
    )
    print(f"self-test         {figures['selftest_s']:6.2f} s    (target <= 20 s)")
    after = snapshot(app)
    leftovers = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    ok = st.returncode == 0 and not leftovers and all(figures[k] <= v for k, v in TARGETS.items())
    if leftovers:
        print(f"files changed in the program folder: {leftovers[:10]}")
    print("build check " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

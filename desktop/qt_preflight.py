"""Before the window starts: is there a display, and can Qt's libraries and its platform plugin
be loaded? Qt itself aborts the process with a hint that is often wrong (it names
libxcb-cursor0 whatever is missing); this check names the Debian/Ubuntu packages that really
are missing, in one line, and the window is not started. No Qt import happens here until the
display is known to exist, and the plugin is checked with the system's loader (ldd)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Shared libraries the Qt window needs on Linux, and the Debian/Ubuntu package of each.
PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libnss3.so": "libnss3",
}
# Everything the window needs, for README and docs/install.md (one apt-get line).
ALL_PACKAGES = sorted(
    set(PACKAGES.values())
    - {"libwayland-client0", "libwayland-cursor0", "libnss3", "libice6", "libsm6", "libglx0"}
)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.M)
_DLERROR = re.compile(r"(lib[\w.+-]+\.so[\w.]*)")


def packages_for(sonames: list[str]) -> list[str]:
    out: list[str] = []
    for so in sonames:
        pkg = PACKAGES.get(so)
        if pkg is None:  # an unknown library: name the file itself
            pkg = so
        if pkg not in out:
            out.append(pkg)
    return out


def install_line(sonames: list[str]) -> str:
    pkgs = packages_for(sonames)
    return (
        f"ReliefDesk's window cannot start: Qt needs {', '.join(sonames)}. On Debian or Ubuntu "
        f"install them with: sudo apt-get install {' '.join(pkgs)} (the reliefdesk commands "
        "work without them)."
    )


def _missing_for(files: list[Path]) -> list[str]:
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing: list[str] = []
    for f in files:
        if not f.exists():
            continue
        try:
            out = subprocess.run(
                [ldd, str(f)], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for so in _NOT_FOUND.findall(out):
            if so not in missing:
                missing.append(so)
    return missing


def check(environ: dict[str, str] | None = None) -> str | None:
    """One line saying what to do when the window cannot start here; None when it can."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in ("offscreen", "minimal", "vnc", "linuxfb", "eglfs"):
        return None
    if not platform and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return (
            "ReliefDesk's window needs a graphical desktop, and no display is set (DISPLAY or "
            "WAYLAND_DISPLAY): start ReliefDesk from the desktop session; the reliefdesk "
            "commands work without one."
        )
    try:
        import PySide6
    except ImportError:
        return (
            "ReliefDesk's window cannot start: the PySide6 package is not installed "
            "(reinstall ReliefDesk)."
        )
    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = (
        "wayland"
        if platform == "wayland"
        or (not platform and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"))
        else "xcb"
    )
    files = [
        qt / "lib" / "libQt6Core.so.6",
        qt / "lib" / "libQt6Gui.so.6",
        qt / "lib" / "libQt6Widgets.so.6",
        qt / "plugins" / "platforms" / f"libq{plugin}.so",
    ]
    if plugin == "xcb":
        files.append(qt / "lib" / "libQt6XcbQpa.so.6")
    missing = _missing_for(files)
    if missing:
        return install_line(missing)
    try:
        from PySide6 import QtGui, QtWidgets  # noqa: F401 - the import itself is the check
    except ImportError as exc:
        found = _DLERROR.findall(str(exc))
        return (
            install_line(found)
            if found
            else (f"ReliefDesk's window cannot start: {exc} (reinstall ReliefDesk).")
        )
    return None

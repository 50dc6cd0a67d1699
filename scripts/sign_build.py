"""Sign every .exe, .dll and .pyd of the one-folder build (and an MSI) with the court's or vendor's
code-signing certificate, so AppLocker/WDAC publisher rules (including DLL rules) allow them.

    python scripts/sign_build.py dist/ReliefDesk [dist/ReliefDesk.msi]

The certificate comes from the environment, never from the repository:
    RELIEFDESK_SIGN_PFX        path to the PKCS#12 (.pfx) code-signing certificate, or
    RELIEFDESK_SIGN_THUMBPRINT SHA-1 thumbprint of a certificate in the Windows store (a token/HSM)
    RELIEFDESK_SIGN_PASSWORD   the .pfx password (optional)
    RELIEFDESK_SIGN_TIMESTAMP  RFC 3161 time-stamp URL (default http://timestamp.digicert.com);
                               "none" on an air-gapped build machine (then signatures expire
                               with the certificate)
    RELIEFDESK_SIGNTOOL        signtool.exe (default: found on PATH); on Linux, osslsigncode
                               is used instead when it is installed.
Without RELIEFDESK_SIGN_PFX or RELIEFDESK_SIGN_THUMBPRINT nothing is signed and a line says so
(the build is then unsigned: fine for testing, not for AppLocker publisher rules).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SIGNED_SUFFIXES = (".exe", ".dll", ".pyd", ".msi")


def files_to_sign(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder] if folder.suffix.lower() in SIGNED_SUFFIXES else []
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SIGNED_SUFFIXES
    )


def signing_command(files: list[Path], env: dict[str, str] | None = None) -> list[list[str]] | None:
    """The commands that sign `files`, or None when no certificate is configured."""
    env = dict(os.environ if env is None else env)
    pfx, thumb = env.get("RELIEFDESK_SIGN_PFX"), env.get("RELIEFDESK_SIGN_THUMBPRINT")
    if not (pfx or thumb) or not files:
        return None
    password = env.get("RELIEFDESK_SIGN_PASSWORD")
    stamp = env.get("RELIEFDESK_SIGN_TIMESTAMP", "http://timestamp.digicert.com")
    signtool = (
        env.get("RELIEFDESK_SIGNTOOL") or shutil.which("signtool") or shutil.which("signtool.exe")
    )
    if signtool or sys.platform == "win32":
        cmd = [signtool or "signtool.exe", "sign", "/fd", "SHA256"]
        cmd += ["/f", pfx] if pfx else ["/sha1", thumb]
        if password:
            cmd += ["/p", password]
        if stamp.lower() != "none":
            cmd += ["/tr", stamp, "/td", "SHA256"]
        # signtool takes many files per call; batches keep the command line short.
        return [cmd + [str(f) for f in files[i : i + 50]] for i in range(0, len(files), 50)]
    osslsigncode = shutil.which("osslsigncode")
    if not osslsigncode or not pfx:
        raise SystemExit(
            "a certificate is set but neither signtool nor osslsigncode (with a .pfx) "
            "is available to sign with"
        )
    cmds = []
    for f in files:
        cmd = [osslsigncode, "sign", "-pkcs12", pfx, "-h", "sha256"]
        if password:
            cmd += ["-pass", password]
        if stamp.lower() != "none":
            cmd += ["-ts", stamp]
        cmds.append(cmd + ["-in", str(f), "-out", f"{f}.signed"])
    return cmds


def sign_folder(*targets: Path) -> int:
    """Sign every signable file under `targets`; returns how many were signed (0: unsigned)."""
    files = [f for t in targets for f in files_to_sign(Path(t))]
    cmds = signing_command(files)
    if cmds is None:
        print(
            "sign_build: no code-signing certificate (RELIEFDESK_SIGN_PFX or "
            "RELIEFDESK_SIGN_THUMBPRINT): the build is NOT signed"
        )
        return 0
    for cmd in cmds:
        subprocess.run(cmd, check=True)
        if cmd[-2] == "-out":  # osslsigncode writes a new file
            os.replace(cmd[-1], cmd[-3])
    print(f"sign_build: signed {len(files)} files")
    return len(files)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    sign_folder(*(Path(a) for a in sys.argv[1:]))

"""Saving a court's edited policy as a new version: validated by the engine's policy reader,
written to the court's policy folder and recorded in the audit log, in one transaction."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from desktop import audit, clock
from desktop.errors import UserError
from desktop.files import replace_file
from desktop.rules.policy import Policy, from_dict, user_policies_dir
from desktop.store.tx import transaction


def save_policy_version(conn, data: dict[str, Any], user: str | None) -> Policy:
    """Validate an edited policy, store it as a new version in the court's policy folder and
    audit the change. The version gets a suffix so runs always name exactly what they used."""
    data = json.loads(json.dumps(data))  # a deep copy we may change
    base = str(data.get("version", "1")).split("+", 1)[0]
    data["version"] = f"{base}+{clock.now().strftime('%Y%m%d%H%M%S')}"
    name = str(data.get("name", ""))
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name):
        raise UserError(f"policy name '{name}' must be lower-case letters, digits, - or _", 2)
    policy = from_dict(data, where=f"policy '{name}'")
    if not user:
        raise UserError(
            "saving a policy needs a signed-in user (it is recorded in the audit log)", 4
        )
    folder = user_policies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.json"
    tmp = target.with_suffix(".json.tmp")
    try:
        with transaction(conn):
            audit.append(
                conn,
                user,
                "policy_save",
                [name],
                {
                    "version": policy.version,
                    "file": str(target),
                    "sha256": hashlib.sha256(policy.to_json().encode()).hexdigest(),
                },
            )
            tmp.write_text(policy.to_json(), encoding="utf-8")
            replace_file(tmp, target)  # retried while an editor holds it
    finally:
        tmp.unlink(missing_ok=True)
    return policy

"""The import wizard's view of county policies, through the rules engine's loader and saver
(desktop/rules): names, the options of one policy, and saving edited options as a new version."""

from __future__ import annotations

from typing import Any


def policy_names() -> list[str]:
    from desktop.rules import policy

    return list(policy.list_policies())


def load_options(name: str) -> dict[str, Any]:
    """{"version": ..., "options": {...}} for the named policy (latest version)."""
    from desktop.rules import policy

    p = policy.load_policy(name)
    data = p if isinstance(p, dict) else p.to_dict()
    return {"version": data.get("version"), "options": data.get("options", {})}


def save_version(name: str, options: dict[str, Any], user: Any) -> str:
    from desktop.rules import policy

    return str(policy.save_policy_version(name, options, user=getattr(user, "name", user)))

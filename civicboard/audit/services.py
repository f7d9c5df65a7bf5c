"""Writing audit entries; every privileged service calls record() before it returns."""

from __future__ import annotations

from typing import Any

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db


def record(
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    reason: str = "",
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the request commits it)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=(reason or "").strip(),
        details=details,
    )
    db.session.add(entry)
    return entry

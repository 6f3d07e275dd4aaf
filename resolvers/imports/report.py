"""What an import did: counts per kind and action, and every per-item problem and note.

Problems never stop a run; they are listed at the end and written to the report file (JSON) so
an operator can fix the source and run the import again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ACTIONS = ("created", "updated", "unchanged", "skipped", "failed")


@dataclass(frozen=True, slots=True)
class ItemProblem:
    kind: str
    source_id: str
    label: str
    code: str
    message: str
    severity: str = "error"  # error: item not imported; warning: imported with a change

    def line(self) -> str:
        return f"{self.severity}: {self.kind} {self.source_id} ({self.label[:60]}): {self.message}"


@dataclass
class ImportReport:
    source: str
    format: str
    dry_run: bool = False
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    problems: list[ItemProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    redirects: int = 0
    committed: bool = False

    def count(self, kind: str, action: str, n: int = 1) -> None:
        self.counts[(kind, action)] += n

    def problem(
        self,
        kind: str,
        source_id: str,
        label: str,
        code: str,
        message: str,
        severity: str = "error",
    ) -> None:
        self.problems.append(ItemProblem(kind, source_id, label, code, message, severity))

    @property
    def errors(self) -> list[ItemProblem]:
        return [p for p in self.problems if p.severity == "error"]

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (kind, action), n in sorted(self.counts.items()):
            out.setdefault(kind, {})[action] = n
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "dryRun": self.dry_run,
            "committed": self.committed,
            "counts": self.summary(),
            "redirects": self.redirects,
            "notes": self.notes,
            "problems": [
                {
                    "severity": p.severity,
                    "kind": p.kind,
                    "sourceId": p.source_id,
                    "label": p.label,
                    "code": p.code,
                    "message": p.message,
                }
                for p in self.problems
            ],
        }

    def write(self, path: Path) -> None:
        path.write_bytes(orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2))

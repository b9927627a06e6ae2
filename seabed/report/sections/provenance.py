"""The Provenance section: when, how, from which files, the configuration as run."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

import pandas as pd

from seabed.report.html import _key_value_html, _table_html, _text_column, _toml

if TYPE_CHECKING:
    from seabed.report.context import ReportContext

__all__ = [
    "provenance_html",
]


def provenance_html(context: ReportContext) -> str:
    """The run's record: command, estimator, seeds, input files, versions, config."""
    record = context.result.provenance
    general = [
        ("Created (UTC)", str(record.get("created_utc", ""))),
        ("Command", str(record.get("command", ""))),
        ("Estimator", str(record.get("estimator", ""))),
        ("Seeds", json.dumps(record.get("seeds", {})) or "none"),
        (
            "Scheduler, tile size",
            f"{record.get('scheduler', '')}, {record.get('tile_size', '')} cells",
        ),
        ("Platform", str(record.get("platform", ""))),
    ]
    inputs = pd.DataFrame(
        [
            {
                "input": role,
                "path": item.get("path", ""),
                "sha256": item.get("sha256", ""),
            }
            for role, item in record.get("inputs", {}).items()
        ]
    )
    versions = ", ".join(
        f"{name} {version}" for name, version in record.get("versions", {}).items()
    )
    config = _toml(record.get("config", {}))
    parts = [_key_value_html(general), "<h3>Input files</h3>"]
    if len(inputs):
        parts.append(
            _table_html(
                inputs,
                [
                    "input",
                    _text_column("path", "path", css="mono"),
                    _text_column("sha256", "SHA-256", css="mono hash"),
                ],
                css="wide",
            )
        )
    parts += [
        f'<h3>Versions</h3><p class="mono">{html.escape(versions)}</p>',
        "<h3>Configuration, as run</h3>",
        '<p class="muted">Every key with the value used, defaults included; '
        "save it as a .toml file to run the estimate again.</p>",
        f'<pre class="config">{html.escape(config)}</pre>',
    ]
    return "".join(parts)

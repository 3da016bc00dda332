"""The build's clock: SOURCE_DATE_EPOCH when set (reproducible builds), else now, in UTC."""

from __future__ import annotations

import datetime as dt
import os


def build_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def w3c(moment: dt.datetime) -> str:
    """2021-08-26T00:00:00Z: the form EPUB's dcterms:modified and PDF's XMP both accept."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""Who writes which table: every INSERT, UPDATE and DELETE run while `watch_writes` is on is traced to
the innermost module of serene/ on the stack (the code that asked for it) and to the app that owns
the table, so a test can assert that each app writes only its own models (docs/architecture.md,
"Each app writes only its own models").

A write with no serene module on the stack (a test's own setup, Django's admin or auth) is nobody's
and is not counted; nor are the tables of apps outside serene (the task queue, sessions). `core`
owns no table the others write: a write whose innermost serene frame is core's (the request
middleware around a Django view) is not attributed to it. A module of serene outside any installed
app (a page package) counts as its package, which owns no table.

tests/conftest.py watches every test this way and fails one whose code wrote another app's table.
Watches nest: a write is counted by the innermost one only, so a test may watch a block itself.
Writes made on other threads' connections (live servers, race tests) are not seen.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection

import serene

SERENE = str(Path(serene.__file__).resolve().parent)
WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Write:
    writer_app: str   # the app label of the module that asked for the write
    writer: str       # that module's name
    table_app: str    # the app label that owns the table
    table: str

    @property
    def foreign(self) -> bool:
        return self.writer_app != self.table_app

    def __str__(self) -> str:
        return f"{self.writer} ({self.writer_app}) writes {self.table} ({self.table_app})"


def _owners() -> dict[str, str]:
    owners = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_config.name.startswith("serene."):
            owners[model._meta.db_table] = model._meta.app_label
    return owners


def _writer(frame) -> tuple[str, str] | None:
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(SERENE) and "/migrations/" not in filename:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("serene."):
                config = apps.get_containing_app_config(module)
                return module, config.label if config is not None else module.split(".")[1]
        frame = frame.f_back
    return None


_watching: list[list[Write]] = []


@contextmanager
def watch_writes() -> Iterator[list[Write]]:
    """The writes made on the default connection inside the block, each with its writer and owner."""
    owners = _owners()
    seen: list[Write] = []

    def trace(execute, sql, params, many, context):
        match = WRITE.match(sql) if _watching and _watching[-1] is seen else None
        if match and match.group(1) in owners:
            found = _writer(sys._getframe(1))
            if found is not None and found[1] != "core":
                seen.append(Write(writer_app=found[1], writer=found[0], table_app=owners[match.group(1)],
                                  table=match.group(1)))
        return execute(sql, params, many, context)

    _watching.append(seen)
    try:
        with connection.execute_wrapper(trace):
            yield seen
    finally:
        _watching.remove(seen)


def foreign_writes(seen: list[Write]) -> list[str]:
    return sorted({str(write) for write in seen if write.foreign})

"""A task for tests/core/test_multiprocess.py: each run records itself in a table the test made."""
import os

from django.db import connection
from django_tasks import task

RUNS_TABLE = "test_multiprocess_task_runs"


@task()
def record_run(n: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {RUNS_TABLE} (n, pid) VALUES (%s, %s)", [n, os.getpid()])

"""Development tooling: the project-local PostgreSQL and Redis, the gunicorn starter, and
the commands behind `make` (``python -m devtools --help``).

Not a Django app and imports none: the Makefile runs it before Django is configured, and
the tests and the benchmark import the same starters. Standard library only.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServiceError(Exception):
    """A problem the developer has to fix; the message says how."""

    exit_code = 1


class PortTaken(ServiceError):
    exit_code = 98

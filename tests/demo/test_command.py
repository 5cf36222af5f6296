"""``cityloop demo-city``: builds once, prints the logins, and with --if-empty never builds twice."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityloop.core.actions import create_unit
from cityloop.core.models import AuditEntry, Unit, User
from cityloop.demo.people import DEMO_PASSWORD
from cityloop.demo.report import people
from cityloop.geo.models import Grid, Road


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo-city", *args, "--no-progress", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int, int, int]:
    return (
        Unit.objects.count(),
        Grid.objects.count(),
        Road.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


def test_if_empty_builds_once_then_only_prints_the_logins(db: Any) -> None:
    first = run("--seed", "2", "--if-empty")
    assert "Building the demo city, seed 2" in first
    assert "admin" in first and DEMO_PASSWORD in first and "dispatcher1" in first
    after_first = counts()
    assert after_first[1] >= 400

    second = run("--seed", "2", "--if-empty")
    assert "not built again" in second
    assert "admin" in second and DEMO_PASSWORD in second
    assert counts() == after_first
    # The same table both times.
    assert (
        first[first.index("username") :].split("\n")[:18]
        == second[second.index("username") :].split("\n")[:18]
    )

    with pytest.raises(CommandError, match="already loaded"):
        run("--seed", "2")


def test_all_logins_lists_every_demo_user(db: Any) -> None:
    out = run("--seed", "3", "--all-logins")
    # Every person the demo built; the channels' service accounts and the system's are not logins.
    users = people()
    assert users.count() > 100
    assert all(u.username in out for u in users)
    service = User.objects.exclude(pk__in=users.values("pk")).exclude(username="system")
    assert service.exists()
    assert not any(u.username in out for u in service)
    assert "supervisor02" in out and "community03_head" in out


def test_if_empty_leaves_a_real_city_alone(db: Any, actor: User) -> None:
    create_unit(actor=actor, code="320102", name="玄武区", kind="district")
    out = run("--if-empty")
    assert "not built again" in out and "No demo users" in out
    assert Unit.objects.count() == 1

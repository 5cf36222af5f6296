"""Building the demo city: the base city, then every step in :data:`STEPS`, in order.

A step is ``step(city: DemoCity, *, actor: User) -> None``. It writes through the real actions, runs
in a transaction of its own, draws its randomness from ``city.rng_for("<its name>")`` (never from
global randomness) and may add counts to ``city.summary``. The first line of its docstring is the
progress label. To add one, import it here and append it to :data:`STEPS`::

    from .components import add_components
    STEPS.append(add_components)
"""

from __future__ import annotations

from typing import Protocol

from django.db import transaction

from cityloop.core.models import Unit, User

from .city import DemoCity, Say, build_base_city, quiet
from .community import community_step
from .components import components_step, conditions_step
from .dispatching import rules_step
from .districts import CITY_CODE, DISTRICTS
from .escalation import escalation_step
from .frontage import frontage_step
from .frontage_docs import frontage_docs_step
from .gazetteer import gazetteer_step
from .participation import participation_step
from .video import video_step


class Step(Protocol):
    """One part of the demo city built on top of the base city."""

    __name__: str

    def __call__(self, city: DemoCity, *, actor: User) -> None: ...


STEPS: list[Step] = [
    conditions_step,
    components_step,
    gazetteer_step,
    rules_step,
    escalation_step,
    frontage_step,
    frontage_docs_step,
    community_step,
    participation_step,
    video_step,
]


def step_label(step: Step) -> str:
    """The first line of the step's docstring, or its name."""
    doc = (step.__doc__ or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else step.__name__


def run_steps(city: DemoCity, *, actor: User, steps: list[Step] | None = None, say: Say = quiet) -> None:
    """Run ``steps`` (by default :data:`STEPS`) on ``city``, each in its own transaction."""
    for step in STEPS if steps is None else steps:
        say(f"{step_label(step)} …")
        with transaction.atomic():
            step(city, actor=actor)


def demo_loaded() -> bool:
    """Whether the demo city or any of its districts is already in the database."""
    return Unit.objects.filter(code__in=[CITY_CODE, *(d.code for d in DISTRICTS)]).exists()


def build_demo_city(seed: int, *, actor: User, progress: bool = False, say: Say = quiet) -> DemoCity:
    """Build the whole demo city for ``seed``: same seed, same city."""
    city = build_base_city(seed, actor=actor, progress=progress, say=say)
    run_steps(city, actor=actor, say=say)
    return city

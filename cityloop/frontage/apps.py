from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontageConfig(AppConfig):
    name = "cityloop.frontage"
    label = "frontage"
    verbose_name = _("Frontage zones")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Duty, Party, Zone

        def under(path: str) -> Q:
            # A party belongs to its street (whose staff and everyone above see it) and to its
            # community (whose staff see it too, without its private contact: see privacy.py).
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(street_id__in=units) | Q(community_id__in=units)

        def zones_under(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(street_id__in=units) | Q(party__community_id__in=units)

        def zones_under_case(path: str) -> Q:
            # A self-correction is seen where its case is: the street, the district and above.
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(street_id__in=units) | Q(district_id__in=units) | Q(party__community_id__in=units)

        def by_street(path: str) -> Q:
            return Q(street_id__in=Unit.objects.filter(path__startswith=path).values("pk"))

        manage = {Role.UNIT_MANAGER, Role.ADMIN}
        register_scope(Party, under_path=under, actions={"view": ANY_ROLE, "manage": manage})
        register_scope(Zone, under_path=zones_under, actions={"view": ANY_ROLE, "manage": manage})
        register_scope(Duty, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}})

        from .models import SelfCorrection

        register_scope(SelfCorrection, under_path=zones_under_case, actions={"view": ANY_ROLE})
        from .models import CreditListing, CreditScore, SelfDisciplineGroup

        officers = {Role.UNIT_MANAGER, Role.ADMIN}
        for credit_model in (CreditScore, CreditListing, SelfDisciplineGroup):
            register_scope(credit_model, under_path=by_street, actions={"view": ANY_ROLE, "manage": officers})

        # The case loop knows zones: routing asks frontage before the territory (the registry is
        # routing's; frontage never imports routing elsewhere), and the worker ends the windows.
        from cityloop.notify.worker import register_sweep
        from cityloop.routing.claimers import register_claimer

        from .correction_actions import expire_corrections
        from .corrections import CLAIMER, frontage_claim, open_self_correction
        from .credit_actions import monthly_sweep

        register_claimer(CLAIMER, frontage_claim, on_dispatched=open_self_correction)
        register_sweep("frontage.corrections", lambda now: expire_corrections(now))
        register_sweep("frontage.credit", lambda now: monthly_sweep(now))
        from .reminders import remind

        register_sweep("frontage.notice_reminders", lambda now: remind(now))
        from .inspection_models import ChecklistItem, Inspection, InspectionRound, Notice
        from .letter_models import Letter

        def by_party_under(path: str) -> Q:
            # Letters, inspections and notices carry their party's street; the party's community
            # staff see them too.
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(street_id__in=units) | Q(party__community_id__in=units)

        def rounds_under(path: str) -> Q:
            return Q(street_id__in=Unit.objects.filter(path__startswith=path).values("pk"))

        inspect = {Role.SUPERVISOR, Role.UNIT_MANAGER, Role.ADMIN}
        for model in (Letter, Notice):
            register_scope(model, under_path=by_party_under, actions={"view": ANY_ROLE, "manage": manage})
        register_scope(
            Inspection,
            under_path=by_party_under,
            actions={"view": ANY_ROLE, "manage": manage, "inspect": inspect},
        )
        register_scope(
            InspectionRound,
            under_path=rounds_under,
            actions={"view": ANY_ROLE, "manage": manage, "inspect": inspect},
        )
        register_scope(
            ChecklistItem, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
        )

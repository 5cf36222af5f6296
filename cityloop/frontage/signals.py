"""Signals for the apps above frontage (the case loop): they connect here, frontage never imports them.

Both are sent *inside* the transaction that records the party's answer (or the expiry of its window),
so what a receiver writes on the case (its disposal, a timeline note) commits together with the
answer or not at all. A receiver that raises rolls the answer back: the party sees why.
"""

from django.dispatch import Signal

# correction_fixed(sender=SelfCorrection, correction=SelfCorrection, actor=User): the party says it
# put the problem right, with a photo (``correction.photo``); the case goes on to the supervisor's check.
correction_fixed = Signal()
# correction_passed_on(sender=SelfCorrection, correction=SelfCorrection, actor=User, reason=str): the
# party declined ("not mine / cannot") or let the window run out; the street deals with the case now.
correction_passed_on = Signal()

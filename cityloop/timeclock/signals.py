"""Signals for the apps above the timeclock (cases): they connect here, the timeclock never imports them.

All three are sent by the worker's sweep *inside* the transaction that records the change, so a
receiver's own writes (an urge, a case event) commit together with it or not at all, and happen
once. A receiver that raises rolls the change back; the next sweep tries again.
"""

from django.dispatch import Signal

# timer_warned(sender=StepTimer, timer=StepTimer): the step turned yellow.
timer_warned = Signal()
# timer_overdue(sender=StepTimer, timer=StepTimer): the step went past its deadline (red).
timer_overdue = Signal()
# escalation_due(sender=StepTimer, timer=StepTimer, rule=EscalationRule, escalation=Escalation):
# an escalation rule fell due for the timer (e.g. the district centre urges a case red for a day).
escalation_due = Signal()

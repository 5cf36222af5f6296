"""Every action name the audit log may hold, in one enum.

An audit entry's ``action`` is what an auditor filters by, so it is a closed list: ``record()``
refuses a name that is not here, and a test checks that every workflow transition has its
``case.<transition>`` name. Adding an action means adding its name here (with a label the audit log
viewer shows) in the same change.

Names are ``<object>.<verb>``; the object part says which kind of row the entry is about.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # --- organisation (core) ----------------------------------------------------------------------
    UNIT_CREATE = "unit.create", _("unit created")
    UNIT_UPDATE = "unit.update", _("unit changed")
    USER_CREATE = "user.create", _("user created")
    USER_SET_PASSWORD = "user.set_password", _("password set")
    USER_GRANT_ROLE = "user.grant_role", _("role granted")
    USER_REVOKE_ROLE = "user.revoke_role", _("role ended")
    TOKEN_CREATE = "token.create", _("API token issued")
    TOKEN_REVOKE = "token.revoke", _("API token revoked")
    BACKUP_CREATE = "backup.create", _("backup made")
    BACKUP_RESTORE = "backup.restore", _("backup restored")
    # --- grids and roads (geo) --------------------------------------------------------------------
    GRID_IMPORT = "grid.import", _("grids imported")
    GRID_END = "grid.end", _("grid ended")
    ROAD_CREATE = "road.create", _("road added")
    # --- catalog ----------------------------------------------------------------------------------
    CATALOG_LOAD_STANDARD = "catalog.load_standard", _("standard catalog loaded")
    CATALOG_IMPORT = "catalog.import", _("catalog imported")
    CATEGORY_CREATE = "category.create", _("category added")
    CATEGORY_RENAME = "category.rename", _("category renamed")
    CATEGORY_RETIRE = "category.retire", _("category retired")
    CATEGORY_REINSTATE = "category.reinstate", _("category reinstated")
    CONDITION_CREATE = "condition.create", _("registration condition added")
    CONDITION_REVISE = "condition.revise", _("registration condition revised")
    CONDITION_END = "condition.end", _("registration condition ended")
    CONDITION_IMPORT = "condition.import", _("registration conditions imported")
    CONDITION_LOAD_DEMO = "condition.load_demo", _("example registration conditions loaded")
    STEP_LIMIT_SET = "step_limit.set", _("step time limit set")
    URGENCY_SAVE = "urgency.save", _("urgency saved")
    # --- working time (timeclock) -----------------------------------------------------------------
    TIMER_START = "timer.start", _("step clock started")
    TIMER_PAUSE = "timer.pause", _("step clock paused")
    TIMER_RESUME = "timer.resume", _("step clock resumed")
    TIMER_EXTEND = "timer.extend", _("step clock extended")
    TIMER_STOP = "timer.stop", _("step clock stopped")
    TIMER_WARN = "timer.warn", _("step turned yellow")
    TIMER_OVERDUE = "timer.overdue", _("step overdue")
    TIMER_ESCALATE = "timer.escalate", _("escalation due")
    CALENDAR_IMPORT = "calendar.import", _("calendar days imported")
    WORKCALENDAR_SAVE = "workcalendar.save", _("working calendar saved")
    WORKCALENDAR_DELETE = "workcalendar.delete", _("working calendar deleted")
    CALENDARDAY_SAVE = "calendarday.save", _("calendar day saved")
    CALENDARDAY_DELETE = "calendarday.delete", _("calendar day deleted")
    CALENDARYEAR_SAVE = "calendaryear.save", _("calendar year saved")
    CALENDARYEAR_DELETE = "calendaryear.delete", _("calendar year deleted")
    ESCALATIONRULE_SAVE = "escalationrule.save", _("escalation rule saved")
    ESCALATIONRULE_DELETE = "escalationrule.delete", _("escalation rule deleted")
    # --- notices (notify) -------------------------------------------------------------------------
    INBOX_READ = "inbox.read", _("notice read")
    INBOX_READ_ALL = "inbox.read_all", _("all notices read")
    WEBHOOK_SAVE = "webhook.save", _("webhook saved")
    WEBHOOK_DELETE = "webhook.delete", _("webhook deleted")
    # --- components (assets) ----------------------------------------------------------------------
    COMPONENT_CREATE = "component.create", _("component added")
    COMPONENT_UPDATE = "component.update", _("component changed")
    COMPONENT_IMPORT = "component.import", _("components imported")
    COMPONENT_STATE_SAVE = "component_state.save", _("component state saved")
    COMPONENT_STATE_LOAD_STANDARD = "component_state.load_standard", _("standard component states loaded")
    # --- routing ----------------------------------------------------------------------------------
    ROUTING_RULE_CREATE = "routing.rule.create", _("routing rule added")
    ROUTING_RULE_UPDATE = "routing.rule.update", _("routing rule changed")
    ROUTING_RULE_END = "routing.rule.end", _("routing rule ended")
    ROUTING_RULE_DELETE = "routing.rule.delete", _("routing rule deleted")
    ROUTING_RULE_IMPORT = "routing.rule.import", _("routing rules imported")
    ROUTING_RETURN_RECORD = "routing.return.record", _("return counted")
    ROUTING_ARBITRATION_OPEN = "routing.arbitration.open", _("arbitration opened")
    ROUTING_ARBITRATION_RULE = "routing.arbitration.rule", _("arbitration ruled")
    # --- cases: report channels, uploads, and every transition of the workflow table --------------
    CHANNEL_CREATE = "channel.create", _("channel added")
    CHANNEL_CHANGE = "channel.change", _("channel changed")
    ATTACHMENT_UPLOAD = "attachment.upload", _("file uploaded")
    CASE_REPORT = "case.report", _("case reported")
    CASE_SELF_REPORT = "case.self_report", _("case reported as self-handled")
    CASE_SEND_FOR_VERIFICATION = "case.send_for_verification", _("case sent for verification")
    CASE_VERIFY = "case.verify", _("case verified")
    CASE_ACCEPT = "case.accept", _("case accepted")
    CASE_NOT_ACCEPT = "case.not_accept", _("case not accepted")
    CASE_REGISTER = "case.register", _("case registered")
    CASE_NOT_REGISTER = "case.not_register", _("case not registered")
    CASE_CHANGE_CATEGORY = "case.change_category", _("case category changed")
    CASE_VOID = "case.void", _("case voided")
    CASE_DISPATCH = "case.dispatch", _("case dispatched")
    CASE_REQUEST_RETURN = "case.request_return", _("return requested")
    CASE_APPROVE_RETURN = "case.approve_return", _("return approved")
    CASE_REFER_TO_ARBITRATION = "case.refer_to_arbitration", _("case referred to arbitration")
    CASE_RULE_ARBITRATION = "case.rule_arbitration", _("arbitration ruling")
    CASE_REJECT_RETURN = "case.reject_return", _("return rejected")
    CASE_REQUEST_EXTENSION = "case.request_extension", _("extension requested")
    CASE_APPROVE_EXTENSION = "case.approve_extension", _("extension approved")
    CASE_REJECT_EXTENSION = "case.reject_extension", _("extension rejected")
    CASE_REQUEST_HOLD = "case.request_hold", _("hold requested")
    CASE_APPROVE_HOLD = "case.approve_hold", _("hold approved")
    CASE_REJECT_HOLD = "case.reject_hold", _("hold rejected")
    CASE_RESUME = "case.resume", _("case resumed from hold")
    CASE_DISPOSE = "case.dispose", _("case disposed")
    CASE_SEND_FOR_CHECK = "case.send_for_check", _("case sent for check")
    CASE_CHECK_PASS = "case.check_pass", _("check passed")
    CASE_CHECK_FAIL = "case.check_fail", _("check failed")
    CASE_RETURN_VISIT = "case.return_visit", _("return visit made")
    CASE_REQUEST_NO_RETURN_VISIT = "case.request_no_return_visit", _("no return visit requested")
    CASE_APPROVE_NO_RETURN_VISIT = "case.approve_no_return_visit", _("no return visit approved")
    CASE_REOPEN = "case.reopen", _("case re-assigned after an unsatisfied visit")
    CASE_CLOSE = "case.close", _("case closed")
    CASE_APPROVE_SELF_HANDLING = "case.approve_self_handling", _("self-handling approved")
    CASE_REJECT_SELF_HANDLING = "case.reject_self_handling", _("self-handling rejected")
    CASE_URGE = "case.urge", _("case urged")
    CASE_COMMENT = "case.comment", _("comment added")
    CASE_RATE = "case.rate", _("case rated by the reporter")
    # --- evaluation -------------------------------------------------------------------------------
    EVALUATION_SCHEME_CREATE = "evaluation_scheme.create", _("evaluation scheme added")
    EVALUATION_COMPUTE = "evaluation.compute", _("evaluation computed")
    EVALUATION_RECHECK = "evaluation.recheck", _("evaluation rechecked")
    EVALUATION_ADJUST = "evaluation.adjust", _("evaluation adjusted")
    EVALUATION_PUBLISH = "evaluation.publish", _("evaluation published")

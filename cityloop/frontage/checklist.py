"""The inspection checklist: items per duty, as data (migration 0004 loads the standard ones; a city
edits, adds or retires its own through :func:`save_item`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cityloop.core.audit import SYSTEM_USERNAME, domain_action, record, snapshot
from cityloop.core.models import Role, User
from cityloop.core.permissions import has_role

from .models import ChecklistItem, Duty

# duty, code, text, weight, case category (catalog event code), order: the same as migration 0004.
STANDARD_ITEMS = (
    ("sanitation", "san_clean", "门前路面清扫干净，无垃圾、污水、积存渣土", 10, "0104", 10),
    ("sanitation", "san_refuse", "无乱扔乱倒，无暴露垃圾", 10, "0102", 20),
    ("sanitation", "san_posting", "无乱贴乱画、小广告", 10, "0201", 30),
    ("order", "ord_outside", "无出店经营、店外摆卖", 15, "0504", 10),
    ("order", "ord_piling", "无乱堆物堆料", 10, "0507", 20),
    ("order", "ord_parking", "门前车辆停放有序", 10, "0506", 30),
    ("order", "ord_hanging", "无沿街晾挂", 5, "0511", 40),
    ("greening", "grn_green", "门前绿地整洁，无踩踏、无杂物", 10, "0106", 10),
    ("greening", "grn_facility", "门前公共设施完好，无损毁、占用", 10, "0199", 20),
    ("greening", "grn_sign", "门头招牌牢固完好", 10, "0205", 30),
)
# The case category a duty's failure escalates to when its item names none.
DUTY_CATEGORY = {"sanitation": "0199", "order": "0599", "greening": "0199"}
FALLBACK_CATEGORY = "0199"


def _require_admin(actor: User) -> None:
    # The system account loads the standard list (migrations, the demo, a flushed test database).
    if actor.username == SYSTEM_USERNAME:
        return
    if not actor.is_superuser and not has_role(actor, Role.ADMIN):
        raise ValidationError({"actor": "只有管理员可以修改巡查清单"})


@domain_action
def load_standard_checklist(*, actor: User) -> int:
    """Create the standard items that are missing (for duties that exist); returns how many."""
    _require_admin(actor)
    duties = {d.code: d for d in Duty.objects.all()}
    made = 0
    for duty, code, text, weight, category, order in STANDARD_ITEMS:
        if duty not in duties:
            continue
        _, created = ChecklistItem.objects.get_or_create(
            code=code,
            defaults={
                "duty": duties[duty],
                "text": text,
                "weight": weight,
                "category": category,
                "order": order,
            },
        )
        made += created
    if made:
        record(
            actor,
            "frontage.checklist.load_standard",
            object_type="frontage.checklistitem",
            object_id="",
            after={"created": made},
        )
    return made


@domain_action
def save_item(
    *,
    actor: User,
    duty: Duty,
    code: str,
    text: str,
    weight: int = 10,
    category: str = "",
    order: int = 0,
    active: bool = True,
) -> ChecklistItem:
    """Add a checklist item or change one (by code)."""
    _require_admin(actor)
    code, text, category = code.strip(), text.strip(), category.strip()
    errors: dict[str, str] = {}
    if not code or len(code) > 32:
        errors["code"] = "请填写编码（不超过32字符）"
    if not text or len(text) > 200:
        errors["text"] = "请填写检查内容（不超过200字）"
    if not 1 <= int(weight) <= 100:
        errors["weight"] = "分值应在1到100之间"
    if len(category) > 32:
        errors["category"] = "案件类别编码不超过32字符"
    if errors:
        raise ValidationError(errors)
    item = ChecklistItem.objects.filter(code=code).first()
    before = snapshot(item) if item else None
    item = item or ChecklistItem(code=code)
    item.duty, item.text, item.weight, item.category, item.order, item.active = (
        duty,
        text,
        int(weight),
        category,
        int(order),
        active,
    )
    item.save()
    record(actor, "frontage.checklist.save", item, before=before, after=snapshot(item))
    return item


def category_for(item: ChecklistItem) -> str:
    """The case category a failure of ``item`` escalates to."""
    return item.category or DUTY_CATEGORY.get(item.duty.code, FALLBACK_CATEGORY)

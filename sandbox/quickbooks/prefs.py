"""Preferences read by the rules (QBO-RUBY preferences.xml shape)."""

from sandbox.quickbooks import unit
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.store import record_touch_meta


def preferences(company: Company, *, lock: bool = False) -> Record | None:
    """The company's Preferences (Id 1), read once per call."""
    work = unit.current(company)
    if work is not None:
        return work.get(*unit.PREFS, lock)
    qs = Record.objects.filter(company=company, type="Preferences")
    return (qs.select_for_update() if lock else qs).first()


def pref_value(company: Company, section: str, name: str):
    rec = preferences(company)
    if rec is None:
        return None
    block = rec.data.get(section) or {}
    if section == "OtherPrefs":
        for pair in block.get("NameValue") or []:
            if pair.get("Name") == name:
                return pair.get("Value")
        return None
    return block.get(name)


def book_close_date(company: Company) -> str | None:
    value = pref_value(company, "AccountingInfoPrefs", "BookCloseDate")
    return str(value)[:10] if value else None


def doc_number_next(company: Company, entity: str) -> str:
    """Intuit numbers a sales form "by incrementing the last number by 1" (Invoice doc page)."""
    rec = preferences(company, lock=True)
    if rec is None:
        return "1001"
    seq = dict(rec.meta.get("doc_seq") or {})
    number = int(seq.get(entity, 1000)) + 1
    seq[entity] = number
    rec.meta = {**rec.meta, "doc_seq": seq}
    record_touch_meta(rec)
    return str(number)

"""Line items and totals as Xero computes them, in Decimal.

LineAmount = Quantity x UnitAmount less DiscountRate%, rounded to cents; tax is worked out per
line (Xero's default "round per line") from the TaxRate's EffectiveRate: on top of the amount for
Exclusive, inside it for Inclusive, none for NoTax.
[developer.xero.com/documentation/api/accounting/invoices#line-items;
help.xero.com "Tax rounding"]
"""

from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.models import Organisation, Record

# Unit amounts keep 2 decimals unless the call opts in with `unitdp=4` [XERO-SPEC unitdp].
UNIT_DP: ContextVar[int] = ContextVar("xero_unitdp", default=2)
LAT = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
QTY = Decimal("0.0001")


def dec(value, default="0") -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else default))
    except InvalidOperation as exc:
        raise ElementError(f"'{value}' is not a valid number.") from exc


def line_amount_types(value, default="Exclusive") -> str:
    lat = LAT.get(str(value or default).lower())
    if lat is None:
        raise ElementError(f"'{value}' is not a valid LineAmountTypes value.")
    return lat


def books_for(org: Organisation) -> "Books":
    """The org's books, read once per API call (again after the call changes them)."""
    return store.memo(("books", org.pk), lambda: Books(org)) or _reload(org)


def _reload(org: Organisation) -> "Books":
    books = Books(org)
    store.memo_put(("books", org.pk), books)
    return books


class Books:
    """The org's settings a document is checked against."""

    def __init__(self, org: Organisation):
        rows = Record.objects.filter(
            organisation=org, kind__in=["Account", "TaxRate", "Item", "TrackingCategory"]
        ).values_list("kind", "data")
        self.accounts, self.taxes, self.items, self.tracking = {}, {}, {}, {}
        for kind, data in rows:
            if kind == "Account":
                self.accounts[data.get("Code") or data["AccountID"]] = data
                self.accounts[data["AccountID"]] = data
            elif kind == "TaxRate":
                self.taxes[data["TaxType"]] = data
            elif kind == "Item":
                self.items[data["Code"]] = data
            else:
                self.tracking[data["Name"].lower()] = data
                self.tracking[data["TrackingCategoryID"]] = data

    def account(self, ref: dict | None) -> dict | None:
        ref = ref or {}
        key = ref.get("AccountID") or ref.get("Code")
        acct = self.accounts.get(str(key).lower() if ref.get("AccountID") else key)
        return acct if acct and acct.get("Status", "ACTIVE") == "ACTIVE" else None

    def rate(self, tax_type: str) -> Decimal:
        return dec(self.taxes[tax_type].get("EffectiveRate", 0)) / 100


def _tracking(books: Books, raw: list) -> list[dict]:
    out = []
    for tr in raw or []:
        cat = books.tracking.get(
            str(tr.get("TrackingCategoryID", "")).lower()
        ) or books.tracking.get(str(tr.get("Name", "")).lower())
        if cat is None:
            raise ElementError(f"Tracking category '{tr.get('Name', '')}' could not be found.")
        want = str(tr.get("TrackingOptionID") or tr.get("Option") or "").lower()
        opt = next(
            (o for o in cat["Options"] if want in (o["TrackingOptionID"], o["Name"].lower())), None
        )
        if opt is None:
            raise ElementError(f"Tracking option '{tr.get('Option', '')}' could not be found.")
        out.append(
            {
                "Name": cat["Name"],
                "Option": opt["Name"],
                "TrackingCategoryID": cat["TrackingCategoryID"],
                "TrackingOptionID": opt["TrackingOptionID"],
            }
        )
    if len(out) > 2:
        raise ElementError("A maximum of 2 tracking categories can be specified per line item.")
    return out


def _item(books: Books, raw: dict) -> dict | None:
    if not raw.get("ItemCode"):
        return None
    item = books.items.get(raw["ItemCode"])
    if item is None:
        raise ElementError(f"Item code '{raw['ItemCode']}' is not valid.")
    return item


def _amount(raw: dict, details: dict) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(quantity, unit amount, discount rate, line amount)."""
    qty = dec(raw.get("Quantity"), "1").quantize(QTY, ROUND_HALF_UP)
    unit = raw.get("UnitAmount", details.get("UnitPrice"))
    if unit in (None, "") and raw.get("LineAmount") not in (None, ""):
        unit = dec(raw["LineAmount"]) / (qty or 1)
    unit = dec(unit).quantize(QTY if UNIT_DP.get() == 4 else store.CENT, ROUND_HALF_UP)
    discount = dec(raw.get("DiscountRate"), "0")
    return qty, unit, discount, store.money(qty * unit * (1 - discount / 100))


def _account(books: Books, raw: dict, details: dict) -> tuple[str | None, dict | None]:
    code = raw.get("AccountCode") or details.get("AccountCode")
    if raw.get("AccountID") and not code:
        acct = books.account({"AccountID": raw["AccountID"]})
        code = acct.get("Code") if acct else raw["AccountID"]
    acct = books.account({"Code": code}) if code else None
    if code and (acct is None or acct["Type"] == "BANK"):
        raise ElementError(f"Account code '{code}' is not a valid code for this document.")
    return code, acct


def _tax(books: Books, tax_type: str, lat: str, amount: Decimal) -> tuple[str, Decimal]:
    tax_type = "NONE" if lat == "NoTax" else tax_type
    if tax_type not in books.taxes:
        raise ElementError(
            f"The TaxType code {tax_type} does not exist or cannot be used "
            "for this type of transaction."
        )
    rate = books.rate(tax_type) if lat != "NoTax" else Decimal(0)
    tax = amount * rate if lat == "Exclusive" else amount - amount / (1 + rate)
    return tax_type, store.money(tax)


def _line(books: Books, raw: dict, lat: str, sales: bool, old_ids: set) -> dict:
    item = _item(books, raw)
    details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}
    qty, unit, discount, amount = _amount(raw, details)
    code, acct = _account(books, raw, details)
    wanted = raw.get("TaxType") or details.get("TaxType") or (acct or {}).get("TaxType") or "NONE"
    tax_type, tax = _tax(books, wanted, lat, amount)
    line_id = str(raw.get("LineItemID") or "").lower()
    out = {
        "LineItemID": line_id if line_id in old_ids else store.new_id(),
        "Description": raw.get("Description") or (item or {}).get("Description", ""),
        "Quantity": float(qty),
        "UnitAmount": float(unit),
        "TaxType": tax_type,
        "TaxAmount": store.to_number(tax),
        "LineAmount": store.to_number(amount),
        "Tracking": _tracking(books, raw.get("Tracking")),
    }
    if code:
        out.update(AccountCode=code, AccountID=acct["AccountID"])
    if item:
        out["ItemCode"] = item["Code"]
        out["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]}
    if discount:
        out["DiscountRate"] = float(discount)
    return out


def build_lines(books: Books, raw_lines, lat: str, sales: bool, old_lines=()) -> tuple[list, dict]:
    """Validate and price the lines; returns (lines, totals as Decimals)."""
    if raw_lines is not None and not isinstance(raw_lines, list):
        raise ElementError("LineItems must be a list.")
    old_ids = {ln.get("LineItemID") for ln in old_lines}
    lines = [_line(books, raw, lat, sales, old_ids) for raw in raw_lines or []]
    amounts = sum((dec(ln["LineAmount"]) for ln in lines), Decimal("0.00"))
    tax = sum((dec(ln["TaxAmount"]) for ln in lines), Decimal("0.00"))
    subtotal = amounts - tax if lat == "Inclusive" else amounts
    return lines, {"SubTotal": subtotal, "TotalTax": tax, "Total": subtotal + tax}


def same_lines(new: list[dict], old: list[dict]) -> bool:
    """Whether a re-sent list changes nothing monetary (used once payments lock the lines)."""
    keys = ("Description", "Quantity", "UnitAmount", "AccountCode", "TaxType", "LineAmount")
    strip = [tuple(ln.get(k) for k in keys) for ln in new]
    return strip == [tuple(ln.get(k) for k in keys) for ln in old]

"""The `reference` preset: 5,000 contacts (each with a matter), 20,000 bills x 10 lines, 20,000
payments with their allocations and deposits, 30,000 trust transactions. Bulk-inserted (no
webhooks, no per-row queries); amounts are computed with Decimal exactly as billing.totals does.
"""

import hashlib
import json
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from sandbox.clio import billing
from sandbox.clio.models import Account, Record
from sandbox.clio.store import money, num, parent_of

N_CONTACTS, BILLS_PER_MATTER, LINES, TRUST_PER_MATTER = 5_000, 4, 10, 6
BASE = date(2025, 1, 6)
BATCH = 3_000


def bulk_insert(account: Account, type_: str, rows: list[dict]) -> list[Record]:
    """Insert rows with ids chosen here (no RETURNING round trips); COPY on PostgreSQL."""
    now = timezone.now()
    stamp = now.isoformat()
    start = (Record.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    # Etags from type, position and time (not from the JSON): unique per row and much cheaper.
    objs = [
        Record(
            id=start + i,
            account=account,
            type=type_,
            data=row,
            parent_id=parent_of(type_, row),
            etag=f'"{hashlib.md5(f"{type_}|{i}|{stamp}".encode()).hexdigest()}"',  # noqa: S324
            created_at=now,
            updated_at=now,
        )
        for i, row in enumerate(rows)
    ]
    if not objs:
        return objs
    if connection.vendor == "postgresql":
        _copy(objs)
    elif connection.vendor == "sqlite":
        _executemany(objs)
    else:
        Record.objects.bulk_create(objs, batch_size=BATCH)
    return objs


COLUMNS = "id, account_id, type, data, parent_id, version, etag, created_at, updated_at, deleted"


def _executemany(objs: list[Record]) -> None:
    """SQLite: one prepared INSERT run over all rows (no ORM per-row work)."""
    table = Record._meta.db_table
    moment = objs[0].created_at.isoformat(sep=" ").replace("+00:00", "")
    rows = [
        (o.id, o.account_id, o.type, json.dumps(o.data), o.parent_id, 1, o.etag, moment, moment, 0)
        for o in objs
    ]
    connection.ensure_connection()
    connection.connection.executemany(
        f"INSERT INTO {table} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608 - constants
        rows,
    )


def _copy(objs: list[Record]) -> None:
    table = Record._meta.db_table
    columns = COLUMNS
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for o in objs:
                copy.write_row(
                    (
                        o.id,
                        o.account_id,
                        o.type,
                        json.dumps(o.data),
                        o.parent_id,
                        1,
                        o.etag,
                        o.created_at,
                        o.updated_at,
                        False,
                    )
                )
        # Explicit ids bypass the sequence: move it past them.
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [objs[-1].id])


def seed_reference(
    account: Account, user_id: int, size: int | None = None, *, with_bills: bool = True
) -> dict:
    """`size` = how many contacts (default N_CONTACTS), to scale the firm down for a quick run;
    each contact keeps its matter, four bills of ten lines, their payments and six trust
    transactions. `with_bills=False` leaves out the bills and payments: the trust side alone."""
    rng = random.Random(2025)
    banks = {r.data["type"]: r for r in Record.objects.filter(account=account, type="bank_account")}
    n_contacts = N_CONTACTS if size is None else size
    contacts = bulk_insert(account, "contact", [_contact(i) for i in range(n_contacts)])
    matters = bulk_insert(
        account, "matter", [_matter(c, i, user_id) for i, c in enumerate(contacts)]
    )
    plans = [(m, k) for m in matters for k in range(BILLS_PER_MATTER if with_bills else 0)]
    lines_for = [[_line(rng, m, k, j, user_id) for j in range(LINES)] for m, k in plans]
    bill_rows = [_bill(m, i, k, lines_for[i], user_id) for i, (m, k) in enumerate(plans)]
    bills = bulk_insert(account, "bill", bill_rows) if bill_rows else []
    line_rows = [
        dict(line, bill={"id": bill.id})
        for bill, lines in zip(bills, lines_for, strict=False)
        for line in lines
    ]
    if line_rows:
        bulk_insert(account, "line_item", line_rows)
    n_pay = _payments(account, bills, banks["Operating"]) if bills else 0
    n_trust = _trust(account, matters, banks["Trust"], rng)
    return {
        "counts": {
            "contacts": len(contacts),
            "matters": len(matters),
            "bills": len(bills),
            "line_items": len(line_rows),
            "payments": n_pay,
            "trust_transactions": n_trust,
        }
    }


def _contact(i: int) -> dict:
    first, last = f"Client{i:04d}", f"Reference{i % 97:02d}"
    return {
        "type": "Person",
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "primary_email_address": f"client{i}@reference.example",
        "email_addresses": [
            {
                "id": 5_000_000 + i,
                "name": "Work",
                "address": f"client{i}@reference.example",
                "primary": True,
            }
        ],
        "phone_numbers": [],
        "addresses": [],
        "primary_phone_number": None,
        "is_client": True,
    }


def _matter(contact: Record, i: int, user_id: int) -> dict:
    return {
        "client": {"id": contact.id},
        "description": f"Reference matter {i}",
        "status": "Open",
        "number": i + 1,
        "display_number": f"{i + 1:05d}-{contact.data['last_name']}",
        "billable": True,
        "billing_method": "hourly",
        "open_date": BASE.isoformat(),
        "responsible_attorney": {"id": user_id},
    }


def _line(rng, matter: Record, k: int, j: int, user_id: int) -> dict:
    service = j < 8
    return billing.line_fill(
        {
            "type": "LineItem",
            "description": "Legal services" if service else "Disbursement",
            "date": (BASE + timedelta(days=30 * k + j)).isoformat(),
            "price": rng.choice([150.0, 250.0, 350.0]) if service else rng.choice([12.5, 40.0]),
            "quantity": rng.choice([0.5, 1.0, 1.5, 2.0]) if service else 1,
            "kind": "Service" if service else "Expense",
            "taxable": False,
            "secondary_taxable": False,
            "note": None,
            "group_ordering": j,
            "matter": {"id": matter.id},
            "user": {"id": user_id},
        }
    )


# Bill fates by index: draft, pending approval, unpaid x2, paid x5 (two payments each), void.
FATES = (
    ["draft", "awaiting_approval", "awaiting_payment", "awaiting_payment"] + ["paid"] * 5 + ["void"]
)


def _bill(matter: Record, i: int, k: int, lines: list[dict], user_id: int) -> dict:
    issued = BASE + timedelta(days=30 * k + 12)
    fake = Record(pk=matter.id, data=matter.data)
    data = billing.new_bill_data(None, fake, user_id, issued, number=i + 1)
    state = FATES[i % len(FATES)]
    paid = state == "paid"
    allocations = (
        [{"amount": b, "parent": {"type": "Payment"}} for b in _halves(lines)] if paid else []
    )
    data.update(billing.totals(data, lines, allocations))
    data.update(state=state, paid_at=(issued + timedelta(days=20)).isoformat() if paid else None)
    data["can_update"] = state in billing.EDITABLE
    data["available_state_transitions"] = billing.TRANSITIONS[state]
    data["_pay"] = [num(h) for h in _halves(lines)] if paid else []
    return data


def _halves(lines: list[dict]) -> list[Decimal]:
    total = sum((money(line["total"]) for line in lines), Decimal(0))
    first = (total / 2).quantize(Decimal("0.01"))
    return [first, total - first]


def _payments(account, bills, operating) -> int:
    pay_rows, plan = [], []
    for bill in bills:
        for n, amount in enumerate(bill.data.get("_pay", [])):
            day = (
                date.fromisoformat(bill.data["issued_at"]) + timedelta(days=10 * (n + 1))
            ).isoformat()
            pay_rows.append(
                {
                    "description": "Payment",
                    "reference": "",
                    "amount": amount,
                    "date": day,
                    "source_fund_type": "Matter",
                    "voided_at": None,
                }
            )
            plan.append((bill, amount, day))
    payments = bulk_insert(account, "payment", pay_rows)
    allocations = bulk_insert(
        account,
        "allocation",
        [
            _allocation(bill, pay, amount, day, operating)
            for (bill, amount, day), pay in zip(plan, payments, strict=False)
        ],
    )
    balance, deposits = Decimal(0), []
    for (bill, amount, day), alloc in zip(plan, allocations, strict=False):
        balance += money(amount)
        deposits.append(
            _txn(
                operating,
                money(amount),
                balance,
                day,
                bill.data["matters"][0]["id"],
                bill.data["client"]["id"],
                {"bill": {"id": bill.id}, "allocation": {"id": alloc.id}},
            )
        )
    bulk_insert(account, "bank_transaction", deposits)
    Record.objects.filter(pk=operating.pk).update(data={**operating.data, "balance": num(balance)})
    return len(payments)


def _allocation(bill, payment, amount, day, operating) -> dict:
    return {
        "date": day,
        "amount": amount,
        "interest": False,
        "voided_at": None,
        "description": "Payment",
        "has_online_payment": False,
        "destroyable": True,
        "payment_type": None,
        "bill": {"id": bill.id},
        "matter": bill.data["matters"][0],
        "contact": bill.data["client"],
        "parent": {"id": payment.id, "type": "Payment", "identifier": day},
        "source_bank_account": {"id": operating.id},
        "destination_bank_account": {"id": operating.id},
    }


def _txn(bank, amount: Decimal, balance: Decimal, day, matter_id, client_id, extra=None) -> dict:
    row = {
        "type": "liability" if bank.data["type"] == "Trust" else "asset",
        "bank_account_id": bank.id,
        "bank_account": {"id": bank.id},
        "source": "Manual",
        "confirmation": None,
        "date": day,
        "amount": num(amount),
        "currency": "USD",
        "exchange_rate": 1.0,
        "transaction_type": "Deposit" if amount > 0 else "Withdrawal",
        "description": "Reference transaction",
        "funds_in": num(max(amount, Decimal(0))),
        "funds_out": num(max(-amount, Decimal(0))),
        "current_account_balance": num(balance),
        "clio_payments_transaction": False,
        "read_only_confirmation": False,
        "matter": {"id": matter_id},
        "client": {"id": client_id},
    }
    return row | (extra or {})


def _trust(account, matters, trust, rng) -> int:
    """Per matter: deposits and smaller withdrawals, so no matter ledger goes negative."""
    rows, balance = [], Decimal(0)
    for matter in matters:
        held = Decimal(0)
        for n in range(TRUST_PER_MATTER):
            amount = (
                money(rng.choice([500, 1000, 2500]))
                if n % 2 == 0
                else -money(rng.choice([100, 250, 400]))
            )
            held += amount
            balance += amount
            day = (BASE + timedelta(days=5 * n)).isoformat()
            rows.append(_txn(trust, amount, balance, day, matter.id, matter.data["client"]["id"]))
    bulk_insert(account, "bank_transaction", rows)
    Record.objects.filter(pk=trust.pk).update(data={**trust.data, "balance": num(balance)})
    return len(rows)

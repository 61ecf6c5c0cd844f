"""One trust account's March 2026, built row by row for the reconciliation tests.

2 Mar  Smith deposit 5,000.00          bank  3 Mar +5,000.00
10 Mar Jones deposits 1,000.00 + 750.00 bank 10 Mar +1,750.00 (one deposit slip)
12 Mar Smith cheque 1042 400.00         bank 16 Mar -400.00
29 Mar Jones cheque 1043 250.00         not presented by 31 Mar
31 Mar Smith deposit 600.00             not credited by 31 Mar
                                        bank 31 Mar -15.00 wire fee, not journalled
Bank closing 6,335.00; journal 6,700.00; adjusted bank 6,335 + 600 - 250 = 6,685.00
"""

import itertools
from datetime import date
from decimal import Decimal as D

from practice.models import Contact, Matter
from trust.models import ClientLedger, EntryKind, EntrySource, TrustAccount, TrustEntry

_ids = itertools.count(1)

CSV_MARCH = b"""Date,Description,Check No,Debit,Credit
03/03/2026,DEPOSIT SMITH,,,"5,000.00"
03/10/2026,DEPOSIT,,,1750.00
03/16/2026,CHECK 1042,1042,400.00,
03/31/2026,WIRE FEE,,15.00,
"""
CSV_MARCH_NO_FEE = b"""Date,Description,Check No,Debit,Credit
03/03/2026,DEPOSIT SMITH,,,"5,000.00"
03/10/2026,DEPOSIT,,,1750.00
03/16/2026,CHECK 1042,1042,400.00,
"""
CSV_COLUMNS = {
    "date": "Date",
    "date_format": "%m/%d/%Y",
    "debit": "Debit",
    "credit": "Credit",
    "description": "Description",
    "reference": "Check No",
}


def trust_account(firm, name="IOLTA Trust Account") -> TrustAccount:
    return TrustAccount.objects.create(
        firm=firm, name=name, clio_id=next(_ids) + 9000, institution="First Harbor Bank"
    )


def ledger(account, number: str, client: str) -> ClientLedger:
    contact = Contact.objects.create(firm=account.firm, clio_id=next(_ids) + 5000, name=client)
    matter = Matter.objects.create(
        firm=account.firm,
        clio_id=next(_ids) + 7000,
        client=contact,
        display_number=number,
        description=f"{client} matter",
    )
    return ClientLedger.objects.create(firm=account.firm, account=account, matter=matter)


def entry(account, led, kind, amount, day, **extra) -> TrustEntry:
    direction = "in" if kind in ("deposit", "transfer_in", "firm_funds", "reversal_in") else "out"
    direction = extra.pop("direction", direction)
    return TrustEntry.objects.create(
        firm=account.firm,
        account=account,
        ledger=led,
        kind=kind,
        direction=direction,
        amount=D(amount),
        date=day,
        source=EntrySource.FIRMSYNC,
        source_id=f"test:{next(_ids)}",
        **extra,
    )


def march(firm):
    """The account, its two ledgers and March's entries (see the module docstring)."""
    account = trust_account(firm)
    smith = ledger(account, "2026-001", "Smith")
    jones = ledger(account, "2026-002", "Jones")
    entry(account, smith, EntryKind.DEPOSIT, "5000.00", date(2026, 3, 2), payee="Smith")
    entry(account, jones, EntryKind.DEPOSIT, "1000.00", date(2026, 3, 10), payee="Jones")
    entry(account, jones, EntryKind.DEPOSIT, "750.00", date(2026, 3, 10), payee="Jones")
    entry(
        account,
        smith,
        EntryKind.DISBURSEMENT,
        "400.00",
        date(2026, 3, 12),
        payee="Acme Court Reporting",
        reference="1042",
    )
    entry(
        account,
        jones,
        EntryKind.DISBURSEMENT,
        "250.00",
        date(2026, 3, 29),
        payee="County Clerk",
        reference="1043",
    )
    entry(account, smith, EntryKind.DEPOSIT, "600.00", date(2026, 3, 31), payee="Smith")
    return account, smith, jones


def ofx_file(*, trnamt: str, dtposted: str = "20260305", balamt: str = "10.00") -> bytes:
    """A one-transaction OFX 1.02 (SGML) statement for March 2026."""
    return f"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260401<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000248<ACCTID>9876543210<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260331
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>{dtposted}<TRNAMT>{trnamt}<FITID>F1<NAME>DEPOSIT</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>{balamt}<DTASOF>20260331</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
""".encode()

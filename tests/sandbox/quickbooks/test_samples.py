"""Served JSON against Intuit's real responses (QBO-RUBY samples, XML) turned into Intuit's JSON form.

The XML -> JSON rule is Intuit's: element and attribute names are the keys, repeated elements
(maxOccurs > 1 in the XSD) are arrays, simple content is "value", xs:decimal/int are numbers and
xs:boolean booleans. For every entity we serve, each key it shares with the real sample must have
the same JSON kind (number, string, boolean, object, array), and the converted sample itself must
pass the same XSD check our responses pass.
"""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sandbox.quickbooks.schema import NUMBER, entity_problems, shape
from tests.sandbox.quickbooks.conftest import invoice_body

SAMPLES = Path(__file__).parent / "samples"
NS = "{http://schema.intuit.com/finance/v3}"


def to_json(node, type_name: str):
    s = shape()
    if type_name not in s.types:
        return _leaf(node.text or "", type_name)
    members, simple = s.members(type_name)
    out = {k: _leaf(v, members[k][0]) for k, v in node.attrib.items() if k in members}
    if simple:
        out["value"] = (node.text or "").strip()
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = child.tag.replace(NS, "")
        child_type, many, _ = members[name]
        value = to_json(child, child_type)
        if many:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _leaf(text: str, type_name: str):
    text = text.strip()
    if type_name in NUMBER:
        return float(text)
    if type_name == "boolean":
        return text == "true"
    return text


def sample(entity: str, filename: str) -> dict:
    root = ET.parse(SAMPLES / filename).getroot()
    node = next(n for n in root.iter() if n.tag.replace(NS, "") == entity)
    return to_json(node, entity)


def kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def same_kinds(ours: dict, real: dict, path="") -> list[str]:
    out = []
    for key in ours.keys() & real.keys():
        a, b = ours[key], real[key]
        if kind(a) != kind(b):
            out.append(f"{path}{key}: ours {kind(a)}, Intuit {kind(b)}")
        elif isinstance(a, dict):
            out += same_kinds(a, b, f"{path}{key}.")
        elif isinstance(a, list) and a and b and isinstance(a[0], dict):
            out += same_kinds(a[0], b[0], f"{path}{key}[0].")
    return out


CASES = [
    ("Invoice", "invoice.xml"),
    ("Payment", "payment.xml"),
    ("Deposit", "deposit.xml"),
    ("Customer", "customer.xml"),
    ("Item", "item.xml"),
    ("JournalEntry", "journal_entry.xml"),
    ("Transfer", "transfer.xml"),
    ("CreditMemo", "fetch_credit_memo.xml"),
    ("Preferences", "preferences.xml"),
    ("Account", "accounts.xml"),
]


@pytest.mark.parametrize(("entity", "filename"), CASES)
def test_real_samples_pass_the_shape_check(entity, filename):
    assert entity_problems(entity, sample(entity, filename)) == []


def test_served_entities_match_the_real_samples(qbo, books):
    acc = books["accounts"]
    inv = qbo.create("Invoice", invoice_body(books))
    line = {"Amount": 100, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}
    pay = {"CustomerRef": {"value": books["customer"]}, "TotalAmt": 100, "Line": [line]}
    served = {
        "Invoice": qbo.get(f"invoice/{inv['Id']}").json()["Invoice"],
        "Payment": qbo.create("Payment", pay),
        "CreditMemo": qbo.create("CreditMemo", invoice_body(books)),
        "Customer": qbo.get(f"customer/{books['customer']}").json()["Customer"],
        "Item": qbo.get(f"item/{books['item']}").json()["Item"],
        "Account": qbo.get(f"account/{acc['TrustAccounts']}").json()["Account"],
        "Preferences": qbo.get("preferences").json()["Preferences"],
        "Transfer": qbo.create(
            "Transfer",
            {
                "FromAccountRef": {"value": acc["TrustAccounts"]},
                "ToAccountRef": {"value": acc["Checking"]},
                "Amount": 5,
            },
        ),
        "Deposit": qbo.create(
            "Deposit",
            {
                "DepositToAccountRef": {"value": acc["Checking"]},
                "Line": [
                    {
                        "Amount": 5,
                        "DetailType": "DepositLineDetail",
                        "DepositLineDetail": {
                            "AccountRef": {"value": acc["TrustAccountsLiabilities"]}
                        },
                    }
                ],
            },
        ),
        "JournalEntry": qbo.create(
            "JournalEntry",
            {
                "Line": [
                    {
                        "Amount": 5,
                        "DetailType": "JournalEntryLineDetail",
                        "JournalEntryLineDetail": {
                            "PostingType": "Debit",
                            "AccountRef": {"value": acc["Checking"]},
                        },
                    },
                    {
                        "Amount": 5,
                        "DetailType": "JournalEntryLineDetail",
                        "JournalEntryLineDetail": {
                            "PostingType": "Credit",
                            "AccountRef": {"value": acc["TrustAccounts"]},
                        },
                    },
                ]
            },
        ),
    }
    for entity, filename in CASES:
        real = sample(entity, filename)
        assert same_kinds(served[entity], real) == [], entity
        shared = served[entity].keys() & real.keys()
        assert {"Id", "SyncToken", "MetaData"} <= shared, entity

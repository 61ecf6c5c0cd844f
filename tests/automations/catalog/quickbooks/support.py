"""What the action tests build on: the reference company's accounts and items by name, and
customers, vendors and an employee made as the bookkeeper would."""

from sync.engine.registry import client_for


def account_id(books, name: str) -> str:
    return books.select(f"SELECT * FROM Account WHERE Name = '{name}'")["Account"][0]["Id"]


def item_id(books, name: str = "Legal Services") -> str:
    return books.select(f"SELECT * FROM Item WHERE Name = '{name}'")["Item"][0]["Id"]


def customer_id(books, name: str = "Olivia Smith", email: str = "olivia@mail.example") -> str:
    return books.act("create_customer", display_name=name, email=email)["Customer"]["Id"]


def vendor_id(books, name: str = "Court Reporters Inc") -> str:
    return books.act("create_vendor", display_name=name, email="cr@mail.example")["Vendor"]["Id"]


def employee_id(books) -> str:
    http = client_for(books.connection).http
    body = {"GivenName": "Ada", "FamilyName": "Lovelace", "DisplayName": "Ada Lovelace"}
    return http.request("POST", "employee", json=body).json()["Employee"]["Id"]


def card_id(books) -> str:
    made = books.act("create_account", name="Amex", account_type="Credit Card")
    return made["Account"]["Id"]


def invoice(books, cid: str, **kw) -> dict:
    lines = [{"description": "Advice", "qty": 2, "unit_price": 125.5}]
    return books.act("create_invoice", customer_id=cid, lines=lines, **kw)["Invoice"]

"""The demo firms' clients, shared by every sandbox provider so the books can match Clio.

Clio's demo accounts hold these contacts; the QuickBooks (Harbor & Vale) and Xero (Lakeside) demo
books hold some of the same people — some exactly, some differing only in case or spacing — so
contact matching has real work to do. Deterministic: no randomness here.
"""

_FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mason",
    "Amelia",
    "Ethan",
    "Harper",
    "Logan",
    "Evelyn",
    "Aiden",
    "Abigail",
    "Jacob",
    "Emily",
    "Michael",
    "Ella",
    "Daniel",
    "Scarlett",
    "Henry",
    "Grace",
    "Jackson",
    "Chloe",
    "Sebastian",
    "Victoria",
    "Owen",
    "Riley",
    "Samuel",
    "Aria",
    "Matthew",
    "Lily",
    "Joseph",
    "Zoey",
    "David",
    "Nora",
    "Carter",
    "Hannah",
    "Wyatt",
    "Layla",
]
_LAST = [
    "Whitaker",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castellanos",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Haddad",
    "Fitzgerald",
    "Adeyemi",
    "Kowalski",
    "Delgado",
    "Thornton",
    "Vasquez",
    "Brennan",
    "Iverson",
    "Mbeki",
    "Sorensen",
    "Calloway",
    "Dubois",
    "Ramirez",
    "Hawthorne",
    "Yilmaz",
    "Gallagher",
    "Novak",
    "Sutherland",
    "Achebe",
    "Marchetti",
    "Kimura",
    "Pryce",
    "Lachance",
    "Oyelaran",
    "Bergstrom",
    "Quintero",
    "Ashworth",
    "Ferreira",
    "Holloway",
    "Nyberg",
    "Santoro",
    "Whitfield",
    "Abernathy",
    "Cavanaugh",
    "Engstrom",
    "Mancini",
]
_COMPANIES = [
    "Blue Heron Holdings LLC",
    "Cedar Point Marine Inc.",
    "Northgate Logistics Corp.",
    "Pemberton Family Trust",
    "Riverside Dental Group",
    "Solstice Software Ltd.",
    "Tidewater Construction Co.",
    "Union Street Bakery",
    "Westbrook Realty Partners",
    "Alder & Finch Architects",
    "Granite Ridge Farms",
    "Harborview Medical PC",
    "Ironwood Capital LP",
    "Lakeshore Yacht Club",
]


def _person(i: int, domain: str) -> dict:
    first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
    handle = f"{first}.{last}".lower().replace("'", "")
    return {
        "type": "Person",
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "email": f"{handle}@{domain}",
        "phone": f"555-01{i:02d}",
        "street": f"{100 + i * 3} Harbor Street",
        "city": "Portland",
        "province": "ME",
        "postal_code": f"0410{i % 10}",
        "country": "United States",
    }


def _company(i: int, name: str) -> dict:
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:16]
    return {
        "type": "Company",
        "first_name": "",
        "last_name": "",
        "name": name,
        "email": f"accounts@{slug}.example",
        "phone": f"555-02{i:02d}",
        "street": f"{20 + i} Commerce Way",
        "city": "Portland",
        "province": "ME",
        "postal_code": "04101",
        "country": "United States",
    }


HARBOR_VALE_CONTACTS: list[dict] = [_person(i, "mail.example") for i in range(46)] + [
    _company(i, name) for i, name in enumerate(_COMPANIES)
]  # 60 clients

LAKESIDE_CONTACTS: list[dict] = [_person(i + 46, "lakeside-mail.example") for i in range(16)] + [
    _company(i, name) for i, name in enumerate(_COMPANIES[:4])
]  # 20 clients


def books_variant(contact: dict, i: int) -> dict:
    """How the same client was typed into the books by hand.

    Every third exactly, the others in capitals or with extra spaces, every fourth without its
    email. Used by the QuickBooks and Xero demo presets."""
    name = contact["name"]
    if i % 3 == 1:
        name = name.upper()
    elif i % 3 == 2:
        name = "  " + name.replace(" ", "  ") + " "
    return {**contact, "name": name, "email": contact["email"] if i % 4 != 3 else ""}

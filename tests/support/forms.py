"""Fill and submit an HTML form the way a browser would, with requests (no JavaScript needed)."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action") or "",
                    "method": (a.get("method") or "get").lower(),
                    "fields": [],
                }
            )
        elif tag in ("input", "select", "textarea", "button") and self.forms and a.get("name"):
            self.forms[-1]["fields"].append((tag, a))


def forms_in(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(
    session: requests.Session,
    response: requests.Response,
    values: dict,
    *,
    button: tuple[str, str] | None = None,
    form_index: int | None = None,
    containing: str | None = None,
) -> requests.Response:
    """Submit a form on `response`'s page: hidden and checked fields as the page has them, then
    `values` (a list value sends the name several times), then the pressed `button` (name, value)."""
    forms = forms_in(response.text)
    if containing:
        forms = [f for f in forms if any(a.get("name") == containing for _, a in f["fields"])]
    form = forms[form_index or 0]
    data: list[tuple[str, str]] = []
    for tag, a in form["fields"]:
        kind = (a.get("type") or "").lower()
        if tag == "button" or kind in ("submit", "button") or a["name"] in values:
            continue
        if kind in ("checkbox", "radio") and "checked" not in a:
            continue
        data.append((a["name"], a.get("value") or ""))
    for name, value in values.items():
        data.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    if button:
        data.append(button)
    url = urljoin(response.url, form["action"]) if form["action"] else response.url
    if form["method"] == "post":
        return session.post(url, data=data, headers={"Referer": response.url})
    return session.get(url, params=data)

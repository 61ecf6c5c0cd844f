"""Site-wide request handling that belongs to no one app: the Content-Security-Policy header and
bad bytes in the URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import BadRequest


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# The settings.PROVIDERS keys that hold a page the browser is sent to for sign-in and consent
# (Clio's are its regions' hosts).
SIGN_IN_KEYS = ("authorize_url", "login_base_url")


def _provider_sign_in_origins() -> list[str]:
    """Where Connect sends the browser: a form's redirect must be allowed by form-action."""
    urls = [
        url
        for cfg in settings.PROVIDERS.values()
        for url in [
            *cfg.get("regions", {}).values(),
            *(cfg[key] for key in SIGN_IN_KEYS if key in cfg),
        ]
    ]
    return sorted({_origin(url) for url in urls} - {_origin(settings.SITE_URL)})


def content_security_policy(*, inline_styles: bool = False) -> str:
    """Everything FirmSync serves is its own: htmx, Chart.js and Pico are vendored under
    static/, page scripts are files (no inline scripts or handlers), styles are stylesheets. Images
    may be data: URIs (Pico's icons, the authenticator QR code)."""
    style = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": style,
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": " ".join(["'self'", *_provider_sign_in_origins()]),
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sets the policy on every response that has none. The sandbox stands in for the providers'
    own sites, whose small pages keep their inline styles (never inline scripts). Django's debug
    pages (DEBUG only) are inline through and through, so they go without."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        sandbox = request.path.startswith("/sandbox/")
        response["Content-Security-Policy"] = content_security_policy(inline_styles=sandbox)
        return response


class RefuseNulMiddleware:
    """A NUL character in the path or the query string is a 400 before any view sees it.

    PostgreSQL text cannot hold NUL (it raises "A string literal cannot contain NUL"), so a
    `?q=%00` reaching a filter would be a 500. Forms and serializers already refuse NUL in bodies
    (Django's and DRF's CharField validators); the URL is read by views directly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("the address holds a NUL character")
        return self.get_response(request)

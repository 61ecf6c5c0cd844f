"""Site-wide request guards that belong to no one app: bad bytes in the URL."""

from django.core.exceptions import BadRequest


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

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER
from practice import selectors


@member_required(ANY_MEMBER)
def matters(request):
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.matters_list(member=request.membership, search=search), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "practice/matters.html", {"page": page, "search": search})

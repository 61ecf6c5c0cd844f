from django.shortcuts import render

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER


@member_required(ANY_MEMBER)
def matters(request):
    return render(request, "practice/matters.html")

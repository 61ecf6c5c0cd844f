from django.urls import path

from trust import views

urlpatterns = [path("trust/", views.overview, name="trust_overview")]

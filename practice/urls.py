from django.urls import path

from practice import views

urlpatterns = [path("matters/", views.matters, name="matters")]

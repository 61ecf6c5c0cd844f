from django.urls import path

from automations import views, views_runs

urlpatterns = [
    path("automations/", views.automation_list, name="automations"),
    path("automations/new/", views.automation_new, name="automation_new"),
    path("automations/<int:automation_id>/", views.automation_detail, name="automation_detail"),
    path(
        "automations/<int:automation_id>/enable/",
        views.automation_enable,
        name="automation_enable",
    ),
    path(
        "automations/<int:automation_id>/disable/",
        views.automation_disable,
        name="automation_disable",
    ),
    path(
        "automations/<int:automation_id>/delete/",
        views.automation_delete,
        name="automation_delete",
    ),
    path(
        "automations/<int:automation_id>/test/",
        views_runs.automation_test,
        name="automation_test",
    ),
    path(
        "automations/<int:automation_id>/runs/",
        views_runs.automation_runs,
        name="automation_runs",
    ),
    path("automations/runs/", views_runs.runs_all, name="automation_runs_all"),
    path("automations/runs/<int:run_id>/", views_runs.run_detail, name="automation_run"),
    path("automations/runs/<int:run_id>/retry/", views_runs.run_retry, name="automation_run_retry"),
    path("automations/recipes/<slug:key>/start/", views.recipe_start, name="recipe_start"),
]

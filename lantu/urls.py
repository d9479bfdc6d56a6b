"""URL map: pages, the admin, the REST API and the language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lantu.api.main import api
from lantu.web import assessment as assessment_pages
from lantu.web import cockpit, monitoring, supervision, views
from lantu.web import policies as policy_pages
from lantu.web import projects as project_pages
from lantu.web import reports as report_pages
from lantu.web import sharing as sharing_pages
from lantu.web import tasks as task_pages
from lantu.web.indicators import indicator_page
from lantu.web.login import LoginView
from lantu.web.maps import map_page
from lantu.web.orgunits import area_page, orgunit_page
from lantu.web.rankings import rankings_page

urlpatterns = [
    path("", cockpit.home, name="cockpit"),
    path("programme/", views.overview, name="overview"),
    path("programmes/<str:code>/", views.overview, name="programme"),
    path("progress/", views.progress, name="progress"),
    path("projects/", project_pages.project_list, name="projects"),
    path("projects/new/", project_pages.project_create, name="project-create"),
    path("projects/<str:code>/", project_pages.project_detail, name="project"),
    path("projects/<str:code>/edit/", project_pages.project_edit, name="project-edit"),
    path("policies/", policy_pages.policy_list, name="policies"),
    path("policies/new/", policy_pages.policy_create, name="policy-create"),
    path("policies/<str:code>/", policy_pages.policy_detail, name="policy"),
    path("policies/<str:code>/edit/", policy_pages.policy_edit, name="policy-edit"),
    path("map/", map_page, name="map"),
    path("indicators/<str:code>/", indicator_page, name="indicator"),
    path("org-units/<str:code>/", orgunit_page, name="orgunit"),
    path("areas/<str:code>/", area_page, name="area"),
    path("rankings/", rankings_page, name="rankings"),
    path("tasks/", task_pages.task_list, name="tasks"),
    path("tasks/timeline/", task_pages.timeline, name="tasks-timeline"),
    path("tasks/units/", task_pages.scorecard, name="tasks-units"),
    path("tasks/import/", task_pages.import_page, name="tasks-import"),
    path("tasks/export.xlsx", task_pages.export, name="tasks-export"),
    path("tasks/evidence/<int:pk>/", task_pages.evidence, name="tasks-evidence"),
    path("tasks/supervision/", supervision.supervision, name="tasks-supervision"),
    path("tasks/<str:code>/", task_pages.detail, name="task"),
    path("monitoring/rounds/", monitoring.rounds, name="monitoring-rounds"),
    path("monitoring/queue/", monitoring.queue, name="monitoring-queue"),
    path("monitoring/rounds/<str:code>/enter/<str:unit_code>/", monitoring.enter, name="monitoring-enter"),
    path(
        "monitoring/rounds/<str:code>/enter/<str:unit_code>/cell/<str:indicator>/",
        monitoring.enter_cell,
        name="monitoring-cell",
    ),
    path("monitoring/rounds/<str:code>/submit/<str:unit_code>/", monitoring.submit, name="monitoring-submit"),
    path(
        "monitoring/rounds/<str:code>/template/<str:unit_code>/",
        monitoring.template_download,
        name="monitoring-template",
    ),
    path("monitoring/rounds/<str:code>/approve/<str:unit_code>/", monitoring.approve, name="monitoring-approve"),
    path("notifications/", monitoring.notifications, name="notifications"),
    path("sharing/", sharing_pages.my_sharing, name="sharing"),
    path("sharing/review/", sharing_pages.review, name="sharing-review"),
    path("sharing/tokens/<int:pk>/", sharing_pages.token_page, name="sharing-token"),
    path("assessments/", assessment_pages.assessment_list, name="assessments"),
    path("assessments/<str:code>/", assessment_pages.assessment_detail, name="assessment"),
    path("assessments/<str:code>/action/", assessment_pages.assessment_action, name="assessment-action"),
    path("assessments/<str:code>/method/", assessment_pages.method_page, name="assessment-method"),
    path("assessments/<str:code>/units/<str:unit>/", assessment_pages.unit_page, name="assessment-unit"),
    path("assessments/<str:code>/evaluate/", assessment_pages.evaluate_page, name="assessment-evaluate"),
    path("assessments/<str:code>/review/", assessment_pages.review_page, name="assessment-review"),
    path("assessments/<str:code>/report/", assessment_pages.report_page, name="assessment-report"),
    path("assessments/<str:code>/export.xlsx", assessment_pages.export, name="assessment-export"),
    path("reports/monitoring.<str:fmt>", report_pages.monitoring_report, name="report-monitoring"),
    path("reports/assessment/<str:code>.<str:fmt>", report_pages.assessment_report, name="report-assessment"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("lantu.web.publishing_office")),  # /data/office/… before /data/<code>/
    path("", include("lantu.web.opendata")),  # /data/… and the CKAN API /api/3/action/…
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

"""Who may do what: one row per URL (by name) and per API operation (by operationId).

Every expectation is a tuple of statuses in the order of :data:`tests.security.world.PERSONAS`:

    (admin, dept, city, county, other, leader, evaluator, anon)

programme admin; department reporter of DSJ; approver of 杭州市 (330100); unit reporter of 西湖区
(330106, which owns every object of the world); unit reporter of 余杭区 (330110, another unit); leader;
evaluator (assigned to the assessment); anonymous. A frozenset allows any of its statuses.

Adding an endpoint: one ``Call(...)`` line below. Paths take the world's primary keys as
``{evidence}``, ``{task_milestone}``, ``{project_milestone}``, ``{measure}``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from tests.security.world import ASSESSMENT, DATASET, OTHER_UNIT, OWN_UNIT, POLICY, PROJECT, ROUND, TASK

Status = int | frozenset[int]


class Call(NamedTuple):
    name: str  # URL name, or the operationId for the API
    method: str
    path: str
    expect: tuple[Status, ...]
    data: dict[str, Any] | None = None
    api: bool = False
    form: bool = False  # an API call sent as multipart/form-data (files)
    note: str = ""  # a variant of the same endpoint (e.g. another unit's record) for the test id

    @property
    def label(self) -> str:
        short = self.name.removeprefix("lantu_api_")
        return f"{short}[{self.note}]" if self.note else short


def either(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


OK = either(200)
PUBLIC = (200,) * 8
#: Any signed-in persona; anonymous visitors are sent to the login page.
LOGIN = (200,) * 7 + (302,)
#: Any caller with a session or token; anonymous callers get 401.
LOGIN_API = (200,) * 7 + (401,)
#: The programme office only: others may not even try (403), anonymous visitors log in first.
OFFICE_PAGE = (200, 403, 403, 403, 403, 403, 403, 302)
OFFICE_API = (200, 403, 403, 403, 403, 403, 403, 401)

R, T, P, POL, A, D = ROUND, TASK, PROJECT, POLICY, ASSESSMENT, DATASET
#: A record of 西湖区 read: the office, the 杭州市 approver above it, its own reporter, the leader and
#: the evaluator (values.read everywhere); the DSJ reporter and the 余杭区 reporter get 404.
UNIT_READ_PAGE = (200, 404, 200, 200, 404, 200, 200, 302)
UNIT_READ_API = (200, 404, 200, 200, 404, 200, 200, 401)
#: An action on a record of 西湖区 (report progress, investment, a measure's status): the office and
#: 西湖区's reporter; whoever may not see 西湖区's data gets 404; readers who may not act get 403.
UNIT_WRITE_PAGE = (302, 404, 403, 302, 404, 403, 403, 302)
UNIT_WRITE_API = (200, 404, 403, 200, 404, 403, 403, 401)
#: Pages over the province's figures (map, indicator, rankings): readers of the province only.
PROVINCE_READERS = (200, 404, 404, 404, 404, 200, 200, 302)
#: An unpublished assessment: the office and its assigned evaluator; others are not told it exists.
ASSESSMENT_READERS = (200, 404, 404, 404, 404, 404, 200, 302)
ASSESSMENT_READERS_API = (200, 404, 404, 404, 404, 404, 200, 401)

# fmt: off
PAGE_CALLS: list[Call] = [
    Call("cockpit", "GET", "/", PUBLIC),
    Call("overview", "GET", "/programme/", PUBLIC),
    Call("programme", "GET", "/programmes/DZJ/", PUBLIC),
    Call("progress", "GET", f"/progress/?org_unit={OWN_UNIT}", (200, 404, 200, 200, 404, 200, 200, 302)),
    Call("progress", "GET", f"/progress/?org_unit={OTHER_UNIT}", (200, 404, 200, 404, 200, 200, 200, 302), note="other"),
    Call("projects", "GET", "/projects/", LOGIN),
    Call("project-create", "GET", "/projects/new/", OFFICE_PAGE),
    Call("project-create", "POST", "/projects/new/", (422, 403, 403, 403, 403, 403, 403, 302), {"code": ""}),
    Call("project", "GET", f"/projects/{P}/", LOGIN),
    Call("project", "POST", f"/projects/{P}/", UNIT_WRITE_PAGE, {"action": "investment", "period": "2023", "amount": "1"}),
    Call("project", "POST", f"/projects/{P}/", (302, 403, 403, 403, 403, 403, 403, 302), {"action": "status", "status": "suspended"}, note="status"),
    Call("project-edit", "GET", f"/projects/{P}/edit/", OFFICE_PAGE),
    Call("policies", "GET", "/policies/", LOGIN),
    Call("policy-create", "GET", "/policies/new/", OFFICE_PAGE),
    Call("policy", "GET", f"/policies/{POL}/", LOGIN),
    Call("policy", "POST", f"/policies/{POL}/", UNIT_WRITE_PAGE, {"action": "measure_status", "measure": "{measure}", "status": "not_started"}),
    Call("policy-edit", "GET", f"/policies/{POL}/edit/", OFFICE_PAGE),
    Call("map", "GET", "/map/", PROVINCE_READERS),
    Call("map", "GET", "/map/?parent=330100", (200, 404, 200, 404, 404, 200, 200, 302), note="city"),
    Call("indicator", "GET", "/indicators/DE_TOTAL/", PROVINCE_READERS),
    Call("orgunit", "GET", f"/org-units/{OWN_UNIT}/", LOGIN),
    Call("orgunit", "GET", f"/org-units/{OTHER_UNIT}/", LOGIN, note="other"),
    Call("area", "GET", "/areas/TECH/", PUBLIC),
    Call("rankings", "GET", "/rankings/", PROVINCE_READERS),
    Call("tasks", "GET", "/tasks/", LOGIN),
    Call("tasks-timeline", "GET", "/tasks/timeline/", LOGIN),
    Call("tasks-units", "GET", "/tasks/units/", LOGIN),
    Call("tasks-import", "GET", "/tasks/import/", (200, 404, 404, 404, 404, 404, 404, 302)),
    Call("tasks-export", "GET", "/tasks/export.xlsx", LOGIN),
    Call("tasks-evidence", "GET", "/tasks/evidence/{evidence}/", UNIT_READ_PAGE),
    Call("tasks-supervision", "GET", "/tasks/supervision/", LOGIN),
    Call("tasks-supervision", "POST", "/tasks/supervision/", (302, 403, 403, 403, 403, 403, 403, 302), {"task": T, "message": "请加快进度"}),
    Call("task", "GET", f"/tasks/{T}/", LOGIN),
    Call("task", "POST", f"/tasks/{T}/", UNIT_WRITE_PAGE, {"action": "status", "status": "suspended", "reason": "x"}),
    Call("monitoring-rounds", "GET", "/monitoring/rounds/", LOGIN),
    Call("monitoring-queue", "GET", "/monitoring/queue/", LOGIN),
    Call("monitoring-enter", "GET", f"/monitoring/rounds/{R}/enter/{OWN_UNIT}/", UNIT_READ_PAGE),
    Call("monitoring-enter", "GET", f"/monitoring/rounds/{R}/enter/{OTHER_UNIT}/", (200, 404, 200, 404, 200, 200, 200, 302), note="other"),
    Call("monitoring-cell", "POST", f"/monitoring/rounds/{R}/enter/{OTHER_UNIT}/cell/GDP/", (200, 404, 403, 404, 200, 403, 403, 302), {"value": "6100"}),
    Call("monitoring-submit", "POST", f"/monitoring/rounds/{R}/submit/{OTHER_UNIT}/", (302, 404, 403, 404, 302, 403, 403, 302)),
    Call("monitoring-template", "GET", f"/monitoring/rounds/{R}/template/{OWN_UNIT}/", UNIT_READ_PAGE),
    Call("monitoring-approve", "GET", f"/monitoring/rounds/{R}/approve/{OWN_UNIT}/", UNIT_READ_PAGE),
    Call("monitoring-approve", "POST", f"/monitoring/rounds/{R}/approve/{OWN_UNIT}/", (302, 404, 302, 403, 404, 403, 403, 302), {"action": "approve"}),
    Call("notifications", "GET", "/notifications/", LOGIN),
    Call("assessments", "GET", "/assessments/", LOGIN),
    Call("assessment", "GET", f"/assessments/{A}/", ASSESSMENT_READERS),
    Call("assessment-action", "POST", f"/assessments/{A}/action/", (302, 404, 404, 404, 404, 404, 403, 302), {"action": "run"}),
    Call("assessment-method", "GET", f"/assessments/{A}/method/", ASSESSMENT_READERS),
    Call("assessment-unit", "GET", f"/assessments/{A}/units/330100/", (404, 404, 404, 404, 404, 404, 404, 302)),
    Call("assessment-evaluate", "GET", f"/assessments/{A}/evaluate/", (403, 404, 404, 404, 404, 404, 200, 302)),
    Call("assessment-review", "GET", f"/assessments/{A}/review/", (200, 404, 404, 404, 404, 404, 403, 302)),
    Call("assessment-report", "GET", f"/assessments/{A}/report/", (404, 404, 404, 404, 404, 404, 404, 302)),
    Call("assessment-export", "GET", f"/assessments/{A}/export.xlsx", ASSESSMENT_READERS),
    Call("report-monitoring", "GET", "/reports/monitoring.xlsx?period=2022", PUBLIC),
    Call("report-assessment", "GET", f"/reports/assessment/{A}.xlsx", (400, 404, 404, 404, 404, 404, 400, 404)),
    Call("login", "GET", "/accounts/login/", PUBLIC),
    Call("logout", "POST", "/accounts/logout/", (302,) * 8),
    Call("opendata", "GET", "/data/", PUBLIC),
    Call("opendata-catalog-jsonld", "GET", "/data/catalog.jsonld", PUBLIC),
    Call("opendata-catalog-ttl", "GET", "/data/catalog.ttl", PUBLIC),
    Call("opendata-dataset", "GET", f"/data/{D}/", PUBLIC),
    Call("opendata-dataset-jsonld", "GET", f"/data/{D}/dataset.jsonld", PUBLIC),
    Call("opendata-dataset-ttl", "GET", f"/data/{D}/dataset.ttl", PUBLIC),
    Call("opendata-csv", "GET", f"/data/{D}/v1.csv", PUBLIC),
    Call("opendata-csv", "GET", f"/data/{D}/v2.csv", (404,) * 8, note="draft"),
    Call("opendata-json", "GET", f"/data/{D}/v1.json", PUBLIC),
    Call("opendata-datapackage", "GET", f"/data/{D}/v1/datapackage.json", PUBLIC),
    Call("opendata-datapackage-csv", "GET", f"/data/{D}/v1/data.csv", PUBLIC),
    Call("ckan-action", "GET", "/api/3/action/package_list", PUBLIC),
    Call("ckan-action-unversioned", "GET", f"/api/action/package_show?id={D}", PUBLIC),
    Call("api-v1:openapi-json", "GET", "/api/v1/openapi.json", PUBLIC),
    Call("api-v1:openapi-view", "GET", "/api/v1/docs", PUBLIC),
    Call("api-v1:api-root", "GET", "/api/v1/", (404,) * 8),
    Call("set_language", "POST", "/i18n/setlang/", (302,) * 8, {"language": "en", "next": "/"}),
    # The publication office: others are not told the office pages exist.
    Call("publishing-office", "GET", "/data/office/", (200, 404, 404, 404, 404, 404, 404, 302)),
    Call("publishing-office-new", "GET", "/data/office/new/", (200, 404, 404, 404, 404, 404, 404, 302)),
    Call("publishing-office-dataset", "GET", f"/data/office/datasets/{D}/", (200, 404, 404, 404, 404, 404, 404, 302)),
    Call("publishing-office-dataset", "POST", f"/data/office/datasets/{D}/", (302, 404, 404, 404, 404, 404, 404, 302), {"action": "submit", "number": "2"}, note="submit"),
    # Sharing: every signed-in persona has its own requests and inbox; a token's page is for its
    # requester (西湖区's reporter) and the dataset's owner (the office).
    Call("sharing", "GET", "/sharing/", LOGIN),
    Call("sharing-review", "GET", "/sharing/review/", LOGIN),
    Call("sharing-token", "GET", "/sharing/tokens/{share_token}/", (200, 404, 404, 200, 404, 404, 404, 302)),
]
# fmt: on

V1 = "/api/v1"


def api(
    op: str, method: str, path: str, expect: tuple[Status, ...], data: Any = None, note: str = "", form: bool = False
) -> Call:
    return Call(f"lantu_api_{op}", method, V1 + path, expect, data, api=True, note=note, form=form)


#: A sharing request of 西湖区's reporter: it and the dataset's owner (the office) see it; others 404.
SHARE_PARTIES = (200, 404, 404, 200, 404, 404, 404, 401)
#: Deciding it: the owner; the requester sees it but may not decide (403).
SHARE_OWNER = (200, 404, 404, 403, 404, 404, 404, 401)
#: Withdrawing it: the requester; the owner sees it but may not withdraw it (403).
SHARE_REQUESTER = (403, 404, 404, 200, 404, 404, 404, 401)

# fmt: off
API_CALLS: list[Call] = [
    api("framework_list_programmes", "GET", "/programmes", PUBLIC),
    api("framework_get_programme", "GET", "/programmes/DZJ", PUBLIC),
    api("framework_get_area_tree", "GET", "/programmes/DZJ/areas", PUBLIC),
    api("framework_list_indicators", "GET", "/indicators", PUBLIC),
    api("framework_get_indicator", "GET", "/indicators/DE_TOTAL", PUBLIC),
    api("orgunits_list_org_units", "GET", "/org-units", PUBLIC),
    api("orgunits_get_org_unit", "GET", f"/org-units/{OWN_UNIT}", PUBLIC),
    api("orgunits_list_departments", "GET", "/departments", PUBLIC),
    api("orgunits_list_groups", "GET", "/groups", PUBLIC),
    api("monitoring_post_values", "POST", "/values", (200, 404, 403, 404, 200, 403, 403, 401), {"round": R, "values": [{"indicator": "GDP", "org_unit": OTHER_UNIT, "period": "2023", "value": 7000}]}),
    api("monitoring_list_values", "GET", f"/values?org_unit={OWN_UNIT}", LOGIN_API),
    api("monitoring_list_rounds", "GET", "/rounds", LOGIN_API),
    api("monitoring_get_round", "GET", f"/rounds/{R}", LOGIN_API),
    api("monitoring_post_submit", "POST", f"/rounds/{R}/units/{OTHER_UNIT}/submit", (422, 404, 403, 404, 422, 403, 403, 401)),
    api("monitoring_post_approve", "POST", f"/rounds/{R}/units/{OWN_UNIT}/approve", (200, 404, 200, 403, 404, 403, 403, 401), {}),
    api("monitoring_post_return", "POST", f"/rounds/{R}/units/{OWN_UNIT}/values/GDP/return", (200, 404, 200, 403, 404, 403, 403, 401), {"comment": "请核实"}),
    api("monitoring_get_progress", "GET", f"/indicators/DE_TOTAL/progress?org_unit={OWN_UNIT}", UNIT_READ_API),
    api("monitoring_get_progress", "GET", f"/indicators/DE_TOTAL/progress?org_unit={OTHER_UNIT}", (200, 404, 200, 404, 200, 200, 200, 401), note="other"),
    api("maps_get_map", "GET", "/maps/DE_TOTAL?parent=330100", (200, 404, 200, 404, 404, 200, 200, 401)),
    api("projects_list_projects", "GET", "/projects", LOGIN_API),
    api("projects_post_project", "POST", "/projects", (201, 403, 403, 403, 403, 403, 403, 401), {"code": "AZ-NEW", "name_zh": "新项目"}),
    api("projects_get_rollup", "GET", "/projects/rollup", LOGIN_API),
    api("projects_get_points", "GET", "/projects/points", LOGIN_API),
    api("projects_get_project", "GET", f"/projects/{P}", LOGIN_API),
    api("projects_put_project", "PUT", f"/projects/{P}", OFFICE_API, {"code": P, "name_zh": "改名", "org_unit": OWN_UNIT}),
    api("projects_list_investment", "GET", f"/projects/{P}/investment", LOGIN_API),
    api("projects_post_investment", "POST", f"/projects/{P}/investment", UNIT_WRITE_API, {"period": "2023", "amount": "1.5"}),
    api("projects_post_milestone", "POST", f"/projects/{P}/milestones", (201, 403, 403, 403, 403, 403, 403, 401), {"name_zh": "验收", "due": "2025-06-30"}),
    api("projects_post_milestone_done", "POST", f"/projects/{P}" + "/milestones/{project_milestone}/done", UNIT_WRITE_API, {"done_on": "2024-06-01"}),
    api("projects_post_status", "POST", f"/projects/{P}/status", OFFICE_API, {"status": "suspended", "reason": "x"}),
    api("policies_list_policies", "GET", "/policies", LOGIN_API),
    api("policies_post_policy", "POST", "/policies", (201, 403, 403, 403, 403, 403, 403, 401), {"code": "AZ-POL2", "title_zh": "新政策"}),
    api("policies_get_policy", "GET", f"/policies/{POL}", LOGIN_API),
    api("policies_put_policy", "PUT", f"/policies/{POL}", OFFICE_API, {"code": POL, "title_zh": "改名"}),
    api("policies_post_policy_status", "POST", f"/policies/{POL}/status", (422, 403, 403, 403, 403, 403, 403, 401), {"status": "in_force"}),
    api("policies_post_measure", "POST", f"/policies/{POL}/measures", (201, 403, 403, 403, 403, 403, 403, 401), {"text": "新措施", "org_units": [OWN_UNIT]}),
    api("policies_post_measure_status", "POST", f"/policies/{POL}" + "/measures/{measure}/status", UNIT_WRITE_API, {"status": "not_started"}),
    api("tasks_list_tasks", "GET", "/tasks", LOGIN_API),
    api("tasks_post_task", "POST", "/tasks", (201, 403, 403, 403, 403, 403, 403, 401), {"code": "AZ-T2", "title_zh": "新任务"}),
    api("tasks_export_tasks", "GET", "/tasks/export.xlsx", LOGIN_API),
    api("tasks_import_tasks", "POST", "/tasks/import", (422,) * 7 + (401,)),
    api("tasks_get_task", "GET", f"/tasks/{T}", LOGIN_API),
    api("tasks_put_task", "PUT", f"/tasks/{T}", OFFICE_API, {"code": T, "title_zh": "改名", "lead_org_unit": OWN_UNIT}),
    api("tasks_post_report", "POST", f"/tasks/{T}/reports", (201, 404, 403, 201, 404, 403, 403, 401), {"as_of": "2024-07-31", "progress_pct": "20", "text": "进展"}, form=True),
    api("tasks_post_milestone_done", "POST", f"/tasks/{T}" + "/milestones/{task_milestone}/done", UNIT_WRITE_API, {"done_on": "2024-03-30"}),
    api("tasks_post_status", "POST", f"/tasks/{T}/status", UNIT_WRITE_API, {"status": "suspended", "reason": "x"}),
    api("assessment_list_assessments", "GET", "/assessments", LOGIN_API),
    api("assessment_get_assessment", "GET", f"/assessments/{A}", ASSESSMENT_READERS_API),
    api("assessment_get_method", "GET", f"/assessments/{A}/method", ASSESSMENT_READERS_API),
    api("assessment_run", "POST", f"/assessments/{A}/run", (422, 404, 404, 404, 404, 404, 403, 401)),
    api("assessment_declare", "POST", f"/assessments/{A}/declarations", (403, 404, 404, 404, 404, 404, 200, 401), {"unit": "330100", "has_conflict": False}),
    api("assessment_score", "POST", f"/assessments/{A}/scores", (403, 404, 404, 404, 404, 404, 422, 401), {"unit": "330100", "item": "R1", "score": "8"}),
    api("assessment_submit", "POST", f"/assessments/{A}/submit", (403, 404, 404, 404, 404, 404, 422, 401)),
    api("assessment_review", "POST", f"/assessments/{A}/reviews", (404, 404, 404, 404, 404, 404, 403, 401), {"submission": 999999, "decision": "accept"}),
    api("assessment_publish", "POST", f"/assessments/{A}/publish", (422, 404, 404, 404, 404, 404, 403, 401)),
    api("publishing_list_datasets", "GET", "/publishing/datasets", OFFICE_API),
    api("publishing_post_version", "POST", f"/publishing/datasets/{D}/versions", (422, 403, 403, 403, 403, 403, 403, 401), {}),
    api("publishing_post_submit", "POST", f"/publishing/datasets/{D}/versions/2/submit", OFFICE_API),
    api("publishing_post_approve", "POST", f"/publishing/datasets/{D}/versions/2/approve", (422, 403, 403, 403, 403, 403, 403, 401), {}),
    api("publishing_post_schedule", "POST", f"/publishing/datasets/{D}/versions/2/schedule", (422, 403, 403, 403, 403, 403, 403, 401), {"embargo_at": "2030-01-01T09:00:00+08:00"}),
    api("publishing_post_publish", "POST", f"/publishing/datasets/{D}/versions/2/publish", (422, 403, 403, 403, 403, 403, 403, 401)),
    api("publishing_post_withdraw", "POST", f"/publishing/datasets/{D}/versions/1/withdraw", OFFICE_API, {"reason": "测试"}),
    api("exchange_sdmx_structure", "GET", "/exchange/sdmx/structure", LOGIN_API),
    api("exchange_sdmx_data", "GET", f"/exchange/sdmx/data?org_unit={OWN_UNIT}", UNIT_READ_API),
    api("exchange_sdmx_import", "POST", "/exchange/sdmx/data?dry_run=true", (400,) * 7 + (401,)),
    api("exchange_dhis2_export", "GET", "/exchange/dhis2/dataValueSets?system=dhis2", (404,) * 7 + (401,)),
    api("exchange_dhis2_import", "POST", "/exchange/dhis2/dataValueSets?system=dhis2&dry_run=true", (404,) * 7 + (401,)),
    api("exchange_adx_export", "GET", "/exchange/dhis2/adx?system=dhis2", (404,) * 7 + (401,)),
    api("exchange_adx_import", "POST", "/exchange/dhis2/adx?system=dhis2&dry_run=true", (404,) * 7 + (401,)),
    api("sharing_post_request", "POST", "/sharing/requests", (201,) * 7 + (401,), {"datasets": [D], "units": [OWN_UNIT], "purpose": "测试", "days": 30, "system_name": "测试系统"}),
    api("sharing_get_my_requests", "GET", "/sharing/requests", LOGIN_API),
    api("sharing_get_inbox", "GET", "/sharing/inbox", LOGIN_API),
    api("sharing_get_request", "GET", "/sharing/requests/{share_pending}", SHARE_PARTIES),
    api("sharing_post_approve", "POST", "/sharing/requests/{share_pending}/approve", SHARE_OWNER, {}),
    api("sharing_post_reject", "POST", "/sharing/requests/{share_pending}/reject", SHARE_OWNER, {"comment": "不予共享"}),
    api("sharing_post_cancel", "POST", "/sharing/requests/{share_pending}/cancel", SHARE_REQUESTER),
    api("sharing_post_collect", "POST", "/sharing/requests/{share_uncollected}/token", (403, 404, 404, 201, 404, 404, 404, 401)),
    api("sharing_get_token", "GET", "/sharing/tokens/{share_token}", SHARE_PARTIES),
    api("sharing_post_revoke", "POST", "/sharing/tokens/{share_token}/revoke", SHARE_PARTIES, {"reason": "测试"}),
    # The shared data answers share tokens only: a session (or an ordinary API token) gets 401.
    api("sharing_shared_datasets", "GET", "/shared/datasets", (401,) * 8),
    api("sharing_shared_values", "GET", f"/shared/datasets/{D}/values?unit={OWN_UNIT}", (401,) * 8),
]
# fmt: on

#: Endpoints not yet in the matrix, each with the reason (none today; kept so that a row can wait
#: for its fixture with the reason written down).
UNCHECKED_PAGES: dict[str, str] = {}
UNCHECKED_API: dict[str, str] = {}
#: Redirects that are not to the login page, for anonymous visitors too.
REDIRECTS_ELSEWHERE = {"logout", "set_language"}

#: The admin, as one group: no persona is staff, so none gets past the admin's login.
ADMIN_GROUP = ["/admin/", "/admin/monitoring/datavalue/", "/admin/auth/user/", "/admin/tasks/evidence/"]

"""Whatever a page can do, the API can do (issue 13): every page action maps to an API operation.

The map is maintained here. The test reads the page actions from the URLconf and the action dispatchers
(cases.views.ACTIONS, clarification.views.ACTIONS, accountability.views.STEPS) and the operations from the
schema the API serves, and fails both ways: a page action missing from the map, or a mapped operation the
schema does not serve. MISSING lists the page actions that have no API operation yet (work left, issue 13).
"""

from django.urls import get_resolver

from .api_helpers import api_operations

PAGE_ACTIONS = {
    # cases
    "cases:report-create": "reports_create",
    "cases:identity-reveal": "reports_reveal_identity_create",
    "cases:identity-requests:grant": "identity_requests_grant_create",
    "cases:identity-requests:refuse": "identity_requests_refuse_create",
    "cases:identity-requests:revoke": "identity_requests_revoke_create",
    "cases:report-action:propose-disposition": "reports_propose_disposition_create",
    "cases:report-action:approve-disposition": "reports_approve_disposition_create",
    "cases:report-action:reject-disposition": "reports_reject_disposition_create",
    "cases:report-action:start-verification": "reports_start_verification_create",
    "cases:report-action:assign": "reports_assign_create",
    "cases:report-action:unassign": "reports_unassign_create",
    "cases:report-action:record-finding": "reports_record_finding_create",
    "cases:report-action:conclude": "reports_conclude_create",
    "cases:report-action:close": "reports_close_create",
    "cases:report-action:resume": "reports_resume_create",
    "cases:report-action:feedback": "reports_feedback_create",
    "cases:report-action:recusal": "reports_recusal_create",
    "cases:report-action:link": "reports_link_create",
    "cases:report-action:attach": "reports_attachments_create",
    "cases:report-action:request-identity": "reports_request_identity_create",
    "cases:report-action:notes": "reports_notes_create",
    "cases:report-action:read-supplements": "reports_read_supplements_create",
    # corrections: one operation takes every kind (op: report, edit, split, merge, add, remove)
    "cases:report-action:correct-report": "reports_corrections_create",
    "cases:report-action:correct-allegation": "reports_corrections_create",
    "cases:report-action:split-allegation": "reports_corrections_create",
    "cases:report-action:merge-allegations": "reports_corrections_create",
    "cases:report-action:add-allegation": "reports_corrections_create",
    "cases:report-action:remove-allegation": "reports_corrections_create",
    "cases:report-action:decide-correction": "reports_decide_correction_create",
    # clarification
    "clarification:create": "clarifications_create",
    "clarification:edit": "clarifications_partial_update",
    "clarification:action:submit_review": "clarifications_submit_review_create",
    "clarification:action:review": "clarifications_review_create",
    "clarification:action:withdraw": "clarifications_withdraw_create",
    "clarification:action:submit": "clarifications_submit_create",
    "clarification:action:approve": "clarifications_approve_create",
    "clarification:action:return": "clarifications_return_create",
    "clarification:action:reject": "clarifications_reject_create",
    "clarification:action:reopen": "clarifications_reopen_create",
    "clarification:action:execute": "clarifications_execute_create",
    "clarification:action:return_visit": "clarifications_return_visit_create",
    "clarification:action:feedback": "clarifications_feedback_create",
    "clarification:action:override_statement": "clarifications_override_statement_create",
    "clarification:batch-action:rebuild": "clarification_batches_build_create",
    "clarification:batch-action:execute-item": "clarification_batches_execute_item_create",
    "clarification:batch-job-run": "clarification_batches_run_build_job_create",
    "clarification:false-case-create": "false_accusation_cases_create",
    "clarification:false-case-action:measure": "false_accusation_cases_measures_create",
    "clarification:false-case-action:approve": "false_accusation_cases_decide_create",
    "clarification:false-case-action:reject": "false_accusation_cases_decide_create",
    "clarification:false-case-action:follow-up": "false_accusation_cases_follow_up_create",
    "clarification:false-case-action:close": "false_accusation_cases_close_create",
    # accountability
    "accountability:case-create": "accountability_cases_create",
    "accountability:case-step:start": "accountability_cases_start_investigation_create",
    "accountability:case-step:implement": "accountability_cases_implement_create",
    "accountability:case-step:close": "accountability_cases_close_create",
    "accountability:case-step:team": "accountability_cases_team_create",
    "accountability:case-step:musts": "accountability_cases_four_musts_create",
    "accountability:case-step:assess": "accountability_cases_assessment_create",
    "accountability:case-step:propose": "accountability_cases_propose_decision_create",
    "accountability:case-step:approve": "accountability_decisions_approve_create",
    "accountability:case-step:return": "accountability_decisions_return_create",
    "accountability:case-step:reuse": "accountability_decisions_reuse_review_create",
    "accountability:case-step:visit": "accountability_cases_visit_create",
    "accountability:case-step:complaint": "accountability_cases_complaint_create",
    "accountability:case-step:review": "accountability_complaints_review_create",
    "accountability:case-step:resolve": "accountability_complaints_resolve_create",
    # stats, inbox, accounts
    "stats:export-start": "stats_exports_create",
    "inbox:read-all": "inbox_read_all_create",
    "inbox:open": "inbox_read_create",
    "account-tokens": "auth_token_create",
    "account-token-revoke": "tokens_revoke_create",
    "password-change": "me_password_create",
}

# Page actions with no API operation yet: each is work left (issue 13, "whatever a page can do").
MISSING: set[str] = set()

# Pages that act on the browser session itself or on the public's side, not on the work: no API counterpart.
SESSION_OR_PUBLIC = {
    "login",  # the API signs in with auth_token_create
    "logout",
    "two-factor",
    "set_language",
}

# POST views whose action names live in code the test cannot read (a fixed tuple in the view).
FIXED = {
    "clarification:batch-action": ["rebuild", "execute-item"],
    "clarification:false-case-action": ["measure", "approve", "reject", "follow-up", "close"],
    "cases:identity-requests": ["grant", "refuse", "revoke"],
}


def _dispatched() -> dict[str, list[str]]:
    from accountability.views import STEPS
    from cases.views import ACTIONS as REPORT_ACTIONS
    from clarification.views import ACTIONS as RECOMMENDATION_ACTIONS

    return {
        "cases:report-action": list(REPORT_ACTIONS),
        "clarification:action": list(RECOMMENDATION_ACTIONS),
        "accountability:case-step": list(STEPS),
        **FIXED,
    }


def test_every_mapped_page_action_is_a_route_and_every_dispatched_action_is_mapped():
    routes = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    namespaced = set()
    for namespace, (_prefix, sub) in get_resolver().namespace_dict.items():
        namespaced |= {f"{namespace}:{name}" for name in sub.reverse_dict if isinstance(name, str)}
    for key in PAGE_ACTIONS | dict.fromkeys(MISSING) | dict.fromkeys(SESSION_OR_PUBLIC):
        route = ":".join(key.split(":")[:2]) if key.count(":") >= 2 else key
        assert route in routes | namespaced, f"{key}: no such page route"
    dispatched = {f"{name}:{action}" for name, actions in _dispatched().items() for action in actions}
    assert dispatched - set(PAGE_ACTIONS) - MISSING == set(), "page actions with no API operation in the map"


def test_every_mapped_operation_is_served():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    served = {op["operationId"] for ops in schema["paths"].values() for op in ops.values() if "operationId" in op}
    assert set(PAGE_ACTIONS.values()) - served == set()
    assert len(api_operations()) == len(served)


def test_every_page_action_has_an_api_operation():
    assert MISSING == set()

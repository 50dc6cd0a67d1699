"""The review core (no Qt): accounts and roles, the clerk's decisions, bulk approval, batches and
the judge's spot-check, and the queue query. Every state-changing function takes the acting
User, checks the role, runs in one transaction and writes one audit entry.

    users      User, authenticate, require_role, create_user, list_users, has_users,
               deactivate_user, set_password
    decisions  mark_opened, approve, reject, change, defer, undo, history, case_count_ids,
               REJECT_REASONS, CHANGE_RELIEFS, RESENTENCE_TARGETS
    bulk       rule_paths, eligible_ids, opened_count, bulk_approve, HARD_STOP_FLAGS
    batches    submit_batch, sample, draw_sample, accept_item, send_back, accept_batch,
               list_batches
    queue      queue_query (SQL + params for the window's model), list_queue, count_queue
    settings   get_setting, set_setting, all_settings (bulk_min_opened, sample_percent,
               sample_min_per_stratum)
    detail     count_detail, render_text (what `reliefdesk review show` prints)
"""

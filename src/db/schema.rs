//! Diesel's view of the tables. Written by hand: the SQLite and PostgreSQL migrations produce the
//! same tables and columns (a test compares them), and this file describes both.

diesel::table! {
    agencies (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ownership_window_days -> Integer,
        availability_window_hours -> Integer,
        consent_valid_days -> Integer,
        two_factor_required -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        kind -> Text,
        agency_id -> Nullable<BigInt>,
        role -> Nullable<Text>,
        time_zone -> Text,
        disabled_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        password_changed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> Nullable<BigInt>,
        csrf_token -> Text,
        flash -> Nullable<Text>,
        ip -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        ip -> Text,
        succeeded -> Bool,
        created_at -> Timestamp,
        known_browser_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    dashboard_versions (agency_id, owner_id) {
        agency_id -> BigInt,
        owner_id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    dashboards (user_id, team) {
        user_id -> BigInt,
        team -> Bool,
        agency_id -> BigInt,
        version -> BigInt,
        time_zone -> Text,
        computed_at -> Timestamp,
        valid_until -> Timestamp,
        body -> Text,
    }
}

diesel::table! {
    known_browsers (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        key -> Text,
        location -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    setup_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        agency_id -> BigInt,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> BigInt,
        accepted_user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        agency_id -> Nullable<BigInt>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_body -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        agency_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        action -> Text,
        subject_type -> Nullable<Text>,
        subject_id -> Nullable<BigInt>,
        detail -> Text,
        ip -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    skills (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_contractors (id) {
        id -> BigInt,
        agency_id -> BigInt,
        owner_id -> Nullable<BigInt>,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        headline -> Nullable<Text>,
        summary -> Nullable<Text>,
        location -> Nullable<Text>,
        location_key -> Nullable<Text>,
        remote -> Text,
        availability -> Text,
        available_from -> Nullable<Date>,
        contract_ends_on -> Nullable<Date>,
        extension_likelihood -> Nullable<Text>,
        notice_days -> Nullable<Integer>,
        available_on -> Date,
        availability_confirmed_at -> Nullable<Timestamp>,
        availability_confirmed_by -> Nullable<Text>,
        rate_floor_minor -> Nullable<BigInt>,
        rate_currency -> Nullable<Text>,
        rate_unit -> Nullable<Text>,
        rate_hourly_minor -> Nullable<BigInt>,
        linkedin_url -> Nullable<Text>,
        links -> Nullable<Text>,
        source -> Nullable<Text>,
        tags -> Nullable<Text>,
        notes -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        profile_id -> Nullable<BigInt>,
        linked_at -> Nullable<Timestamp>,
        agency_typed -> Nullable<Text>,
        rate_private -> Bool,
        competing_offer_until -> Nullable<Date>,
        unlinked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agency_contractor_skills (agency_contractor_id, skill_id) {
        agency_contractor_id -> BigInt,
        skill_id -> BigInt,
        agency_id -> BigInt,
        record_updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    clients (id) {
        id -> BigInt,
        agency_id -> BigInt,
        name -> Text,
        domain -> Nullable<Text>,
        notes -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        agency_id -> BigInt,
        client_id -> BigInt,
        name -> Text,
        title -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        notes -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        agency_id -> BigInt,
        client_id -> BigInt,
        title -> Text,
        description -> Nullable<Text>,
        contract_type -> Text,
        duration_months -> Nullable<Integer>,
        start_date -> Nullable<Date>,
        rate_min_minor -> Nullable<BigInt>,
        rate_max_minor -> Nullable<BigInt>,
        rate_currency -> Nullable<Text>,
        rate_unit -> Nullable<Text>,
        location -> Nullable<Text>,
        remote -> Text,
        openings -> Integer,
        status -> Text,
        owner_id -> Nullable<BigInt>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    job_skills (job_id, skill_id) {
        job_id -> BigInt,
        skill_id -> BigInt,
    }
}

diesel::table! {
    activities (id) {
        id -> BigInt,
        agency_id -> BigInt,
        kind -> Text,
        body -> Text,
        author_id -> Nullable<BigInt>,
        contractor_id -> Nullable<BigInt>,
        client_id -> Nullable<BigInt>,
        job_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
        created_at -> Timestamp,
        submission_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        agency_id -> BigInt,
        title -> Text,
        due_on -> Date,
        assignee_id -> BigInt,
        created_by -> Nullable<BigInt>,
        contractor_id -> Nullable<BigInt>,
        client_id -> Nullable<BigInt>,
        job_id -> Nullable<BigInt>,
        activity_id -> Nullable<BigInt>,
        done_at -> Nullable<Timestamp>,
        done_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hotlists (id) {
        id -> BigInt,
        agency_id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hotlist_members (hotlist_id, agency_contractor_id) {
        hotlist_id -> BigInt,
        agency_contractor_id -> BigInt,
        agency_id -> BigInt,
        note -> Nullable<Text>,
        added_by -> Nullable<BigInt>,
        added_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        agency_id -> BigInt,
        created_by -> Nullable<BigInt>,
        filename -> Text,
        content -> Text,
        delimiter -> Text,
        headers -> Text,
        mapping -> Nullable<Text>,
        status -> Text,
        skip_invalid -> Bool,
        total_rows -> Integer,
        processed_rows -> Integer,
        created_count -> Integer,
        updated_count -> Integer,
        skipped_count -> Integer,
        report -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        attempts -> Integer,
        started_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    import_problems (id) {
        id -> BigInt,
        import_id -> BigInt,
        row_number -> Integer,
        column_name -> Text,
        message -> Text,
    }
}

diesel::table! {
    contractor_profiles (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        phone -> Nullable<Text>,
        headline -> Nullable<Text>,
        summary -> Nullable<Text>,
        location -> Nullable<Text>,
        remote -> Text,
        availability -> Text,
        available_from -> Nullable<Date>,
        contract_ends_on -> Nullable<Date>,
        extension_likelihood -> Nullable<Text>,
        notice_days -> Nullable<Integer>,
        available_on -> Date,
        availability_confirmed_at -> Nullable<Timestamp>,
        availability_confirmed_by -> Nullable<Text>,
        rate_floor_minor -> Nullable<BigInt>,
        rate_currency -> Nullable<Text>,
        rate_unit -> Nullable<Text>,
        rate_visible -> Bool,
        linkedin_url -> Nullable<Text>,
        links -> Nullable<Text>,
        competing_offer_until -> Nullable<Date>,
        reminders_enabled -> Bool,
        reminder_days -> Integer,
        reminder_sent_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    profile_skills (profile_id, skill_id) {
        profile_id -> BigInt,
        skill_id -> BigInt,
    }
}

diesel::table! {
    contractor_invitations (id) {
        id -> BigInt,
        agency_id -> BigInt,
        agency_contractor_id -> BigInt,
        email -> Text,
        token_hash -> Text,
        invited_by -> Nullable<BigInt>,
        accepted_user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outside_submissions (id) {
        id -> BigInt,
        profile_id -> BigInt,
        client_name -> Text,
        client_domain -> Text,
        role_title -> Nullable<Text>,
        submitted_on -> Date,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    one_click_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    pipeline_stages (id) {
        id -> BigInt,
        agency_id -> BigInt,
        name -> Text,
        category -> Text,
        position -> Integer,
        follow_up_days -> Integer,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        agency_id -> BigInt,
        job_id -> BigInt,
        contractor_id -> BigInt,
        stage_id -> BigInt,
        owner_id -> Nullable<BigInt>,
        stage_entered_at -> Timestamp,
        next_update_due -> Nullable<Date>,
        last_event_at -> Timestamp,
        override_reason -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        closed_reason -> Nullable<Text>,
        closed_note -> Nullable<Text>,
        thank_you_prompted_at -> Nullable<Timestamp>,
        follow_up_offered_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    submission_events (id) {
        id -> BigInt,
        agency_id -> BigInt,
        submission_id -> BigInt,
        kind -> Text,
        from_stage_id -> Nullable<BigInt>,
        to_stage_id -> Nullable<BigInt>,
        body -> Text,
        visible_to_contractor -> Bool,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consents (id) {
        id -> BigInt,
        agency_id -> BigInt,
        submission_id -> BigInt,
        contractor_id -> BigInt,
        person_key -> Text,
        client_domain -> Nullable<Text>,
        client_shown -> Text,
        client_description -> Nullable<Text>,
        job_title -> Text,
        rate_minor -> BigInt,
        rate_currency -> Text,
        rate_unit -> Text,
        exclusivity_days -> Integer,
        status -> Text,
        conflict_since -> Nullable<Timestamp>,
        token_hash -> Text,
        requested_by -> Nullable<BigInt>,
        requested_at -> Timestamp,
        expires_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        decision_ip -> Nullable<Text>,
        decision_user_agent -> Nullable<Text>,
        valid_until -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    representations (id) {
        id -> BigInt,
        person_key -> Text,
        client_domain -> Text,
        agency_id -> BigInt,
        submission_id -> BigInt,
        consent_id -> BigInt,
        started_at -> Timestamp,
        ends_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        ended_reason -> Nullable<Text>,
    }
}

diesel::table! {
    interviews (id) {
        id -> BigInt,
        agency_id -> BigInt,
        submission_id -> BigInt,
        starts_at -> Timestamp,
        time_zone -> Text,
        duration_minutes -> Integer,
        kind -> Text,
        location -> Nullable<Text>,
        interviewers -> Nullable<Text>,
        notes -> Nullable<Text>,
        outcome -> Text,
        feedback -> Nullable<Text>,
        sequence -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> BigInt,
        agency_id -> BigInt,
        submission_id -> BigInt,
        rate_minor -> BigInt,
        rate_currency -> Text,
        rate_unit -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        below_floor -> Bool,
        status -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    placements (id) {
        id -> BigInt,
        agency_id -> BigInt,
        submission_id -> BigInt,
        contractor_id -> BigInt,
        job_id -> BigInt,
        start_date -> Date,
        end_date -> Date,
        pay_rate_minor -> BigInt,
        bill_rate_minor -> BigInt,
        currency -> Text,
        rate_unit -> Text,
        status -> Text,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    placement_extensions (id) {
        id -> BigInt,
        agency_id -> BigInt,
        placement_id -> BigInt,
        previous_end_date -> Date,
        new_end_date -> Date,
        pay_rate_minor -> BigInt,
        bill_rate_minor -> BigInt,
        note -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_two_factor (id) {
        id -> BigInt,
        user_id -> BigInt,
        secret -> Text,
        last_used_step -> BigInt,
        enabled_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    two_factor_recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    two_factor_challenges (id) {
        id -> BigInt,
        session_id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        setup_secret -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::table! {
    notification_optouts (id) {
        id -> BigInt,
        email -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unsubscribe_links (id) {
        id -> BigInt,
        token_hash -> Text,
        email -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notices (id) {
        id -> BigInt,
        user_id -> BigInt,
        agency_id -> Nullable<BigInt>,
        kind -> Text,
        title -> Text,
        body -> Text,
        link -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    digests_sent (id) {
        id -> BigInt,
        user_id -> BigInt,
        local_date -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        agency_id -> Nullable<BigInt>,
        agency_contractor_id -> Nullable<BigInt>,
        profile_id -> Nullable<BigInt>,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        body -> Binary,
        text_status -> Text,
        text_content -> Nullable<Text>,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        text_read_at -> Nullable<Timestamp>,
        text_claimed_by -> Nullable<Text>,
        text_claimed_until -> Nullable<Timestamp>,
        text_attempts -> Integer,
    }
}

diesel::table! {
    shortlists (id) {
        id -> BigInt,
        agency_id -> BigInt,
        job_id -> BigInt,
        token_hash -> Text,
        message -> Nullable<Text>,
        time_zone -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        sent_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        first_opened_at -> Nullable<Timestamp>,
        last_opened_at -> Nullable<Timestamp>,
        open_count -> Integer,
        follow_up_due -> Date,
    }
}

diesel::table! {
    shortlist_recipients (id) {
        id -> BigInt,
        shortlist_id -> BigInt,
        contact_id -> BigInt,
        name -> Text,
        email -> Text,
    }
}

diesel::table! {
    shortlist_entries (id) {
        id -> BigInt,
        agency_id -> BigInt,
        shortlist_id -> BigInt,
        submission_id -> BigInt,
        position -> Integer,
        show_name -> Bool,
        show_headline -> Bool,
        show_skills -> Bool,
        pitch -> Nullable<Text>,
        show_bill_rate -> Bool,
        bill_rate_minor -> Nullable<BigInt>,
        bill_rate_currency -> Nullable<Text>,
        bill_rate_unit -> Nullable<Text>,
        cv -> Text,
        document_id -> Nullable<BigInt>,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    shortlist_answers (id) {
        id -> BigInt,
        agency_id -> BigInt,
        entry_id -> BigInt,
        kind -> Text,
        body -> Nullable<Text>,
        proposed_times -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        ip -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        replied_by -> Nullable<BigInt>,
    }
}

diesel::joinable!(import_problems -> imports (import_id));
diesel::joinable!(shortlists -> jobs (job_id));
diesel::joinable!(shortlist_recipients -> shortlists (shortlist_id));
diesel::joinable!(shortlist_entries -> shortlists (shortlist_id));
diesel::joinable!(shortlist_entries -> submissions (submission_id));
diesel::joinable!(shortlist_answers -> shortlist_entries (entry_id));
diesel::joinable!(documents -> agency_contractors (agency_contractor_id));
diesel::joinable!(documents -> contractor_profiles (profile_id));
diesel::joinable!(notices -> users (user_id));
diesel::joinable!(digests_sent -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(known_browsers -> users (user_id));
diesel::joinable!(user_two_factor -> users (user_id));
diesel::joinable!(two_factor_recovery_codes -> users (user_id));
diesel::joinable!(two_factor_challenges -> sessions (session_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(invitations -> agencies (agency_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(agency_contractors -> agencies (agency_id));
diesel::joinable!(agency_contractor_skills -> agency_contractors (agency_contractor_id));
diesel::joinable!(agency_contractor_skills -> skills (skill_id));
diesel::joinable!(clients -> agencies (agency_id));
diesel::joinable!(contacts -> clients (client_id));
diesel::joinable!(jobs -> clients (client_id));
diesel::joinable!(job_skills -> jobs (job_id));
diesel::joinable!(job_skills -> skills (skill_id));
diesel::joinable!(activities -> agency_contractors (contractor_id));
diesel::joinable!(activities -> clients (client_id));
diesel::joinable!(activities -> jobs (job_id));
diesel::joinable!(tasks -> agency_contractors (contractor_id));
diesel::joinable!(tasks -> clients (client_id));
diesel::joinable!(tasks -> jobs (job_id));
diesel::joinable!(hotlist_members -> hotlists (hotlist_id));
diesel::joinable!(hotlist_members -> agency_contractors (agency_contractor_id));
diesel::joinable!(contractor_profiles -> users (user_id));
diesel::joinable!(profile_skills -> contractor_profiles (profile_id));
diesel::joinable!(profile_skills -> skills (skill_id));
diesel::joinable!(contractor_invitations -> agency_contractors (agency_contractor_id));
diesel::joinable!(outside_submissions -> contractor_profiles (profile_id));
diesel::joinable!(pipeline_stages -> agencies (agency_id));
diesel::joinable!(submissions -> jobs (job_id));
diesel::joinable!(submissions -> agency_contractors (contractor_id));
diesel::joinable!(submissions -> pipeline_stages (stage_id));
diesel::joinable!(submission_events -> submissions (submission_id));
diesel::joinable!(consents -> submissions (submission_id));
diesel::joinable!(representations -> agencies (agency_id));
diesel::joinable!(representations -> submissions (submission_id));
diesel::joinable!(interviews -> submissions (submission_id));
diesel::joinable!(offers -> submissions (submission_id));
diesel::joinable!(placements -> submissions (submission_id));
diesel::joinable!(placement_extensions -> placements (placement_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    users,
    documents,
    notification_optouts,
    unsubscribe_links,
    notices,
    digests_sent,
    sessions,
    user_two_factor,
    two_factor_recovery_codes,
    two_factor_challenges,
    login_attempts,
    known_browsers,
    dashboard_versions,
    dashboards,
    idempotency_keys,
    setup_tokens,
    invitations,
    password_resets,
    outbox,
    audit_log,
    leases,
    skills,
    agency_contractors,
    agency_contractor_skills,
    clients,
    contacts,
    jobs,
    job_skills,
    activities,
    tasks,
    hotlists,
    hotlist_members,
    imports,
    import_problems,
    contractor_profiles,
    profile_skills,
    contractor_invitations,
    outside_submissions,
    one_click_tokens,
    pipeline_stages,
    submissions,
    submission_events,
    consents,
    representations,
    interviews,
    offers,
    placements,
    placement_extensions,
    calendar_feeds,
    shortlists,
    shortlist_recipients,
    shortlist_entries,
    shortlist_answers,
);

//! Diesel's view of the tables. Written by hand: the SQLite and PostgreSQL migrations produce the
//! same tables and columns (a test compares them), and this file describes both.

diesel::table! {
    agencies (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
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
    }
}

diesel::table! {
    agency_contractor_skills (agency_contractor_id, skill_id) {
        agency_contractor_id -> BigInt,
        skill_id -> BigInt,
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

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(sessions -> users (user_id));
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

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    users,
    sessions,
    login_attempts,
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
    contractor_profiles,
    profile_skills,
    contractor_invitations,
    outside_submissions,
    one_click_tokens,
);

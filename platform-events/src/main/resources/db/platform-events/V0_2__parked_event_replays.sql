-- Parked records keep every header, so that a replay decodes exactly what was consumed (source, time, subject).
-- Each header is [name, base64 of its value]: a malformed record's headers may be no text at all.
alter table parked_event add column headers jsonb;
-- Set when a replay applied the event (or found it applied): it no longer counts as parked.
alter table parked_event add column resolved_at timestamptz;

create index parked_event_unresolved on parked_event (consumer) where resolved_at is null;

-- Every replay of a parked record: who asked, when, and what became of it.
create table parked_event_replay (
    id              bigint generated always as identity primary key,
    parked_event_id bigint      not null references parked_event (id),
    replayed_by     text        not null,
    replayed_at     timestamptz not null default now(),
    -- APPLIED, ALREADY_APPLIED, IGNORED (no handler for its type) or FAILED.
    outcome         text        not null check (outcome in ('APPLIED', 'ALREADY_APPLIED', 'IGNORED', 'FAILED')),
    detail          text
);

create index parked_event_replay_parked on parked_event_replay (parked_event_id);

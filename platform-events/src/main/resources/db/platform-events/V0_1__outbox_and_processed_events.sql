-- Tables of the platform-events library; every service that uses it migrates them with its own schema.

-- Transactional outbox: written in the same transaction as the state change it announces, published by the relay.
create table outbox_event (
    id           uuid primary key,
    -- Publication order: a sequence, because created_at is the transaction start and ties within a transaction.
    seq          bigint generated always as identity unique,
    topic        text        not null,
    record_key   text        not null,
    ce_type      text        not null,
    ce_source    text        not null,
    ce_time      timestamptz not null,
    ce_subject   text,
    payload      bytea       not null,
    created_at   timestamptz not null default now(),
    published_at timestamptz
);

create index outbox_event_pending on outbox_event (seq) where published_at is null;
create index outbox_event_published on outbox_event (published_at) where published_at is not null;

-- Events each consumer has applied; the primary key makes a redelivered event a no-op.
create table processed_event (
    consumer     text        not null,
    ce_id        uuid        not null,
    ce_type      text        not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, ce_id)
);

create index processed_event_processed_at on processed_event (processed_at);

-- Records a consumer gave up on (undecodable, or an effect that kept failing), kept whole for inspection or replay.
create table parked_event (
    id              bigint generated always as identity primary key,
    consumer        text        not null,
    topic           text        not null,
    kafka_partition integer     not null,
    kafka_offset    bigint      not null,
    record_key      text,
    -- Raw header values: they may be exactly what was wrong with the record.
    ce_id           text,
    ce_type         text,
    reason          text        not null,
    payload         bytea,
    parked_at       timestamptz not null default now(),
    unique (consumer, topic, kafka_partition, kafka_offset)
);

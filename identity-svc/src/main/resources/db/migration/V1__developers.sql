CREATE TABLE developer (
    id           uuid         PRIMARY KEY,
    subject      text         NOT NULL UNIQUE,
    email        text,
    display_name text         NOT NULL,
    handle       text         NOT NULL,
    created_at   timestamptz  NOT NULL,
    updated_at   timestamptz  NOT NULL
);

-- Uniqueness of handles is decided here, not by a read before the write, so two concurrent
-- claims of one handle cannot both succeed.
CREATE UNIQUE INDEX developer_handle_key ON developer (handle);

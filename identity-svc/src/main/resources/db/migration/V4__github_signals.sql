-- What GitHub's API last showed of a developer's own GitHub account, read with the developer's token: the
-- reputation's GitHub signals. One GitHub account per developer and one developer per GitHub account.
CREATE TABLE github_signals (
    developer_id                 uuid         PRIMARY KEY REFERENCES developer (id),
    github_id                    bigint       NOT NULL,
    login                        text         NOT NULL,
    account_created_at           timestamptz  NOT NULL,
    public_repositories          integer      NOT NULL CHECK (public_repositories >= 0),
    merged_pull_requests         integer      NOT NULL CHECK (merged_pull_requests >= 0),
    merged_into_listed_projects  integer      NOT NULL CHECK (merged_into_listed_projects >= 0),
    read_at                      timestamptz  NOT NULL
);

CREATE UNIQUE INDEX github_signals_github_id_key ON github_signals (github_id);

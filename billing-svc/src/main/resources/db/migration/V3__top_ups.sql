-- Where money entering a wallet comes from, so that a top-up balances like any other transaction:
-- payments received from developers (paid wallets) and the credit the platform grants (subsidised wallets).
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f002', 'TOP_UPS_RECEIVED', now());
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f003', 'SUBSIDIES_GRANTED', now());

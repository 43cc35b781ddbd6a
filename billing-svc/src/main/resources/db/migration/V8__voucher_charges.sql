-- Requests paid one by one with x402 vouchers: their charges name the paying wallet instead of a developer, and
-- their postings are balanced by the vouchers received account.
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f005', 'VOUCHERS_RECEIVED', now());
ALTER TABLE charge ALTER COLUMN developer_id DROP NOT NULL;
ALTER TABLE charge ADD COLUMN voucher_payer text;
ALTER TABLE charge ADD CONSTRAINT charge_payer_check CHECK ((developer_id IS NULL) <> (voucher_payer IS NULL));

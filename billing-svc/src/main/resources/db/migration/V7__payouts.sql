-- Operators' earnings paid out on chain by payment-svc: the counterpart of every payout posting.
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f004', 'OPERATOR_PAYOUTS', now());

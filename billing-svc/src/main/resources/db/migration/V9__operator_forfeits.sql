-- Earnings operators forfeited when payment-svc slashed them: the counterpart of every forfeit posting.
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f006', 'OPERATOR_FORFEITS', now());

-- Vouchers settled on chain whose requests are not served yet: a confirmed settlement moves its amount from
-- vouchers received to here, the served request's charge moves it on to the operators and the platform. What
-- stays is what the treasury holds for requests that were paid and never answered.
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f007', 'VOUCHERS_UNSERVED', now());

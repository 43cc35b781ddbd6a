-- A developer wallet's balance kept on its account row, so that holds and charges read it instead of summing the
-- wallet's whole history. The database keeps it: every statement that inserts postings adds them to the wallets'
-- balances, and postings are append-only, so it always equals the sum of the wallet's postings. Writers lock the
-- wallet rows before they post to them anyway, so keeping the balance there adds no contention.
ALTER TABLE account ADD COLUMN balance_nano_usd bigint NOT NULL DEFAULT 0;
UPDATE account a SET balance_nano_usd = (SELECT coalesce(sum(p.amount_nano_usd), 0) FROM posting p WHERE p.account_id = a.id)
    WHERE a.kind IN ('DEVELOPER_PAID', 'DEVELOPER_SUBSIDISED');

CREATE FUNCTION wallet_balances_follow_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account a SET balance_nano_usd = a.balance_nano_usd + added.amount
    FROM (SELECT account_id, sum(amount_nano_usd) AS amount FROM inserted GROUP BY account_id) added
    WHERE a.id = added.account_id AND a.kind IN ('DEVELOPER_PAID', 'DEVELOPER_SUBSIDISED');
    RETURN NULL;
END $$;
CREATE TRIGGER posting_moves_wallet_balances AFTER INSERT ON posting
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION wallet_balances_follow_postings();

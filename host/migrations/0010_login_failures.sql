-- Failed sign-ins per (client, account) in a district, where several hosts
-- of a hall answer sign-ins: counted in the hall's table, so trying each
-- host in turn gives no more guesses than trying one. A hall alone counts
-- them in the host's memory and leaves this table empty.
CREATE TABLE login_failures (
    client       TEXT NOT NULL,
    username     TEXT NOT NULL,
    count        INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client, username)
);

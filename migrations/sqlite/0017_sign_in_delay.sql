-- Sign-in guesses slow an address down instead of locking it (issue: the lockout must not let
-- anyone lock the business manager out indefinitely). Each address keeps, per client address it
-- was tried from, its failures in a row and when its next attempt may be made; an attempt inside
-- that wait is refused and changes nothing. Guesses from one place never slow another.
-- Counts from the old fixed window are dropped: they last at most 15 minutes.
DROP TABLE sign_in_attempts;
CREATE TABLE sign_in_attempts (
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    PRIMARY KEY (email, client)
);

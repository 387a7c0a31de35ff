-- Console accounts (people who log in to the console with a username and password) and their
-- sessions (src/auth/console-accounts.ts, console-login.ts, console-sessions.ts).

CREATE TABLE accounts (
  id              text PRIMARY KEY,
  username        text NOT NULL UNIQUE,
  role            text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
  -- scrypt$N=…,r=…,p=…$<salt>$<hash>: algorithm and parameters travel with the hash (src/auth/password-hash.ts)
  password_hash   text NOT NULL,
  -- consecutive failed logins since the last success or lock; reset when the account locks
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  disabled        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The CSRF token is not stored: it is derived from the session token (HMAC), which only the cookie holds.
CREATE TABLE sessions (
  id           text PRIMARY KEY,                  -- SHA-256 hex of the session token; the token itself is never stored
  account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,              -- absolute end; an idle session ends earlier (last_seen_at + idle limit)
  last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

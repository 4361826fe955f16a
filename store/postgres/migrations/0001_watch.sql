-- Neighbourhood Watch: schemes, accounts, applications, messages, outbox,
-- audit log and neighbourhood team edits. Times are Unix microseconds in
-- UTC; 0 stands for "not yet" (decided, closed, sent).
CREATE TABLE users (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE,
	password_hash TEXT    NOT NULL,
	role          TEXT    NOT NULL CHECK (role IN ('admin', 'staff', 'coordinator')),
	force         TEXT    NOT NULL DEFAULT '',
	created       BIGINT  NOT NULL
);

CREATE TABLE schemes (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          TEXT    NOT NULL,
	description   TEXT    NOT NULL,
	area_wkt      TEXT    NOT NULL DEFAULT '',
	centre_lng    DOUBLE PRECISION NOT NULL DEFAULT 0,
	centre_lat    DOUBLE PRECISION NOT NULL DEFAULT 0,
	radius_m      DOUBLE PRECISION NOT NULL DEFAULT 0,
	neighbourhood TEXT    NOT NULL DEFAULT '',
	force         TEXT    NOT NULL,
	contact       TEXT    NOT NULL,
	status        TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'closed')),
	created       BIGINT  NOT NULL,
	updated       BIGINT  NOT NULL
);
CREATE INDEX schemes_force ON schemes (force, status);

CREATE TABLE scheme_coordinators (
	scheme_id BIGINT  NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
	user_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (scheme_id, user_id)
);
CREATE INDEX scheme_coordinators_user ON scheme_coordinators (user_id);

CREATE TABLE sessions (
	token_hash BYTEA   PRIMARY KEY,
	user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created    BIGINT  NOT NULL,
	expires    BIGINT  NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);

CREATE TABLE sign_in_failures (
	key TEXT    NOT NULL,
	at  BIGINT  NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);

CREATE TABLE applications (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	scheme_id  BIGINT  NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	address    TEXT    NOT NULL,
	message    TEXT    NOT NULL,
	consent    BOOLEAN NOT NULL,
	status     TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
	token_hash BYTEA   NOT NULL UNIQUE,
	created    BIGINT  NOT NULL,
	decided    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX applications_scheme ON applications (scheme_id, id);
CREATE INDEX applications_decided ON applications (decided);

CREATE TABLE messages (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	scheme_id  BIGINT  NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	text       TEXT    NOT NULL,
	token_hash BYTEA   NOT NULL UNIQUE,
	created    BIGINT  NOT NULL,
	closed     BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX messages_scheme ON messages (scheme_id, id);
CREATE INDEX messages_closed ON messages (closed);

CREATE TABLE replies (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	message_id BIGINT  NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	author_id  BIGINT  NOT NULL DEFAULT 0,
	text       TEXT    NOT NULL,
	created    BIGINT  NOT NULL
);
CREATE INDEX replies_message ON replies (message_id, id);

CREATE TABLE outbox (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	recipient    TEXT    NOT NULL,
	subject      TEXT    NOT NULL,
	body         TEXT    NOT NULL,
	attempts     BIGINT  NOT NULL DEFAULT 0,
	next_attempt BIGINT  NOT NULL,
	last_error   TEXT    NOT NULL DEFAULT '',
	created      BIGINT  NOT NULL,
	sent         BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (sent, next_attempt);

CREATE TABLE audit_log (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         BIGINT  NOT NULL,
	actor_id   BIGINT  NOT NULL,
	action     TEXT    NOT NULL,
	subject    TEXT    NOT NULL,
	subject_id BIGINT  NOT NULL,
	detail     TEXT    NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, subject_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

CREATE TABLE team_edits (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	force         TEXT    NOT NULL,
	neighbourhood TEXT    NOT NULL,
	field         TEXT    NOT NULL,
	old           TEXT    NOT NULL,
	new           TEXT    NOT NULL,
	by_user       BIGINT  NOT NULL REFERENCES users (id),
	at            BIGINT  NOT NULL
);
CREATE INDEX team_edits_neighbourhood ON team_edits (force, neighbourhood, id);

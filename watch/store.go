package watch

import (
	"context"
	"time"

	"crimemap/fault"
)

// The store's errors. Back ends wrap them with context; match with
// errors.Is or fault.KindOf.
var (
	ErrNotFound = fault.New(fault.NotFound, "not found")
	ErrConflict = fault.New(fault.Conflict, "conflict")
)

// DefaultRetention is how long closed applications and messages are kept
// before the retention sweep deletes them.
const DefaultRetention = 365 * 24 * time.Hour

// SchemeFilter narrows ListSchemes; zero fields match everything.
type SchemeFilter struct {
	Force         string
	Status        SchemeStatus
	CoordinatorID int64
}

// AuditFilter narrows AuditLog; zero fields match everything. Limit zero
// means 100.
type AuditFilter struct {
	ActorID   int64
	Subject   string
	SubjectID int64
	Limit     int
}

// Registration is a new scheme as its coordinator registers it: an
// existing coordinator's (CoordinatorID), or one whose coordinator account
// is made with it (Account, when its Email is set).
type Registration struct {
	Scheme        Scheme
	CoordinatorID int64
	Account       User
	// StaffNotice, when its Subject is set, is queued once to each address
	// StaffEmails gives for the scheme's force, its To filled in, in the
	// registration's transaction: staff added meanwhile are not missed.
	StaffNotice OutboxMail
}

// Store is the durable state of Neighbourhood Watch. Every method that
// writes has committed durably when it returns nil. Methods that change
// something people are told about take the notifications to enqueue, so
// the change and its mail commit together. Methods for the decisions of
// staff and coordinators take the decision's audit entry, written in the
// same transaction, so no decision commits without its audit row; the
// zero AuditEntry writes none (a change no one signed in made), and an
// invalid one refuses the change. Missing rows give ErrNotFound,
// duplicates and changes the current state forbids give ErrConflict.
type Store interface {
	// Schemes.
	CreateScheme(ctx context.Context, s Scheme) (Scheme, error)
	Scheme(ctx context.Context, id int64) (Scheme, error)
	UpdateScheme(ctx context.Context, s Scheme) (Scheme, error)
	ListSchemes(ctx context.Context, f SchemeFilter) ([]Scheme, error)
	// SetCoordinators replaces a scheme's coordinators; every id must be a
	// user with RoleCoordinator.
	SetCoordinators(ctx context.Context, schemeID int64, userIDs []int64) error
	// RegisterScheme stores a registered scheme with its coordinator, the
	// account too when the registration makes one, and queues notify and
	// the staff notice, all or nothing.
	RegisterScheme(ctx context.Context, r Registration, notify ...OutboxMail) (Scheme, error)
	// DecideScheme moves a pending scheme to active or closed and queues
	// notify with it. A scheme no longer pending gives ErrConflict, so of
	// two staff deciding at once exactly one does.
	DecideScheme(ctx context.Context, id int64, to SchemeStatus, at time.Time, audit AuditEntry, notify ...OutboxMail) (Scheme, error)
	// StaffEmails returns the addresses of force's staff and of every
	// admin, sorted: who reviews force's new schemes.
	StaffEmails(ctx context.Context, force string) ([]string, error)

	// Accounts and sessions.
	CreateUser(ctx context.Context, u User) (User, error)
	User(ctx context.Context, id int64) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	SetPassword(ctx context.Context, userID int64, hash string) error
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session whose token hashes to tokenHash, if it
	// has not expired by now.
	Session(ctx context.Context, tokenHash []byte, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// RecordSignInFailure notes a failed sign-in under key (an account or
	// an address) and returns how many failures key has since since.
	RecordSignInFailure(ctx context.Context, key string, at, since time.Time) (int, error)
	ClearSignInFailures(ctx context.Context, key string) error

	// Applications to join.
	CreateApplication(ctx context.Context, a Application, notify ...OutboxMail) (Application, error)
	Application(ctx context.Context, id int64) (Application, error)
	ApplicationByToken(ctx context.Context, tokenHash []byte) (Application, error)
	ListApplications(ctx context.Context, schemeID int64) ([]Application, error)
	// DecideApplication approves or declines a pending application and
	// queues notify with it. One no longer pending gives ErrConflict, so
	// of two coordinators deciding at once exactly one does.
	DecideApplication(ctx context.Context, id int64, st ApplicationStatus, at time.Time, audit AuditEntry, notify ...OutboxMail) (Application, error)
	// WithdrawApplication deletes the application behind a private link,
	// and with it the applicant's personal data.
	WithdrawApplication(ctx context.Context, tokenHash []byte) error

	// Messages and replies.
	CreateMessage(ctx context.Context, m Message, notify ...OutboxMail) (Message, error)
	Message(ctx context.Context, id int64) (Message, error)
	MessageByToken(ctx context.Context, tokenHash []byte) (Message, error)
	ListMessages(ctx context.Context, schemeID int64) ([]Message, error)
	// AddReply adds to an open thread; a closed one gives ErrConflict.
	AddReply(ctx context.Context, r Reply, audit AuditEntry, notify ...OutboxMail) (Reply, error)
	Replies(ctx context.Context, messageID int64) ([]Reply, error)
	// CloseMessage closes an open thread; a closed one gives ErrConflict,
	// so of two closing it at once one is told, and it keeps its first
	// close.
	CloseMessage(ctx context.Context, id int64, at time.Time, audit AuditEntry) error
	// WithdrawMessage deletes the thread behind a private link, replies
	// included.
	WithdrawMessage(ctx context.Context, tokenHash []byte) error

	// Outbox.
	EnqueueMail(ctx context.Context, m OutboxMail) (OutboxMail, error)
	// ClaimMail returns up to limit unsent mails whose next attempt is due
	// by now, oldest first, and moves their next attempt to now+lease, so
	// that a sender on another replica does not take them too. A sender
	// that dies holding a claim leaves the mail due again after the lease.
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMail, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	// MarkFailed counts a failed attempt and schedules the next one.
	MarkFailed(ctx context.Context, id int64, reason string, next time.Time) error

	// Audit log of personal data read or changed by staff.
	Audit(ctx context.Context, e AuditEntry) error
	// AuditBatch appends entries in one transaction: all of them, or none
	// when any is invalid or the write fails. A page that shows many rows
	// of personal data records its reads with one durable commit.
	AuditBatch(ctx context.Context, entries []AuditEntry) error
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Neighbourhood team edits. RecordTeamEdit gives audit, when its
	// SubjectID is zero, the edit's id.
	RecordTeamEdit(ctx context.Context, e TeamEdit, audit AuditEntry) (TeamEdit, error)
	// TeamEdits returns a neighbourhood's edits, oldest first.
	TeamEdits(ctx context.Context, force, neighbourhood string) ([]TeamEdit, error)
	// TeamOverrides returns the latest value of each edited field.
	TeamOverrides(ctx context.Context, force, neighbourhood string) (map[string]string, error)

	// Sweep deletes applications decided and messages closed before
	// closedBefore, sessions expired by now and sign-in failures older
	// than failuresBefore.
	Sweep(ctx context.Context, closedBefore, now, failuresBefore time.Time) (SweepResult, error)

	Close() error
}

package watch

import (
	"time"

	"github.com/paulmach/orb"
)

// Role is what an account may do; see Can.
type Role string

// The roles.
const (
	RoleAdmin       Role = "admin"       // everything, including accounts
	RoleStaff       Role = "staff"       // their force's schemes and neighbourhood teams
	RoleCoordinator Role = "coordinator" // their own schemes
)

// SchemeStatus is a scheme's life cycle: pending until staff accept it,
// active while it takes members, closed when it stops.
type SchemeStatus string

// The scheme statuses.
const (
	SchemePending SchemeStatus = "pending"
	SchemeActive  SchemeStatus = "active"
	SchemeClosed  SchemeStatus = "closed"
)

// ApplicationStatus is where an application to join stands.
type ApplicationStatus string

// The application statuses. Approved and declined are closed: the
// retention sweep counts from the time they were decided.
const (
	ApplicationPending  ApplicationStatus = "pending"
	ApplicationApproved ApplicationStatus = "approved"
	ApplicationDeclined ApplicationStatus = "declined"
)

// Area is where a scheme lies: a polygon, or a centre and a radius when
// it has none. Neighbourhood is the force's neighbourhood id the area lies
// in, when known.
type Area struct {
	Polygon       orb.MultiPolygon // lon/lat rings; empty when the area is a circle
	Centre        orb.Point        // lon/lat
	RadiusM       float64          // metres; zero when the area is a polygon
	Neighbourhood string
}

// IsCircle reports whether the area is a centre and a radius.
func (a Area) IsCircle() bool { return len(a.Polygon) == 0 }

// Scheme is one Neighbourhood Watch scheme.
type Scheme struct {
	ID           int64
	Name         string
	Description  string
	Area         Area
	Force        string // data.police.uk force id
	Contact      string // the public contact route: a scheme address or page, never a coordinator's own
	Status       SchemeStatus
	Coordinators []int64 // user ids, ascending
	Created      time.Time
	Updated      time.Time
}

// Application is a request to join a scheme. Name, Email, Address and
// Message are personal data: withdrawing or the retention sweep deletes
// the whole row.
type Application struct {
	ID        int64
	SchemeID  int64
	Name      string
	Email     string
	Address   string // a postcode or a street
	Message   string // optional
	Consent   bool   // to be contacted by the scheme's coordinators; required
	Status    ApplicationStatus
	TokenHash []byte // HashToken of the applicant's private link
	Created   time.Time
	Decided   time.Time // zero while pending
}

// Message is a thread a member of the public opens with a scheme; Replies
// hang off it until a coordinator closes it.
type Message struct {
	ID        int64
	SchemeID  int64
	Name      string
	Email     string
	Text      string
	TokenHash []byte // HashToken of the writer's private link
	Created   time.Time
	Closed    time.Time // zero while open
}

// Reply is one answer in a message thread. AuthorID is the user who wrote
// it, or zero when the member of the public wrote it through their link.
type Reply struct {
	ID        int64
	MessageID int64
	AuthorID  int64
	Text      string
	Created   time.Time
}

// User is an account of an admin, force staff or coordinator.
type User struct {
	ID           int64
	Email        string
	PasswordHash string // PHC string from HashPassword
	Role         Role
	Force        string // the force of staff; empty for other roles
	Created      time.Time
}

// Session is a signed-in browser. Only the hash of its id is stored.
type Session struct {
	TokenHash []byte
	UserID    int64
	Created   time.Time
	Expires   time.Time
}

// AuditEntry records one read or change of personal data by staff.
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   int64
	Action    string // e.g. "read", "approve", "reply", "export"
	Subject   string // e.g. "application", "message"
	SubjectID int64
	Detail    string
}

// OutboxMail is a notification waiting to be sent. It is written in the
// same transaction as the change it announces, so a change that committed
// is never left unannounced; a sender retries it until Sent is set.
type OutboxMail struct {
	ID          int64
	To          string
	Subject     string
	Body        string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Created     time.Time
	Sent        time.Time // zero until sent
}

// TeamEdit is one change by force staff to a field of a neighbourhood's
// published details (team, contact details, events, priorities). The
// latest edit of a field overrides the imported value.
type TeamEdit struct {
	ID            int64
	Force         string
	Neighbourhood string
	Field         string // e.g. "team", "contact_details", "events", "priorities"
	Old           string
	New           string
	By            int64 // user id
	At            time.Time
}

// SweepResult counts what a retention sweep deleted.
type SweepResult struct {
	Applications int
	Messages     int
	Sessions     int
	SignIns      int
}

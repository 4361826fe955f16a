package watch

import "slices"

// Action is something a user may ask to do.
type Action uint8

// The actions.
const (
	ViewScheme        Action = iota // see a scheme's public page
	CreateScheme                    // propose a new scheme
	EditScheme                      // change a scheme's details and public contact route
	ReviewScheme                    // change a scheme's status or coordinators
	ReadPersonalData                // read applications and messages
	HandleApplication               // approve or decline an application
	HandleMessage                   // reply to or close a thread
	EditTeam                        // edit a neighbourhood's team, contact details, events, priorities
	ManageUsers                     // create accounts and set roles
	ReadAudit                       // read the audit log
)

// Resource is what an action applies to: a scheme (its force, status and
// coordinators) or a neighbourhood (its force). The zero Resource is the
// service as a whole.
type Resource struct {
	Force        string
	Status       SchemeStatus
	Coordinators []int64
}

// SchemeResource describes a scheme for Can.
func SchemeResource(s Scheme) Resource {
	return Resource{Force: s.Force, Status: s.Status, Coordinators: s.Coordinators}
}

// Can reports whether u may do act to r. A nil user is a member of the
// public. Admins may do anything; staff anything within their force but
// accounts and the audit log; coordinators may see, edit and answer for
// their own schemes, but not approve them or choose who coordinates.
func Can(u *User, act Action, r Resource) bool {
	if act == ViewScheme && r.Status == SchemeActive {
		return true
	}
	if u == nil {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleStaff:
		if act == ManageUsers || act == ReadAudit {
			return false
		}
		return u.Force != "" && r.Force == u.Force
	case RoleCoordinator:
		switch act {
		case ViewScheme, EditScheme, ReadPersonalData, HandleApplication, HandleMessage:
			return slices.Contains(r.Coordinators, u.ID)
		case CreateScheme:
			return true
		}
	}
	return false
}

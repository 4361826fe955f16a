package watch

import "testing"

func TestCan(t *testing.T) {
	admin := &User{ID: 1, Role: RoleAdmin}
	staff := &User{ID: 2, Role: RoleStaff, Force: "leicestershire"}
	forceless := &User{ID: 3, Role: RoleStaff}
	coord := &User{ID: 4, Role: RoleCoordinator}
	other := &User{ID: 5, Role: RoleCoordinator}
	unknown := &User{ID: 6, Role: "root"}

	own := Resource{Force: "leicestershire", Status: SchemePending, Coordinators: []int64{4}}
	ownActive := Resource{Force: "leicestershire", Status: SchemeActive, Coordinators: []int64{4}}
	elsewhere := Resource{Force: "metropolitan", Status: SchemePending}
	neighbourhood := Resource{Force: "leicestershire"}
	service := Resource{}

	for _, c := range []struct {
		name string
		u    *User
		act  Action
		r    Resource
		want bool
	}{
		{"public sees an active scheme", nil, ViewScheme, ownActive, true},
		{"public does not see a pending one", nil, ViewScheme, own, false},
		{"public reads no personal data", nil, ReadPersonalData, ownActive, false},
		{"public creates no scheme", nil, CreateScheme, service, false},

		{"admin manages users", admin, ManageUsers, service, true},
		{"admin reads the audit log", admin, ReadAudit, service, true},
		{"admin edits any scheme", admin, EditScheme, elsewhere, true},
		{"admin edits any team", admin, EditTeam, neighbourhood, true},

		{"staff edit their force's scheme", staff, EditScheme, own, true},
		{"staff read their force's personal data", staff, ReadPersonalData, own, true},
		{"staff decide their force's applications", staff, HandleApplication, own, true},
		{"staff edit their force's team", staff, EditTeam, neighbourhood, true},
		{"staff do not see another force's pending scheme", staff, ViewScheme, elsewhere, false},
		{"staff do not read another force's personal data", staff, ReadPersonalData, elsewhere, false},
		{"staff do not edit another force's team", staff, EditTeam, Resource{Force: "metropolitan"}, false},
		{"staff do not manage users", staff, ManageUsers, service, false},
		{"staff do not read the audit log", staff, ReadAudit, neighbourhood, false},
		{"staff without a force act nowhere", forceless, EditScheme, Resource{}, false},

		{"coordinator sees own pending scheme", coord, ViewScheme, own, true},
		{"coordinator edits own scheme", coord, EditScheme, own, true},
		{"coordinator reads own personal data", coord, ReadPersonalData, own, true},
		{"coordinator decides own applications", coord, HandleApplication, own, true},
		{"coordinator answers own messages", coord, HandleMessage, own, true},
		{"coordinator proposes a scheme", coord, CreateScheme, service, true},
		{"coordinator does not activate own scheme", coord, ReviewScheme, own, false},
		{"staff activate their force's scheme", staff, ReviewScheme, own, true},
		{"staff do not activate another force's scheme", staff, ReviewScheme, elsewhere, false},
		{"coordinator does not edit teams", coord, EditTeam, neighbourhood, false},
		{"coordinator does not manage users", coord, ManageUsers, service, false},
		{"another coordinator reads nothing", other, ReadPersonalData, own, false},
		{"another coordinator edits nothing", other, EditScheme, own, false},
		{"another coordinator still sees an active scheme", other, ViewScheme, ownActive, true},

		{"an unknown role may do nothing", unknown, EditScheme, own, false},
	} {
		if got := Can(c.u, c.act, c.r); got != c.want {
			t.Errorf("%s: Can = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSchemeResource(t *testing.T) {
	s := Scheme{Force: "f", Status: SchemeClosed, Coordinators: []int64{7}}
	if !Can(&User{ID: 7, Role: RoleCoordinator}, EditScheme, SchemeResource(s)) {
		t.Fatal("a scheme's coordinator may not edit it")
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/store"
	"crimemap/watch"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func TestUsersAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	out, err := runCmd(t, "users", "add", "--db", db, "--role", "admin", "Root@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, pw, ok := strings.Cut(out, "password (shown once): ")
	if !ok || !strings.Contains(out, "added admin root@example.com") {
		t.Fatalf("output %q", out)
	}
	stdin = strings.NewReader("a long enough password\n")
	t.Cleanup(func() { stdin = os.Stdin })
	if _, err := runCmd(t, "users", "add", "--db", db, "--role", "staff", "--force", "kent", "--password-stdin", "s@example.com"); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for email, password := range map[string]string{"root@example.com": strings.TrimSpace(pw), "s@example.com": "a long enough password"} {
		u, err := s.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := watch.VerifyPassword(u.PasswordHash, password); !ok || err != nil {
			t.Errorf("%s: password does not verify: %v", email, err)
		}
	}
	for _, args := range [][]string{
		{"users", "add", "--db", db, "--role", "admin", "root@example.com"}, // exists
		{"users", "add", "--db", db, "--role", "king", "k@example.com"},
		{"users", "add", "--db", db, "k@example.com"},
		{"users", "remove", "--db", db, "k@example.com"},
	} {
		if _, err := runCmd(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestWatchImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("name,lat,lng,radius_m,force,status\nGreen,52.63,-1.13,400,leicestershire,active\n"+
		"Oak,51.2,0.5,200,kent,pending\n"), 0o644)
	os.WriteFile(bad, []byte("name,lat,lng,radius_m,force\nGreen,52.63,-1.13,400,leicestershire\nNo,1,2,,kent\n"), 0o644)
	if out, err := runCmd(t, "watch", "import", "--db", db, good); err != nil || !strings.Contains(out, "imported 2 schemes") {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := runCmd(t, "watch", "import", "--db", db, bad); err == nil || !strings.Contains(err.Error(), "nothing imported") {
		t.Fatalf("bad file: %v", err)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.ListSchemes(context.Background(), watch.SchemeFilter{}); len(got) != 2 {
		t.Fatalf("%d schemes stored, want 2", len(got))
	}
}

func TestWatchImportNeighbourhood(t *testing.T) {
	dir := t.TempDir()
	db, csv := filepath.Join(dir, "w.db"), filepath.Join(dir, "s.csv")
	kml := func(ring string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark>` +
			`<Polygon><outerBoundaryIs><LinearRing><coordinates>` + ring + `</coordinates></LinearRing></outerBoundaryIs></Polygon>` +
			`</Placemark></Document></kml>`
	}
	os.MkdirAll(filepath.Join(dir, "b", "kent"), 0o755)
	os.WriteFile(filepath.Join(dir, "b", "kent", "west.kml"), []byte(kml("0,51 1,51 1,52 0,52 0,51")), 0o644)
	os.WriteFile(filepath.Join(dir, "b", "kent", "east.kml"), []byte(kml("1,51 2,51 2,52 1,52 1,51")), 0o644)
	os.WriteFile(csv, []byte("name,lat,lng,radius_m,wkt,force,neighbourhood\n"+
		"A,51.5,1.5,100,,kent,\n"+ // east by its centre
		"B,,,,\"POLYGON((0.1 51.1,0.3 51.1,0.3 51.3,0.1 51.1))\",kent,\n"+ // west by its centroid
		"C,51.5,1.5,100,,essex,\n"+ // another force: none
		"D,51.5,1.5,100,,kent,given\n"), 0o644) // kept as given
	if _, err := runCmd(t, "watch", "import", "--db", db, "--boundaries", filepath.Join(dir, "b"), csv); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ListSchemes(context.Background(), watch.SchemeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"east", "west", "", "given"}
	if len(got) != len(want) {
		t.Fatalf("%d schemes, want %d", len(got), len(want))
	}
	for i, sc := range got {
		if sc.Area.Neighbourhood != want[i] {
			t.Errorf("%s: neighbourhood %q, want %q", sc.Name, sc.Area.Neighbourhood, want[i])
		}
	}
}

func TestDBBackupRestoreSweep(t *testing.T) {
	dir := t.TempDir()
	db, backup := filepath.Join(dir, "w.db"), filepath.Join(dir, "backup.db")
	if _, err := runCmd(t, "users", "add", "--db", db, "--role", "admin", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "db", "backup", "--db", db, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "users", "add", "--db", db, "--role", "admin", "b@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "db", "restore", "--db", db, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "users", "add", "--db", db, "--role", "admin", "b@example.com"); err != nil {
		t.Fatalf("b survived the restore: %v", err)
	}
	if out, err := runCmd(t, "db", "sweep", "--db", db); err != nil || !strings.Contains(out, "deleted 0 applications") {
		t.Fatalf("sweep: %q %v", out, err)
	}
	for _, args := range [][]string{{"db"}, {"db", "backup", "--db", db}, {"db", "sweep", "--db", db, "x"}, {"db", "drop", "--db", db, "x"}} {
		if _, err := runCmd(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestDefaultDBAndRedact(t *testing.T) {
	t.Setenv("CRIMEMAP_DATA", filepath.Join("srv", "police-uk")+string(os.PathListSeparator)+"other")
	if got, want := defaultDB(), filepath.Join("srv", "crimemap.db"); got != want {
		t.Errorf("defaultDB = %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		"postgres://u:secret@h/db": "postgres://u:xxxxx@h/db",
		"postgres://u@h/db":        "postgres://u@h/db",
		"crimemap.db":              "crimemap.db",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

package neighbourhood

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// The file names of the layout (see the package doc).
const (
	forcesFile     = "forces.json"
	forcesDir      = "forces"
	listName       = "neighbourhoods"
	peopleFile     = "people.json"
	eventsFile     = "events.json"
	prioritiesFile = "priorities.json"
	boundaryFile   = "boundary.json"
	ext            = ".json"
)

// EscapeID returns the file or folder name for a force or neighbourhood id:
// its URL path escaping, with a leading dot as %2E.
func EscapeID(id string) string {
	s := url.PathEscape(id)
	if strings.HasPrefix(s, ".") {
		s = "%2E" + s[1:]
	}
	return s
}

// UnescapeID returns the id a file or folder name stands for. A name that
// is not the escaping of its id (say "a%41" for "aA", or an unescaped
// leading dot) stands for none, so every id has exactly one name.
func UnescapeID(name string) (string, error) {
	id, err := url.PathUnescape(name)
	if err != nil {
		return "", fmt.Errorf("file name %q: %w", name, err)
	}
	if id == "" || EscapeID(id) != name {
		return "", fmt.Errorf("file name %q is not an escaped id", name)
	}
	return id, nil
}

// Paths of each response, relative to the folder, with forward slashes.

// ForcesPath is GET forces.
func ForcesPath() string { return forcesFile }

// ForcePath is GET forces/{force}.
func ForcePath(force string) string { return path.Join(forcesDir, EscapeID(force)+ext) }

// ForcePeoplePath is GET forces/{force}/people, the senior officers: a
// folder beside the force's file.
func ForcePeoplePath(force string) string { return path.Join(forcesDir, EscapeID(force), peopleFile) }

// ListPath is GET {force}/neighbourhoods.
func ListPath(force string) string { return path.Join(EscapeID(force), listName+ext) }

// DetailPath is GET {force}/{id}. For the id "neighbourhoods" it is the
// list's path, as in the API.
func DetailPath(force, id string) string { return path.Join(EscapeID(force), EscapeID(id)+ext) }

// PeoplePath is GET {force}/{id}/people.
func PeoplePath(force, id string) string { return sub(force, id, peopleFile) }

// EventsPath is GET {force}/{id}/events.
func EventsPath(force, id string) string { return sub(force, id, eventsFile) }

// PrioritiesPath is GET {force}/{id}/priorities.
func PrioritiesPath(force, id string) string { return sub(force, id, prioritiesFile) }

// BoundaryPath is GET {force}/{id}/boundary.
func BoundaryPath(force, id string) string { return sub(force, id, boundaryFile) }

func sub(force, id, file string) string { return path.Join(EscapeID(force), EscapeID(id), file) }

package neighbourhood

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"crimemap/internal/testsupport"
)

// fixture reads a file of the shared api-json-fixtures: responses as API
// clients' tests hold them.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(testsupport.Shared(t, "api-json-fixtures", filepath.FromSlash(name)))
	if errors.Is(err, os.ErrNotExist) {
		testsupport.MissingShared(t, "shared fixture absent: "+err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// reencode decodes data as one file kind and encodes the result.
func reencode(kind string, data []byte) ([]byte, []*ValueError, error) {
	enc := func(v any, dropped []*ValueError, err error) ([]byte, []*ValueError, error) {
		if err != nil {
			return nil, dropped, err
		}
		b, err := json.Marshal(v)
		return b, dropped, err
	}
	// Single objects of a list's element type are decoded as a one-element
	// list, as they appear in the API.
	one := func(b []byte) []byte { return append(append([]byte("["), bytes.TrimPrefix(b, bom)...), ']') }
	switch kind {
	case "neighbourhood":
		return enc(decodeFile(data, decodeNeighbourhood))
	case "force":
		return enc(decodeFile(data, decodeForce))
	case "refs":
		return enc(decodeFile(data, refsOf))
	case "ref":
		return enc(decodeFile(one(data), refsOf))
	case "forces":
		return enc(decodeFile(data, forceRefsOf))
	case "people":
		return enc(decodeFile(data, peopleOf))
	case "person":
		return enc(decodeFile(one(data), peopleOf))
	case "events":
		return enc(decodeFile(data, eventsOf))
	case "priority":
		return enc(decodeFile(one(data), prioritiesOf))
	case "boundary":
		return enc(decodeFile(data, boundaryOf))
	case "point":
		return enc(decodeFile(one(data), boundaryOf))
	case "link":
		return enc(decodeFile(one(data), func(d *decoder, v any, p string) []Link { return list(d, v, p, decodeLink) }))
	case "location":
		return enc(decodeFile(one(data), func(d *decoder, v any, p string) []Location { return list(d, v, p, decodeLocation) }))
	case "contacts":
		return enc(decodeFile(data, func(d *decoder, v any, p string) *ContactDetails {
			return d.contacts(map[string]any{"c": v}, p, "c")
		}))
	}
	panic("unknown kind " + kind)
}

var bom = []byte("\xef\xbb\xbf")

// jsonValue decodes data (after a byte order mark) as a generic value.
func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(bytes.TrimPrefix(data, bom), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// keyOrder returns the keys of the top-level object, or of each top-level
// array element that is an object, in document order.
func keyOrder(t *testing.T, data []byte) [][]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	var out [][]string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if tok == json.Delim('{') && depth <= 1 {
				out = append(out, nil)
			}
			depth++
			continue
		case json.Delim('}'), json.Delim(']'):
			depth--
			continue
		}
		// A string at depth 1 inside an object, or at depth 2 inside an
		// array's object, alternates key and value; dec.More tells neither,
		// so read keys by skipping each value whole.
		if k, ok := tok.(string); ok && len(out) > 0 && (depth == 1 || depth == 2) {
			out[len(out)-1] = append(out[len(out)-1], k)
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRoundTripFixtures decodes each API response fixture, encodes it back
// and compares the two as JSON values; for the main objects the keys must
// also come in the same order.
func TestRoundTripFixtures(t *testing.T) {
	tests := []struct {
		file, kind string
		order      bool
	}{
		{"police-data-kit/neighbourhood.json", "neighbourhood", true},
		{"police-data-kit/neighbourhood-empty-force-url.json", "neighbourhood", true},
		{"police-data-kit/neighbourhood-html-in-name.json", "neighbourhood", true},
		{"police-data-kit/neighbourhood-reference.json", "ref", true},
		{"police-data-kit/neighbourhood-priority.json", "priority", true},
		{"police-data-kit/neighbourhood-priority-no-action.json", "priority", true},
		{"police-data-kit/neighbourhood-priority-html.json", "priority", true},
		{"police-data-kit/police-officer.json", "person", true},
		{"police-data-kit/police-officer-nulls.json", "person", true},
		{"police-data-kit/police-force.json", "force", false}, // the Swift fixture reorders engagement keys
		{"police-data-kit/police-force-reference.json", "ref", true},
		{"police-data-kit/coordinate.json", "point", true},
		{"police-data-kit/link.json", "link", true},
		{"police-data-kit/link-no-description.json", "link", true},
		{"police-data-kit/neighbourhood-location.json", "location", true},
		{"police-data-kit/neighbourhood-location-null-coordinates.json", "location", true},
		{"police-data-kit/neighbourhood-location-null-type.json", "location", true},
		{"police-data-kit/contact-details.json", "contacts", true},
		{"police-data-kit/contact-details-none.json", "contacts", true},
		{"policeuk-net/Neighbourhood.json", "neighbourhood", true},
		{"policeuk-net/Neighbourhoods.Multiple.json", "refs", true},
		{"policeuk-net/Neighbourhoods.Single.json", "refs", true},
		{"policeuk-net/NeighbourhoodTeam.Multiple.json", "people", true},
		{"policeuk-net/NeighbourhoodEvents.Multiple.json", "events", true},
		{"policeuk-net/NeighbourhoodBoundary.Multiple.json", "boundary", true},
		{"policeuk-net/Force.json", "force", true},
		{"policeuk-net/Forces.Multiple.json", "forces", true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			in := fixture(t, tc.file)
			out, dropped, err := reencode(tc.kind, in)
			if err != nil || len(dropped) > 0 {
				t.Fatalf("decode: %v, dropped %v", err, dropped)
			}
			want := jsonValue(t, in)
			if tc.kind == "ref" || tc.kind == "person" || tc.kind == "priority" || tc.kind == "point" || tc.kind == "link" || tc.kind == "location" {
				want = []any{want}
			}
			if got := jsonValue(t, out); !reflect.DeepEqual(got, want) {
				t.Errorf("re-encoded value differs:\n got %s\nwant %s", out, bytes.TrimPrefix(in, bom))
			}
			if tc.order && tc.kind != "contacts" {
				if got, want := keyOrder(t, out), keyOrder(t, in); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("key order %v, want %v", got, want)
				}
			}
		})
	}
}

// TestInvalidFixtures pins the errors for the fixtures that hold values the
// API must not have: each names the JSON path of the bad value.
func TestInvalidFixtures(t *testing.T) {
	tests := []struct {
		file, kind, want string
		dropped          bool // the bad value drops a list element, not the object
	}{
		{"police-data-kit/neighbourhood-invalid-population.json", "neighbourhood", `$.population: not a number "A"`, false},
		{"police-data-kit/coordinate-invalid.json", "point", `$[0].latitude: not a number "A"`, false},
		{"police-data-kit/neighbourhood-location-invalid-coordinates.json", "location", `$[0].longitude: not a number "A"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			_, dropped, err := reencode(tc.kind, fixture(t, tc.file))
			if tc.dropped {
				if err != nil || len(dropped) != 1 {
					t.Fatalf("err %v, dropped %v; want one dropped", err, dropped)
				}
				err = dropped[0]
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

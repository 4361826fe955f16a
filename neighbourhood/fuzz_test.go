package neighbourhood

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzFile loads a folder whose file at rel holds arbitrary bytes, beside a
// good list naming the neighbourhood, and checks: no panic, every error
// names its file, and whatever loaded re-encodes to JSON that loads to the
// same Set.
func fuzzFile(f *testing.F, rel string, seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(s)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("\xef\xbb\xbf[]"))
	f.Add([]byte(`{"id":"SO14","name":null,"centre":{"latitude":"1e400","longitude":"NaN"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"forces.json":                   {Data: []byte(`[{"id":"hampshire","name":"Hampshire Constabulary"}]`)},
			"hampshire/neighbourhoods.json": {Data: []byte(`[{"id":"SO14","name":"Southampton City Centre"}]`)},
		}
		fsys[rel] = &fstest.MapFile{Data: data}
		s, sum, err := LoadFS(context.Background(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range sum.Errors {
			var fe *FileError
			if !errors.As(e, &fe) || !strings.HasPrefix(e.Error(), fe.File+": ") || fsys[fe.File] == nil {
				t.Fatalf("error %v does not name a file of the folder", e)
			}
		}
		again, sum2, err := LoadFS(context.Background(), written(t, s))
		if err != nil {
			t.Fatal(err)
		}
		if len(sum2.Errors) > 0 {
			t.Fatalf("what loaded does not load again:\n%s", sum2)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("reloaded Set differs")
		}
	})
}

func FuzzList(f *testing.F) {
	fuzzFile(f, "hampshire/neighbourhoods.json", "api/hampshire/neighbourhoods.json", "broken/hampshire/neighbourhoods.json")
}

func FuzzForces(f *testing.F) { fuzzFile(f, "forces.json", "api/forces.json") }

func FuzzForce(f *testing.F) { fuzzFile(f, "forces/hampshire.json", "api/forces/hampshire.json") }

func FuzzDetail(f *testing.F) {
	fuzzFile(f, "hampshire/SO14.json", "api/hampshire/SO14.json", "broken/hampshire/SO14.json", "broken/hampshire/SO16.json")
}

func FuzzPeople(f *testing.F) {
	fuzzFile(f, "hampshire/SO14/people.json", "api/hampshire/SO14/people.json", "broken/hampshire/SO14/people.json")
}

func FuzzEvents(f *testing.F) {
	fuzzFile(f, "hampshire/SO14/events.json", "api/hampshire/SO14/events.json", "broken/hampshire/SO14/events.json")
}

func FuzzPriorities(f *testing.F) {
	fuzzFile(f, "hampshire/SO14/priorities.json", "api/hampshire/SO14/priorities.json", "api/leicestershire/NC04/priorities.json")
}

func FuzzBoundary(f *testing.F) {
	fuzzFile(f, "hampshire/SO14/boundary.json", "api/hampshire/SO14/boundary.json", "broken/hampshire/SO14/boundary.json")
}

// written is what WriteDir would write for s, in memory: fsyncing files
// would slow fuzzing a hundredfold.
func written(t *testing.T, s *Set) fstest.MapFS {
	out := fstest.MapFS{}
	err := writeSet(s, func(rel string, v any) error {
		data, err := Marshal(v)
		out[rel] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

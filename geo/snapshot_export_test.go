package geo

import (
	"io"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// SnapshotDiff names the fields in which two datasets differ, for the
// snapshot tests; an empty slice and a nil one are the same.
func SnapshotDiff(a, b *Dataset) []string {
	same := func(x, y any) bool {
		vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
		if vx.Kind() == reflect.Slice || vx.Kind() == reflect.Map {
			if vx.Len() == 0 && vy.Len() == 0 {
				return true
			}
		}
		return reflect.DeepEqual(x, y)
	}
	vocab := func(x, y *Vocab) bool {
		return same(x.terms, y.terms) && maps.Equal(x.bySlug, y.bySlug) && maps.Equal(x.byName, y.byName)
	}
	tree := func(d *Dataset) (out [][5]float32) {
		d.tree.Scan(func(lo, hi [2]float32, g uint32) bool {
			out = append(out, [5]float32{lo[0], lo[1], hi[0], hi[1], float32(g)})
			return true
		})
		return out
	}
	checks := map[string]bool{
		"version": a.version == b.version, "sums": a.layoutFreeSums() == b.layoutFreeSums(), "categories": vocab(a.categories, b.categories),
		"outcomes": vocab(a.outcomes, b.outcomes), "forces": vocab(a.forces, b.forces), "strs": same(a.strs, b.strs),
		"ptLon": same(a.ptLon, b.ptLon), "ptLat": same(a.ptLat, b.ptLat), "ptStreet": same(a.ptStreet, b.ptStreet),
		"ptLSOACode": same(a.ptLSOACode, b.ptLSOACode), "ptLSOAName": same(a.ptLSOAName, b.ptLSOAName),
		"ptCell": same(a.ptCell, b.ptCell), "ptStart": same(a.ptStart, b.ptStart),
		"tree": a.tree.Len() == b.tree.Len() && same(tree(a), tree(b)), "bound": a.bound == b.bound,
		"month": same(a.month, b.month), "cat": same(a.cat, b.cat), "force": same(a.force, b.force),
		"outcome": same(a.outcome, b.outcome), "hasID": same(a.hasID, b.hasID), "idRank": same(a.idRank, b.idRank),
		"ids": same(a.ids, b.ids), "byID": same(a.byID, b.byID), "other": same(a.other, b.other),
		"ctx": same(a.ctx, b.ctx), "hist": same(a.hist, b.hist), "histStart": same(a.histStart, b.histStart),
		"histOne": same(a.histOne, b.histOne), "histOneRank": same(a.histOneRank, b.histOneRank), "histOneEv": same(a.histOneEv, b.histOneEv), "months": same(a.months, b.months),
		"latest": a.latest == b.latest, "stops": same(a.stops, b.stops), "snapParts": same(a.snapParts, b.snapParts),
		// Where the columns are (the heap or a file's pages), not what they hold.
		"mapped": true,
		"parts":  len(a.parts) == len(b.parts), "tablePart": (a.tablePart == nil) == (b.tablePart == nil),
		"lo": a.lo == b.lo, "mFirst": a.mFirst == b.mFirst, "mLast": a.mLast == b.mLast, "monthCrimes": same(a.monthCrimes, b.monthCrimes),
		"histMore": same(a.histMore, b.histMore), "cubes": (a.cubes == nil) == (b.cubes == nil), "later": same(a.later, b.later), "unmatched": same(a.unmatched, b.unmatched),
		"appended":     same(a.appended, b.appended),
		"byForceMonth": (a.byForceMonth == nil) == (b.byForceMonth == nil) && (a.byForceMonth == nil || same(a.forceMonthCounts(), b.forceMonthCounts())),
		"ptID":         same(a.ptID, b.ptID), "ptByID": same(a.ptByID, b.ptByID), "ordLow": same(a.ordLow, b.ordLow),
		"forceKey": same(a.forceKey, b.forceKey), "unitKey": same(a.unitKey, b.unitKey),
		"unitSampleStart": same(a.unitSampleStart, b.unitSampleStart), "unitSample": same(a.unitSample, b.unitSample),
		"bigBounds": same(a.bigBounds, b.bigBounds), "bigForces": a.bigForces == b.bigForces,
		// A hash kept (by a build) is the one taken again (from a snapshot).
		"catalogue":  !a.catalogued || !b.catalogued || a.catalogue == b.catalogue,
		"catalogued": !a.catalogued || a.catalogue == a.catalogueSum(),
		// Append looks up again what a snapshot's later rows name; what
		// Revise changed names a dataset of the process that revised.
		"laterFound": true, "laterOn": true, "revised": true,
	}
	var diff []string
	for _, f := range slices.Sorted(maps.Keys(checks)) {
		if !checks[f] {
			diff = append(diff, f)
		}
	}
	if len(checks) != len(snapStored) {
		diff = append(diff, "(SnapshotDiff does not compare every stored field)")
	}
	return diff
}

// HexLevelsBuilt reports whether every hex level of d is built, without
// building any.
func HexLevelsBuilt(d *Dataset) bool {
	hl := d.hexLevels()
	for r := range FinestRes + 1 {
		if hl.lv[r] == nil {
			return false
		}
	}
	return true
}

// HexCubesBuilt reports whether every hex count cube of d is built,
// without building any.
func HexCubesBuilt(d *Dataset) bool {
	hc := cachedFor[cubeSlots[cubeView]](&cubeCache, d)
	for r := range CubeMaxRes + 1 {
		if hc.v[r] == nil {
			return false
		}
	}
	return true
}

// HexLevelsEqual reports whether two datasets have the same hex levels and
// hex count cubes.
func HexLevelsEqual(a, b *Dataset) bool {
	for r := range FinestRes + 1 {
		la, lb := a.hexLevel(r), b.hexLevel(r)
		if !slices.Equal(la.cells, lb.cells) || !slices.Equal(la.of, lb.of) {
			return false
		}
	}
	for r := range CubeMaxRes + 1 {
		ca, cb := a.hexCube(r).parts[0].cube, b.hexCube(r).parts[0].cube
		if !slices.Equal(ca.start, cb.start) || !slices.Equal(ca.key, cb.key) || !slices.Equal(ca.n, cb.n) || !slices.Equal(ca.center, cb.center) {
			return false
		}
	}
	return true
}

// StoredSumsHold reports whether a dataset opened from a snapshot has the
// version sums the snapshot stored, and whether they are its crimes'.
func StoredSumsHold(d *Dataset) bool { return d.sums != nil && *d.sums == d.computeSums() }

// RecomputedVersion hashes the dataset's content again, as Build does.
func RecomputedVersion(d *Dataset) string { return d.versionWith(d.computeSums(), d.catalogueSum()) }

// WriteSnapshotAs writes a snapshot as another format or build would.
func WriteSnapshotAs(w io.Writer, d *Dataset, format uint32, identity string) error {
	return writeSnapshot(w, d, format, identity, nil)
}

func TestSnapshotStoresEveryField(t *testing.T) {
	var fields []string
	for f := range reflect.TypeFor[Dataset]().Fields() {
		fields = append(fields, f.Name)
	}
	for f := range reflect.TypeFor[tablePart]().Fields() {
		fields = append(fields, f.Name)
	}
	slices.Sort(fields)
	stored := slices.Sorted(slices.Values(snapStored))
	if !slices.Equal(fields, stored) {
		t.Fatalf("Dataset has fields %v, snapshots store %v: a field must be written and read by snapshot.go (and SnapshotFormat raised)", fields, stored)
	}
}

// OwnParts returns the parts a snapshot of d stores for the dataset
// itself: its unmatched outcome rows (nil without any) and its version
// sums.
func OwnParts(d *Dataset) (unmatched, sums []byte) {
	if len(d.unmatched) > 0 {
		unmatched = outcomeRowsPart(d.unmatched)
	}
	return unmatched, d.sumsPart().Data
}

// ReadOwnParts decodes what OwnParts returns, as a snapshot's read does.
func ReadOwnParts(unmatched, sums []byte) error {
	if _, err := readOutcomeRows(unmatched, "unmatched-outcomes"); err != nil {
		return err
	}
	_, err := readSums(sums)
	return err
}

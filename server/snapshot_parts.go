package server

import (
	"fmt"
	"math"
	"strings"

	"crimemap/geo"
	"crimemap/tiles"
)

// SnapshotParts returns the indexes SetDataset builds that a snapshot of ds
// can store, so that a start from it maps them instead: the tile cluster
// index for the tile options, the street-name index and the map page's
// view with the forces present.
func SnapshotParts(ds *geo.Dataset, opt tiles.Options) []geo.SnapshotPart {
	return []geo.SnapshotPart{tiles.NewIndex(ds, opt).SnapshotPart(), buildStreetIndex(ds).snapshotPart(),
		buildSummary(ds).snapshotPart(ds)}
}

const streetsPartName = "server/streets"

// snapshotPart stores the lower-case names once each, and each point's.
func (idx streetIndex) snapshotPart() geo.SnapshotPart {
	var names []string
	of := make([]uint32, len(idx.lower))
	seen := map[string]uint32{}
	for p, s := range idx.lower {
		k, ok := seen[s]
		if !ok {
			k = uint32(len(names))
			seen[s] = k
			names = append(names, s)
		}
		of[p] = k
	}
	var w geo.PartWriter
	w.PutStrings(names)
	geo.PutColumn(&w, of)
	return geo.SnapshotPart{Name: streetsPartName, Data: w.Bytes()}
}

// readStreetIndex returns the street index stored in the snapshot ds was
// opened from.
func readStreetIndex(ds *geo.Dataset, b []byte) (streetIndex, error) {
	r := geo.NewPartReader(b, "street index")
	names, of := r.Strings(), geo.Column[uint32](r)
	if err := r.Err(); err != nil {
		return streetIndex{}, err
	}
	if len(of) != ds.NumPoints() {
		return streetIndex{}, fmt.Errorf("%w: street index of %d points for %d", geo.ErrSnapshotCorrupt, len(of), ds.NumPoints())
	}
	idx := streetIndex{lower: make([]string, len(of))}
	for p, k := range of {
		if int(k) >= len(names) {
			return streetIndex{}, fmt.Errorf("%w: street index names %d of %d names", geo.ErrSnapshotCorrupt, k, len(names))
		}
		idx.lower[p] = names[k]
	}
	return idx, nil
}

// newStreetIndex returns the stored street index of a snapshot's dataset,
// else builds it.
func newStreetIndex(ds *geo.Dataset) streetIndex {
	if b := ds.SnapshotPart(streetsPartName); b != nil {
		if idx, err := readStreetIndex(ds, b); err == nil {
			return idx
		}
	}
	return buildStreetIndex(ds)
}

// buildStreetIndex lowers each distinct street name once: a name is shared
// by many snap points, and a copy per point would hold tens of megabytes
// nationally, twice over while a reload builds the next index beside it.
func buildStreetIndex(ds *geo.Dataset) streetIndex {
	idx := streetIndex{lower: make([]string, ds.NumPoints())}
	lowered := map[string]string{}
	for p := range idx.lower {
		name := ds.PointStreet(geo.PointID(p))
		l, ok := lowered[name]
		if !ok {
			l = strings.ToLower(name)
			lowered[name] = l
		}
		idx.lower[p] = l
	}
	return idx
}

const summaryPartName = "server/summary"

// summary is what SetDataset works out from every crime besides the
// indexes: a second and more nationally, so it is stored too.
type summary struct {
	view       geo.View
	forcesUsed geo.Set
}

func buildSummary(ds *geo.Dataset) summary {
	s := summary{view: ds.DefaultView()}
	_, counts := ds.ForceMonthCounts()
	for f, byMonth := range counts {
		if byMonth != nil {
			s.forcesUsed.Add(f)
		}
	}
	return s
}

func (s summary) snapshotPart(ds *geo.Dataset) geo.SnapshotPart {
	var w geo.PartWriter
	b := s.view.Bounds
	for _, v := range []uint64{uint64(s.view.From), uint64(s.view.To),
		math.Float64bits(b.Min[0]), math.Float64bits(b.Min[1]), math.Float64bits(b.Max[0]), math.Float64bits(b.Max[1])} {
		w.Uint64(v)
	}
	var used []uint32
	for f := range ds.Forces().Len() {
		if s.forcesUsed.Has(f) {
			used = append(used, uint32(f))
		}
	}
	geo.PutColumn(&w, used)
	return geo.SnapshotPart{Name: summaryPartName, Data: w.Bytes()}
}

func readSummary(ds *geo.Dataset, b []byte) (summary, error) {
	r := geo.NewPartReader(b, "server summary")
	var s summary
	s.view.From, s.view.To = geo.Month(r.Uint64()), geo.Month(r.Uint64())
	bd := &s.view.Bounds
	bd.Min[0], bd.Min[1] = math.Float64frombits(r.Uint64()), math.Float64frombits(r.Uint64())
	bd.Max[0], bd.Max[1] = math.Float64frombits(r.Uint64()), math.Float64frombits(r.Uint64())
	used := geo.Column[uint32](r)
	if err := r.Err(); err != nil {
		return summary{}, err
	}
	for _, f := range used {
		if int(f) >= ds.Forces().Len() {
			return summary{}, fmt.Errorf("%w: server summary names force %d of %d", geo.ErrSnapshotCorrupt, f, ds.Forces().Len())
		}
		s.forcesUsed.Add(int(f))
	}
	return s, nil
}

// newSummary returns the stored summary of a snapshot's dataset, else
// works it out.
func newSummary(ds *geo.Dataset) summary {
	if b := ds.SnapshotPart(summaryPartName); b != nil {
		if s, err := readSummary(ds, b); err == nil {
			return s
		}
	}
	return buildSummary(ds)
}

package server

import (
	"fmt"
	"strings"

	"crimemap/geo"
	"crimemap/tiles"
)

// SnapshotParts returns the indexes SetDataset builds that a snapshot of ds
// can store, so that a start from it maps them instead: the tile cluster
// index for the tile options and the street-name index.
func SnapshotParts(ds *geo.Dataset, opt tiles.Options) []geo.SnapshotPart {
	return []geo.SnapshotPart{tiles.NewIndex(ds, opt).SnapshotPart(), buildStreetIndex(ds).snapshotPart()}
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

func buildStreetIndex(ds *geo.Dataset) streetIndex {
	idx := streetIndex{lower: make([]string, ds.NumPoints())}
	for p := range idx.lower {
		idx.lower[p] = strings.ToLower(ds.PointStreet(geo.PointID(p)))
	}
	return idx
}

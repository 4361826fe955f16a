package geo

import (
	"bytes"
	"fmt"
	"unsafe"
)

// appendedPartName is the part holding a dataset built on the snapshot's
// (see AppendedPart), itself laid out as a snapshot.
const appendedPartName = "geo.appended"

// AppendedPart returns part, a dataset built on the dataset a snapshot is
// written of (Builder.BuildOn), as a part of that snapshot, so that the
// snapshot holds both: the dataset OpenSnapshot returns is the first, and
// WithAppended gives the two appended (Append). A server that starts so
// keeps the first as the dataset later changes are taken in on: when
// files of part's months are revised, only those months are built again,
// rather than every month (data.police.uk republishes its latest 36
// months, so those are the ones worth holding apart). part is stored with
// its hex levels and counts, which a start would otherwise rebuild, and
// with parts of the appended dataset's own (see SnapshotPart): what other
// packages build from it, as from the snapshot's dataset.
func AppendedPart(part *Dataset, parts ...SnapshotPart) (SnapshotPart, error) {
	var buf bytes.Buffer
	if err := WriteSnapshot(&buf, part, parts...); err != nil {
		return SnapshotPart{}, err
	}
	return SnapshotPart{Name: appendedPartName, Data: buf.Bytes()}, nil
}

// WithAppended returns d, opened from a snapshot, with the dataset stored
// in the snapshot by AppendedPart appended to it, and whether there was
// one: without one it returns d itself. The appended dataset's columns
// are read in place from the snapshot's mapping, as d's are, and were
// checked with the rest of the file; its layout is checked as a snapshot
// of its own as well, and it is refused (ErrSnapshotCorrupt) where it does
// not extend d. Its SnapshotPart gives the parts AppendedPart stored with it.
func (d *Dataset) WithAppended() (ds *Dataset, ok bool, err error) {
	if d.appended == nil {
		return d, false, nil
	}
	// Its bytes are a section of d's snapshot, whose checksum was
	// verified when d was read: they are not summed a second time.
	part, err := readSnapshot(d.appended, nil, true)
	if err != nil {
		return nil, true, fmt.Errorf("the snapshot's appended months: %w", err)
	}
	if ds, err = Append(d, part); err != nil {
		return nil, true, fmt.Errorf("%w: the snapshot's appended months: %w", ErrSnapshotCorrupt, err)
	}
	ds.snapParts = part.snapParts
	return ds, true, nil
}

// ReleaseAppended drops the pages of the months d's snapshot stores apart
// (see WithAppended) out of the process's memory, as ReleaseMapped does
// for the whole file: a server calls it once it serves those months
// rebuilt from their files instead.
func (d *Dataset) ReleaseAppended() {
	if d.appended != nil {
		releaseSnapshot(d.appended)
	}
}

// ReleaseAppendedUnused is ReleaseAppended where ds, a dataset made from
// d's (Revise), no longer holds the part read from those pages: the part
// was made again, its pages would stay resident beside the new one.
func (d *Dataset) ReleaseAppendedUnused(ds *Dataset) {
	if len(d.appended) == 0 {
		return
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(d.appended)))
	hi := lo + uintptr(len(d.appended))
	for _, pt := range ds.parts {
		// The type column is read in place (the month column of an
		// appended part is shifted, a copy).
		if len(pt.cat) > 0 {
			if p := uintptr(unsafe.Pointer(&pt.cat[0])); p >= lo && p < hi {
				return
			}
		}
	}
	d.ReleaseAppended()
}

package geo

import (
	"fmt"
)

// A SnapshotPart is an index another package builds from a Dataset and
// stores in the Dataset's snapshot, so that a start maps it instead of
// building it again. geo checks a part's checksum with the rest of the
// file and hands its bytes back through Dataset.SnapshotPart; what they
// mean is the owner's business, and the owner decides whether they still
// fit (options, say) or must be rebuilt. Lay a part out with PartWriter to
// have its columns read in place.
type SnapshotPart struct {
	Name string
	Data []byte
}

// MaxSnapshotParts bounds the parts of a snapshot.
const MaxSnapshotParts = 64

// SnapshotPart returns the bytes of the part stored under name in the
// snapshot d was opened from, or nil: for a Dataset built from files, or a
// snapshot without that part. The bytes must not be changed.
func (d *Dataset) SnapshotPart(name string) []byte { return d.snapParts[name] }

// MappedBytes returns the size of the snapshot file d was opened from,
// whose pages hold its columns outside the Go heap, or 0 for a Dataset
// built from files. A memory limit for building another dataset beside d
// has to count them: the heap alone says little of what d holds.
func (d *Dataset) MappedBytes() int64 { return int64(len(d.mapped)) }

// ReleaseMapped drops the pages of the snapshot d was opened from out of
// the process's memory. They are the file's, so where d, or a dataset
// sharing its columns, is read again they are read back from the file:
// it is safe while requests are still on d. A server calls it once it
// serves a dataset built from the files instead; the pages would
// otherwise stay resident, as large as the dataset, until the kernel
// needed the memory.
func (d *Dataset) ReleaseMapped() {
	if d.mapped != nil {
		releaseSnapshot(d.mapped)
	}
}

// withParts appends the parts to the Dataset's sections and names them in
// the directory section.
func withParts(secs [][]byte, parts []SnapshotPart) ([][]byte, error) {
	if len(parts) > MaxSnapshotParts {
		return nil, fmt.Errorf("snapshot: %d parts, at most %d", len(parts), MaxSnapshotParts)
	}
	var dir snapEnc
	dir.u32(uint32(len(parts)))
	seen := map[string]bool{}
	for _, p := range parts {
		if seen[p.Name] {
			return nil, fmt.Errorf("snapshot: part %q twice", p.Name)
		}
		seen[p.Name] = true
		dir.str(p.Name)
		secs = append(secs, p.Data)
	}
	secs[secParts] = dir.b
	return secs, nil
}

// readParts names the part sections from the directory.
func readParts(dir []byte, secs [][]byte) (map[string][]byte, error) {
	dec := snapDec{b: dir, what: "part names"}
	n := dec.count(4)
	if dec.err == nil && n != len(secs) {
		return nil, fmt.Errorf("%w: %d part names for %d parts", ErrSnapshotCorrupt, n, len(secs))
	}
	parts := make(map[string][]byte, n)
	for i := range n {
		name := dec.str()
		if _, dup := parts[name]; dup && dec.err == nil {
			return nil, fmt.Errorf("%w: part %q twice", ErrSnapshotCorrupt, name)
		}
		parts[name] = secs[i]
	}
	return parts, dec.done()
}

// PartWriter lays out a SnapshotPart as a sequence of numbers and columns,
// every column starting 8-byte aligned within the part (a part starts at
// an aligned offset of the file), so that PartReader views a mapped
// column in place.
type PartWriter struct{ e snapEnc }

// Uint64 appends a number.
func (w *PartWriter) Uint64(v uint64) { w.e.u64(v) }

// Bytes returns the part's bytes.
func (w *PartWriter) Bytes() []byte { return w.e.b }

// PutColumn appends a column of fixed-width values as they are held in
// memory: the reader must be a build with the same layout, which the
// snapshot's build identity ensures.
func PutColumn[T any](w *PartWriter, s []T) {
	raw := rawBytes(s)
	w.e.u64(uint64(len(raw)))
	w.e.b = append(w.e.b, raw...)
	for len(w.e.b)%8 != 0 {
		w.e.b = append(w.e.b, 0)
	}
}

// PutStrings appends a column of strings.
func (w *PartWriter) PutStrings(ss []string) {
	off := make([]uint64, len(ss)+1)
	var data []byte
	for i, s := range ss {
		data = append(data, s...)
		off[i+1] = uint64(len(data))
	}
	PutColumn(w, off)
	PutColumn(w, data)
}

// PartReader reads what a PartWriter wrote. The first error sticks and
// every later read returns zero values, so a reader checks Err once at its
// end; errors wrap ErrSnapshotCorrupt.
type PartReader struct{ d snapDec }

// NewPartReader reads part b; what names it in errors.
func NewPartReader(b []byte, what string) *PartReader {
	return &PartReader{d: snapDec{b: b, what: what}}
}

// Uint64 reads a number.
func (r *PartReader) Uint64() uint64 { return r.d.u64() }

// Err returns the first error, or one for bytes left unread.
func (r *PartReader) Err() error { return r.d.done() }

// Column reads a column written by PutColumn, in place.
func Column[T any](r *PartReader) []T {
	n := r.d.u64()
	b := r.d.take(n)
	r.d.take(uint64(-int(n)) & 7)
	if r.d.err != nil {
		return nil
	}
	s, err := view[T](b, r.d.what)
	if err != nil {
		r.d.err = err
	}
	return s
}

// Strings reads a column written by PutStrings; the strings point into
// the part's bytes.
func (r *PartReader) Strings() []string {
	off, data := Column[uint64](r), Column[byte](r)
	if r.d.err != nil {
		return nil
	}
	out, err := stringsAt(off, data, r.d.what)
	if err != nil {
		r.d.err = err
	}
	return out
}

// unmatchedPartName is the part holding the outcome rows that matched no
// crime (Dataset.unmatched), which a month appended after a restart from
// the snapshot may still match.
const unmatchedPartName = "geo.unmatched-outcomes"

// laterPartName is the part holding, for a dataset built on a base
// (Builder.BuildOn), the outcome rows Append joins to the base's crimes
// (Dataset.later): such a dataset is stored by AppendedPart.
const laterPartName = "geo.later-outcomes"

// rowsParts returns the dataset's unmatched and later outcome rows as
// parts, leaving out an empty list.
func (d *Dataset) rowsParts() []SnapshotPart {
	var parts []SnapshotPart
	for _, l := range []struct {
		name string
		rows []laterOutcome
	}{{unmatchedPartName, d.unmatched}, {laterPartName, d.later}} {
		if len(l.rows) > 0 {
			parts = append(parts, SnapshotPart{Name: l.name, Data: outcomeRowsPart(l.rows)})
		}
	}
	return parts
}

// outcomeRowsPart lays out outcome rows as a part.
func outcomeRowsPart(rows []laterOutcome) []byte {
	ids := make([]crimeID, len(rows))
	months := make([]Month, len(rows))
	outcomes := make([]Outcome, len(rows))
	joined := make([]bool, len(rows))
	others := make([]string, len(rows))
	for i, r := range rows {
		ids[i], months[i], outcomes[i], joined[i], others[i] = r.id, r.month, r.outcome, r.joined, r.other
	}
	var w PartWriter
	PutColumn(&w, ids)
	PutColumn(&w, months)
	PutColumn(&w, outcomes)
	PutColumn(&w, joined)
	w.PutStrings(others)
	return w.Bytes()
}

// readOutcomeRows reads the outcome rows of a snapshot's part; what names
// them in errors.
func readOutcomeRows(b []byte, what string) ([]laterOutcome, error) {
	r := NewPartReader(b, what)
	ids, months, outcomes, joined, others := Column[crimeID](r), Column[Month](r), Column[Outcome](r), Column[uint8](r), r.Strings()
	if err := r.Err(); err != nil {
		return nil, err
	}
	n := len(ids)
	if len(months) != n || len(outcomes) != n || len(joined) != n || len(others) != n {
		return nil, fmt.Errorf("%w: %s: columns of %d, %d, %d, %d and %d rows", ErrSnapshotCorrupt, what, n, len(months), len(outcomes), len(joined), len(others))
	}
	rows := make([]laterOutcome, n)
	for i := range rows {
		if joined[i] > 1 {
			return nil, fmt.Errorf("%w: %s: row %d: joined is %d", ErrSnapshotCorrupt, what, i, joined[i])
		}
		rows[i] = laterOutcome{id: ids[i], month: months[i], outcome: outcomes[i], joined: joined[i] == 1, other: others[i]}
	}
	return rows, nil
}

// sumsPartName is the part holding the sums the version is made from
// (Dataset.sums), so that a month appended after a restart from the
// snapshot need not hash every crime again to give the new version.
const sumsPartName = "geo.version-sums"

// sumsPart returns the dataset's version sums as a part.
func (d *Dataset) sumsPart() SnapshotPart {
	s := d.layoutFreeSums()
	var w PartWriter
	for _, v := range []uint64{s.crimes, s.hist, s.stops, s.nCrimes, s.nHist, s.nStops} {
		w.Uint64(v)
	}
	return SnapshotPart{Name: sumsPartName, Data: w.Bytes()}
}

// readSums reads the version sums of a snapshot's part.
func readSums(b []byte) (*versionSums, error) {
	r := NewPartReader(b, "version sums")
	s := &versionSums{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	return s, r.Err()
}

package geo

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"crimemap/fault"
	"crimemap/internal/parallel"
)

// A snapshot is a built Dataset in one file, so a restart maps it rather
// than parsing and indexing the CSVs again. Layout, all little-endian:
//
//	magic "CMSNAP\r\n", u32 format, u32 header length,
//	u32 n + build identity, u32 n + dataset version,
//	u32 sections, then per section u32 kind, u32 zero, u64 offset, u64 length, u64 XXH64,
//	u64 XXH64 of the header up to here;
//	the sections, each at a multiple of snapAlign: the Dataset's, then the
//	parts other packages store (see SnapshotPart), named by the directory
//	section secParts.
//
// The fixed-width columns are stored as the Dataset holds them in memory,
// so a mapped file is used in place: start costs reading the file once to
// check its sums. The file is refused, never partly used, when its format,
// build identity, any length or any checksum is not what this build
// expects. The R-tree is rebuilt on open (a few tens of milliseconds for a
// million points) rather than stored: its layout is the library's. The hex
// levels and the hex counts by month and category are stored.

// SnapshotFormat is the version of the snapshot layout; a file of another
// format is refused. Raise it whenever a section changes what it holds: the
// build identity catches changed types, not changed meanings.
const SnapshotFormat = 8

const (
	snapMagic = "CMSNAP\r\n"
	snapAlign = 64
	// snapMaxHeader bounds the header a reader accepts before its checksum
	// is known: far above a real one, far below a length that could hurt.
	snapMaxHeader = 1 << 16
)

// Errors of OpenSnapshot, for errors.Is.
var (
	ErrSnapshotFormat  = errors.New("snapshot of another format")
	ErrSnapshotBuild   = errors.New("snapshot of another build")
	ErrSnapshotCorrupt = errors.New("snapshot corrupt or truncated")
	// ErrSnapshotParts refuses a dataset whose crime table is in several
	// parts (see Append): a snapshot holds one.
	ErrSnapshotParts = fault.New(fault.Invalid, "snapshot: the dataset has months appended to it; a snapshot holds a dataset built in one piece")
)

// snapKind names a section.
type snapKind uint32

const (
	secMeta snapKind = iota + 1
	secVocabs
	secStrOff
	secStrData
	secPtLon
	secPtLat
	secPtStreet
	secPtLSOACode
	secPtLSOAName
	secPtCell
	secPtStart
	secMonth
	secCat
	secForce
	secOutcome
	secHasID
	secIDRank
	secIDs
	secIDSlots
	secOther
	secCtx
	secHist
	secMonths
	secStops
	secPtID
	secPtByID
	secOrd
	secForceKey
	secUnitKey
	secUnitSampleStart
	secUnitSample
	secHistStart
	secIDDir
	secHistOne
	secHistOneRank
	secHistOneEv
	// Then, per resolution r from 0 to FinestRes, the hex level's cells
	// at secHex+2r and each point's index among them at secHex+2r+1.
	secHex
	secHexEnd = secHex + 2*(FinestRes+1) - 1
	// Then, per resolution r from 0 to CubeMaxRes, the hex counts by
	// month and category: at secCube+4r the cells' starts, then the keys,
	// the counts and the cells' centres.
	secCube    = secHexEnd + 1
	secCubeEnd = secCube + 4*(CubeMaxRes+1) - 1
	// The names of the parts other packages stored (see SnapshotPart);
	// part i is the section of kind secCount+1+i.
	secParts = secCubeEnd + 1
	secCount = secParts
)

// snapStored lists the fields of a Dataset and of its one part that a
// snapshot stores or rebuilds (sums are computed again when asked for;
// later is stored for a BuildOn's result, see AppendedPart); a test holds
// it equal to the struct's fields, so a field added later cannot be
// silently lost on a restart.
var snapStored = []string{
	"version", "sums", "categories", "outcomes", "forces", "strs",
	"ptLon", "ptLat", "ptStreet", "ptLSOACode", "ptLSOAName", "ptCell", "ptStart", "tree", "bound",
	"month", "cat", "force", "outcome", "hasID", "idRank", "ids", "byID", "other", "ctx",
	"hist", "histStart", "histOne", "histOneRank", "histOneEv", "months", "latest", "stops", "snapParts", "mapped", "unmatched", "appended",
	"parts", "tablePart", "lo", "mFirst", "mLast", "monthCrimes", "histMore", "later", "cubes",
	// Counted again, while the crimes are checked.
	"byForceMonth",
	// Hashed again when a version is taken.
	"catalogue", "catalogued",
	// Looked up again by Append.
	"laterFound", "laterOn",
	// What Revise changed, for the derived data of the dataset it revised,
	// which a process reading the snapshot does not hold.
	"revised",
	"ptID", "ptByID", "ordLow", "forceKey", "unitKey", "unitSampleStart", "unitSample", "bigBounds", "bigForces",
}

// BuildIdentity is what a snapshot must have been written by to be read: the
// module's version and VCS revision as the binary records them, and a hash of
// the layout of the Go types a snapshot holds. A binary built from a
// modified tree shares its revision with others; the layout hash still
// tells apart any change to what is stored.
var BuildIdentity = sync.OnceValue(func() string {
	var b strings.Builder
	if bi, ok := debug.ReadBuildInfo(); ok {
		b.WriteString(bi.Main.Path + "@" + bi.Main.Version)
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				b.WriteString(" " + s.Key + "=" + s.Value)
			}
		}
		b.WriteString(" " + bi.GoVersion)
	}
	fmt.Fprintf(&b, " layout=%016x", layoutHash(reflect.TypeFor[Dataset]()))
	return b.String()
})

// layoutHash hashes the names, types and offsets of the fields of t and of
// the types it holds.
func layoutHash(t reflect.Type) uint64 {
	h := xxhash.New()
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		fmt.Fprintf(h, "%s %d %d;", t, t.Size(), t.Kind())
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				f := t.Field(i)
				fmt.Fprintf(h, "%s@%d:", f.Name, f.Offset)
				walk(f.Type)
			}
		case reflect.Slice, reflect.Array, reflect.Pointer:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		}
	}
	walk(t)
	return h.Sum64()
}

// littleEndian reports whether the host stores integers as a snapshot does;
// a big-endian host neither writes nor reads snapshots.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// rawBytes views a slice of fixed-width values as its bytes.
func rawBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

// view is rawBytes the other way: the bytes of a section as a column, in
// place.
func view[T any](b []byte, what string) ([]T, error) {
	var z T
	size := int(unsafe.Sizeof(z))
	if len(b)%size != 0 {
		return nil, fmt.Errorf("%w: %s: %d bytes is not a whole number of %d-byte values", ErrSnapshotCorrupt, what, len(b), size)
	}
	if len(b) == 0 {
		return []T{}, nil
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%unsafe.Alignof(z) != 0 {
		return nil, fmt.Errorf("%w: %s: misaligned", ErrSnapshotCorrupt, what)
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size), nil
}

// snapEnc appends the variable-length sections.
type snapEnc struct{ b []byte }

func (e *snapEnc) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *snapEnc) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *snapEnc) str(s string) { e.u32(uint32(len(s))); e.b = append(e.b, s...) }

// snapDec reads what snapEnc wrote. The first short read sets err and every
// later read returns zero, so a decoder checks once at its end. Strings
// point into the section: a mapped file stays mapped for them.
type snapDec struct {
	b    []byte
	what string
	err  error
}

func (d *snapDec) take(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %s: ends early", ErrSnapshotCorrupt, d.what)
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *snapDec) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *snapDec) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *snapDec) str() string {
	b := d.take(uint64(d.u32()))
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// count reads a count of items of at least min bytes each, refusing one the
// rest of the section cannot hold, so a bad count allocates nothing.
func (d *snapDec) count(min int) int {
	n := d.u32()
	if d.err == nil && uint64(n)*uint64(min) > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %s: %d items cannot fit in %d bytes", ErrSnapshotCorrupt, d.what, n, len(d.b))
		return 0
	}
	return int(n)
}

func (d *snapDec) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %s: %d bytes left over", ErrSnapshotCorrupt, d.what, len(d.b))
	}
	return d.err
}

// sections returns the Dataset's sections, indexed by kind. The columns are
// views of the Dataset's memory, not copies.
func (d *Dataset) sections() [][]byte {
	s := make([][]byte, secCount+1)
	var meta snapEnc
	meta.u64(uint64(d.latest))
	s[secMeta] = meta.b
	var voc snapEnc
	for _, v := range []*Vocab{d.categories, d.outcomes, d.forces} {
		voc.u32(uint32(len(v.terms)))
		for _, t := range v.terms {
			voc.str(t.Slug)
			voc.str(t.Name)
		}
	}
	s[secVocabs] = voc.b
	off := make([]uint64, len(d.strs)+1)
	var data []byte
	for i, x := range d.strs {
		data = append(data, x...)
		off[i+1] = uint64(len(data))
	}
	s[secStrOff], s[secStrData] = rawBytes(off), data
	s[secPtLon], s[secPtLat] = rawBytes(d.ptLon), rawBytes(d.ptLat)
	s[secPtStreet], s[secPtLSOACode], s[secPtLSOAName] = rawBytes(d.ptStreet), rawBytes(d.ptLSOACode), rawBytes(d.ptLSOAName)
	s[secPtCell], s[secPtStart] = rawBytes(d.ptCell), rawBytes(d.ptStart)
	s[secMonth], s[secCat], s[secForce], s[secOutcome] = rawBytes(d.month), rawBytes(d.cat), rawBytes(d.force), rawBytes(d.outcome)
	s[secHasID], s[secIDRank], s[secIDs], s[secIDSlots] = rawBytes(d.hasID), rawBytes(d.idRank), rawBytes(d.ids), rawBytes(d.byID.packed)
	s[secIDDir] = rawBytes(d.byID.dir)
	s[secOther] = encodeByCrime(d.other, (*snapEnc).str)
	s[secCtx] = encodeByCrime(d.ctx, (*snapEnc).u32)
	s[secHistStart], s[secHist] = rawBytes(d.histStart), rawBytes(d.hist)
	s[secHistOne], s[secHistOneRank], s[secHistOneEv] = rawBytes(d.histOne), rawBytes(d.histOneRank), rawBytes(d.histOneEv)
	s[secMonths] = rawBytes(d.months)
	s[secStops] = d.encodeStops()
	s[secPtID], s[secPtByID] = rawBytes(d.ptID), rawBytes(d.ptByID)
	s[secOrd], s[secForceKey], s[secUnitKey] = rawBytes(d.ordLow), rawBytes(d.forceKey), rawBytes(d.unitKey)
	s[secUnitSampleStart], s[secUnitSample] = rawBytes(d.unitSampleStart), rawBytes(d.unitSample)
	// The hex levels cost a national year about 20 s on one core to
	// compute and 70 MB to store: stored, /readyz is true seconds after a
	// start instead.
	for r := range FinestRes + 1 {
		lv := d.hexLevel(r)
		s[secHex+snapKind(2*r)], s[secHex+snapKind(2*r+1)] = rawBytes(lv.cells), rawBytes(lv.of)
	}
	// So are the counts by month and category, which a start would
	// otherwise rebuild before /readyz (2.5 s for a national year).
	for r := range CubeMaxRes + 1 {
		c, k := d.hexCube(r).parts[0].cube, secCube+snapKind(4*r)
		s[k], s[k+1], s[k+2], s[k+3] = rawBytes(c.start), rawBytes(c.key), rawBytes(c.n), rawBytes(c.center)
	}
	return s
}

// encodeByCrime writes a map keyed by crime in crime order, so the same
// data gives the same bytes.
func encodeByCrime[V any](m map[uint32]V, put func(*snapEnc, V)) []byte {
	var e snapEnc
	e.u32(uint32(len(m)))
	for _, c := range slices.Sorted(maps.Keys(m)) {
		e.u32(c)
		put(&e, m[c])
	}
	return e.b
}

// encodeStops writes the stop-and-search records with their strings
// interned: a few dozen values repeat over every row. They are interned
// again in row order, so that the bytes depend on the records only, not
// on how the table was put together (see stopTable.concat). A time the
// table holds as seconds (see stopTime) is written as them, marked.
func (d *Dataset) encodeStops() []byte {
	t := newStrTable()
	var rows snapEnc
	for i := range d.stops.rows {
		r := &d.stops.rows[i]
		rows.b = append(rows.b, byte(r.force))
		rows.b = binary.LittleEndian.AppendUint16(rows.b, uint16(r.month))
		loc := byte(0)
		if r.located {
			loc = 1
		}
		rows.b = append(rows.b, loc)
		rows.u64(math.Float64bits(r.lon))
		rows.u64(math.Float64bits(r.lat))
		for k, s := range d.stops.fields(r) {
			if k == stopDate && r.date&stopSeconds != 0 {
				// A time the archive's way is stored as the row holds
				// it: its seconds are the same whatever the table.
				rows.u32(uint32(r.date))
				continue
			}
			rows.u32(t.idString(s))
		}
	}
	var e snapEnc
	e.u32(uint32(len(t.strs)))
	for _, s := range t.strs {
		e.str(s)
	}
	e.u32(uint32(d.stops.len()))
	e.b = append(e.b, rows.b...)
	return e.b
}

// stopRowBytes is the size of an encoded stop row.
const stopRowBytes = 1 + 2 + 1 + 8 + 8 + 4*stopStrings

// WriteSnapshot writes d as a snapshot to w.
// The parts are stored beside it, each as a checksummed section.
func WriteSnapshot(w io.Writer, d *Dataset, parts ...SnapshotPart) error {
	return writeSnapshot(w, d, SnapshotFormat, BuildIdentity(), parts)
}

func writeSnapshot(w io.Writer, d *Dataset, format uint32, identity string, parts []SnapshotPart) error {
	if !littleEndian {
		return errors.New("snapshot: this host is big-endian; snapshots are little-endian")
	}
	if d.NumParts() != 1 {
		return ErrSnapshotParts
	}
	own := append(d.rowsParts(), d.sumsPart())
	secs, err := withParts(d.sections(), append(slices.Clip(parts), own...))
	if err != nil {
		return err
	}
	sums := make([]uint64, len(secs))
	parallel.Each(len(secs), func(k int) { sums[k] = xxhash.Sum64(secs[k]) })
	nsec := len(secs) - 1
	headLen := len(snapMagic) + 4 + 4 + 4 + len(identity) + 4 + len(d.version) + 4 + nsec*32 + 8
	var h snapEnc
	h.b = append(h.b, snapMagic...)
	h.u32(format)
	h.u32(uint32(headLen))
	h.str(identity)
	h.str(d.version)
	h.u32(uint32(nsec))
	off := alignUp(uint64(headLen))
	for k := 1; k < len(secs); k++ {
		h.u32(uint32(k))
		h.u32(0)
		h.u64(off)
		h.u64(uint64(len(secs[k])))
		h.u64(sums[k])
		off = alignUp(off + uint64(len(secs[k])))
	}
	h.u64(xxhash.Sum64(h.b))
	bw := bufio.NewWriterSize(w, 1<<20)
	pos := uint64(0)
	put := func(b []byte) {
		pad := alignUp(pos) - pos
		bw.Write(make([]byte, pad))
		bw.Write(b)
		pos += pad + uint64(len(b))
	}
	put(h.b)
	for _, s := range secs[1:] {
		put(s)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("snapshot: write: %w", err)
	}
	return nil
}

func alignUp(n uint64) uint64 { return (n + snapAlign - 1) &^ (snapAlign - 1) }

// WriteSnapshotFile writes d to path through a temporary file beside it,
// synced and renamed into place, so a reader sees the old file or the new
// one whole, and a server that has the old one mapped keeps reading it.
func WriteSnapshotFile(path string, d *Dataset, parts ...SnapshotPart) (err error) {
	// The file is written beside path and renamed over it, which would
	// replace a device such as /dev/null, a pipe or a link with a file.
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fault.Errorf(fault.Invalid, "snapshot: %s is not a regular file (%v)", path, fi.Mode().Type())
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = WriteSnapshot(f, d, parts...); err != nil {
		return err
	}
	// CreateTemp's 0600 suits a secret; a snapshot is the public data.
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("snapshot: sync %s: %w", f.Name(), err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("snapshot: close %s: %w", f.Name(), err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// OpenSnapshot maps the snapshot at path and returns its Dataset. The
// mapping is never released: the Dataset's columns and strings are the
// file's pages. Replace a snapshot by renaming a new file over it (as
// WriteSnapshotFile does), never by writing into it.
func OpenSnapshot(path string) (*Dataset, error) { return OpenSnapshotChecked(path, nil) }

// OpenSnapshotChecked is OpenSnapshot with a check of the snapshot's parts
// (see SnapshotPart) once its checksums hold and before its Dataset is
// built: an error from check refuses the snapshot and releases the mapping.
// It lets a caller refuse a snapshot made from other files than those it
// is given, without paying for the Dataset.
func OpenSnapshotChecked(path string, check func(part func(name string) []byte) error) (*Dataset, error) {
	data, err := mapSnapshot(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	d, err := readSnapshot(data, check, false)
	if err != nil {
		unmapSnapshot(data)
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	if snapshotMapped {
		d.mapped = data
	}
	return d, nil
}

// snapHeader is a snapshot's header, checked.
type snapHeader struct {
	format   uint32
	identity string
	version  string
	secs     [secCount + 1][]byte
	parts    [][]byte // by part number
}

// readSnapHeader checks the header and every section's place and checksum.
func readSnapHeader(data []byte, summed bool) (*snapHeader, error) {
	if len(data) < len(snapMagic)+8 || string(data[:len(snapMagic)]) != snapMagic {
		return nil, fmt.Errorf("%w: not a crimemap snapshot (no magic number)", ErrSnapshotCorrupt)
	}
	h := &snapHeader{format: binary.LittleEndian.Uint32(data[8:])}
	if h.format != SnapshotFormat {
		return nil, fmt.Errorf("%w: format %d, this build reads format %d", ErrSnapshotFormat, h.format, SnapshotFormat)
	}
	headLen := uint64(binary.LittleEndian.Uint32(data[12:]))
	if headLen > snapMaxHeader || headLen > uint64(len(data)) || headLen < 16+8 {
		return nil, fmt.Errorf("%w: header of %d bytes in a file of %d", ErrSnapshotCorrupt, headLen, len(data))
	}
	head := data[:headLen]
	if xxhash.Sum64(head[:headLen-8]) != binary.LittleEndian.Uint64(head[headLen-8:]) {
		return nil, fmt.Errorf("%w: header checksum mismatch", ErrSnapshotCorrupt)
	}
	dec := snapDec{b: head[16 : headLen-8], what: "header"}
	h.identity = dec.str()
	h.version = dec.str()
	if dec.err == nil && h.identity != BuildIdentity() {
		return nil, fmt.Errorf("%w: written by %q, this is %q", ErrSnapshotBuild, h.identity, BuildIdentity())
	}
	n := dec.count(32)
	if dec.err == nil && (n < int(secCount) || n > int(secCount)+MaxSnapshotParts) {
		return nil, fmt.Errorf("%w: %d sections, want %d and at most %d parts", ErrSnapshotCorrupt, n, secCount, MaxSnapshotParts)
	}
	all := make([][]byte, n+1)
	sums := make([]uint64, n+1)
	offs := make([]uint64, n+1)
	for range n {
		kind, _ := dec.u32(), dec.u32()
		off, length, sum := dec.u64(), dec.u64(), dec.u64()
		if dec.err != nil {
			break
		}
		if kind == 0 || kind > uint32(n) || all[kind] != nil {
			return nil, fmt.Errorf("%w: section kind %d out of place", ErrSnapshotCorrupt, kind)
		}
		if off%snapAlign != 0 || off < headLen || off > uint64(len(data)) || length > uint64(len(data))-off {
			return nil, fmt.Errorf("%w: section %d at %d+%d beyond the file's %d bytes", ErrSnapshotCorrupt, kind, off, length, len(data))
		}
		all[kind], sums[kind], offs[kind] = data[off:off+length:off+length], sum, off
	}
	if err := dec.done(); err != nil {
		return nil, err
	}
	if err := checkPadding(data, headLen, offs, all); err != nil {
		return nil, err
	}
	// The sums read every page of the file: this is the I/O of the start,
	// spread over the cores.
	bad := make([]bool, n+1)
	if !summed {
		parallel.Each(n, func(k int) { bad[k+1] = xxhash.Sum64(all[k+1]) != sums[k+1] })
	}
	if k := slices.Index(bad, true); k >= 0 {
		return nil, fmt.Errorf("%w: section %d checksum mismatch", ErrSnapshotCorrupt, k)
	}
	copy(h.secs[:], all)
	h.parts = all[secCount+1:]
	return h, nil
}

// checkPadding checks that the bytes between the header and the sections
// are zero and that the file ends with the last section, so that every
// byte is either summed or known: any flipped byte is caught.
func checkPadding(data []byte, headLen uint64, offs []uint64, secs [][]byte) error {
	type span struct{ off, end uint64 }
	spans := []span{{0, headLen}}
	for k, s := range secs[1:] {
		spans = append(spans, span{offs[k+1], offs[k+1] + uint64(len(s))})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.off, b.off) })
	pos := uint64(0)
	for _, sp := range spans {
		if sp.off < pos {
			return fmt.Errorf("%w: sections overlap at byte %d", ErrSnapshotCorrupt, sp.off)
		}
		if sp.off-pos >= snapAlign || slices.ContainsFunc(data[pos:sp.off], func(b byte) bool { return b != 0 }) {
			return fmt.Errorf("%w: bytes %d..%d between sections", ErrSnapshotCorrupt, pos, sp.off)
		}
		pos = sp.end
	}
	if pos != uint64(len(data)) {
		return fmt.Errorf("%w: %d bytes after the last section", ErrSnapshotCorrupt, uint64(len(data))-pos)
	}
	return nil
}

// ReadSnapshot returns the Dataset of a snapshot held in data, which must
// stay unchanged for the Dataset's life: its columns are used in place, so
// data must start 8-byte aligned (a mapping does), else it is refused.
func ReadSnapshot(data []byte) (*Dataset, error) { return readSnapshot(data, nil, false) }

// readSnapshot is ReadSnapshot with a check of the parts (see
// OpenSnapshotChecked); summed says the sections' checksums were verified
// already, as those of a snapshot stored inside another's part are with it.
func readSnapshot(data []byte, check func(part func(name string) []byte) error, summed bool) (*Dataset, error) {
	if !littleEndian {
		return nil, fmt.Errorf("%w: this host is big-endian; snapshots are little-endian", ErrSnapshotFormat)
	}
	h, err := readSnapHeader(data, summed)
	if err != nil {
		return nil, err
	}
	d := newOnePart(&tablePart{})
	d.version = h.version
	s := h.secs
	if d.snapParts, err = readParts(s[secParts], h.parts); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(d.SnapshotPart); err != nil {
			return nil, err
		}
	}
	for name, rows := range map[string]*[]laterOutcome{unmatchedPartName: &d.unmatched, laterPartName: &d.later} {
		if b := d.snapParts[name]; b != nil {
			if *rows, err = readOutcomeRows(b, strings.TrimPrefix(name, "geo.")); err != nil {
				return nil, err
			}
			// The part is the dataset's own, not one another package stored.
			delete(d.snapParts, name)
		}
	}
	if b := d.snapParts[appendedPartName]; b != nil {
		d.appended = b
		delete(d.snapParts, appendedPartName)
	}
	if b := d.snapParts[sumsPartName]; b != nil {
		if d.sums, err = readSums(b); err != nil {
			return nil, err
		}
		delete(d.snapParts, sumsPartName)
	}
	meta := snapDec{b: s[secMeta], what: "meta"}
	d.latest = Month(meta.u64())
	if err := meta.done(); err != nil {
		return nil, err
	}
	if err := d.readVocabs(s[secVocabs]); err != nil {
		return nil, err
	}
	if err := d.readStrings(s[secStrOff], s[secStrData]); err != nil {
		return nil, err
	}
	if err := d.readColumns(&s); err != nil {
		return nil, err
	}
	// The R-tree needs only the point columns, so one core builds it
	// while the others check and decode the rest; it is waited for even
	// on an error, since the caller then unmaps what it reads.
	treeDone := make(chan struct{})
	go func() {
		defer close(treeDone)
		d.buildTree()
	}()
	err = d.readRest(&s)
	<-treeDone
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dataset) readRest(s *[secCount + 1][]byte) error {
	if err := d.checkColumns(); err != nil {
		return err
	}
	d.sealOnePart()
	d.markBigUnits()
	if err := d.readMaps(s[secOther], s[secCtx]); err != nil {
		return err
	}
	if err := d.readStops(s[secStops]); err != nil {
		return err
	}
	return d.readHexLevels(s)
}

// readHexLevels installs the stored hex levels as if they had been built.
func (d *Dataset) readHexLevels(s *[secCount + 1][]byte) error {
	levels := make([]*hexLevel, FinestRes+1)
	for r := range levels {
		cells, err := view[h3.Cell](s[secHex+snapKind(2*r)], "hex cells")
		if err != nil {
			return err
		}
		of, err := view[uint32](s[secHex+snapKind(2*r+1)], "hex cells of the points")
		if err != nil {
			return err
		}
		if len(of) != len(d.ptLon) || !slices.IsSorted(cells) || slices.ContainsFunc(of, func(i uint32) bool { return int(i) >= len(cells) }) {
			return fmt.Errorf("%w: hex level %d does not match the points", ErrSnapshotCorrupt, r)
		}
		levels[r] = &hexLevel{cells: cells, of: of}
	}
	hl := d.hexLevels()
	for r, lv := range levels {
		hl.install(r, func() *hexLevel { return lv })
	}
	return d.readHexCubes(s, levels)
}

// readHexCubes installs the stored hex counts by month and category as if
// they had been built, once each agrees with its level and names only the
// dataset's months and categories.
func (d *Dataset) readHexCubes(s *[secCount + 1][]byte, levels []*hexLevel) error {
	cubes := make([]*hexCube, CubeMaxRes+1)
	for r := range cubes {
		k := secCube + snapKind(4*r)
		c := &hexCube{cells: levels[r].cells}
		var err error
		if c.start, err = view[uint32](s[k], "hex count starts"); err != nil {
			return err
		}
		if c.key, err = view[uint32](s[k+1], "hex count keys"); err != nil {
			return err
		}
		if c.n, err = view[uint32](s[k+2], "hex counts"); err != nil {
			return err
		}
		if c.center, err = view[orb.Point](s[k+3], "hex centres"); err != nil {
			return err
		}
		if err := d.checkHexCube(c, len(levels[r].cells)); err != nil {
			return fmt.Errorf("%w: hex counts at resolution %d: %w", ErrSnapshotCorrupt, r, err)
		}
		cubes[r] = c
	}
	views := cachedFor[cubeSlots[cubeView]](&cubeCache, d)
	for r, c := range cubes {
		d.cubes.install(r, func() *hexCube { return c })
		views.install(r, func() *cubeView { return viewOf(levels[r], []*hexCube{c}) })
	}
	return nil
}

// checkHexCube checks that a stored cube's lookups stay inside its columns
// and the query's tables: its starts, one per cell and one more, step up
// to its entries, each key holds a month the dataset has and a known
// category, and a cell's keys strictly ascend, as its month-range scans
// assume.
func (d *Dataset) checkHexCube(c *hexCube, cells int) error {
	if len(c.start) != cells+1 || len(c.center) != cells || c.start[0] != 0 ||
		int(c.start[cells]) != len(c.key) || len(c.n) != len(c.key) {
		return fmt.Errorf("%d starts, %d centres, %d keys and %d counts for %d cells", len(c.start), len(c.center), len(c.key), len(c.n), cells)
	}
	for i := range cells {
		if c.start[i] > c.start[i+1] {
			return fmt.Errorf("starts out of order at cell %d", i)
		}
	}
	var known [1 << 16 / 64]uint64
	for _, m := range d.months {
		known[m/64] |= 1 << (m % 64)
	}
	nc := uint32(d.categories.Len())
	for _, k := range c.key {
		if m := k >> 8; k&0xff >= nc || m >= 1<<16 || known[m/64]&(1<<(m%64)) == 0 {
			return fmt.Errorf("key %#x", k)
		}
	}
	for i := range cells {
		for j := c.start[i] + 1; j < c.start[i+1]; j++ {
			if c.key[j] <= c.key[j-1] {
				return fmt.Errorf("keys out of order in cell %d", i)
			}
		}
	}
	return nil
}

func (d *Dataset) readVocabs(b []byte) error {
	dec := snapDec{b: b, what: "vocabularies"}
	for k, v := range []**Vocab{&d.categories, &d.outcomes, &d.forces} {
		std := [][]Term{StandardCategories, StandardOutcomes, StandardForces}[k]
		aliases := []map[string]string{categoryAliases, nil, forceAliases}[k]
		*v = newVocab(std, aliases)
		n := dec.count(8)
		if n > MaxTerms {
			return fmt.Errorf("%w: vocabulary of %d terms", ErrSnapshotCorrupt, n)
		}
		for i := range n {
			t := Term{Slug: dec.str(), Name: dec.str()}
			switch {
			case dec.err != nil:
			case i < (*v).Len():
				if (*v).terms[i] != t {
					return fmt.Errorf("%w: standard term %d is %q here, %q in the file", ErrSnapshotBuild, i, (*v).terms[i].Slug, t.Slug)
				}
			default:
				(*v).add(t)
			}
		}
		if dec.err == nil && n < (*v).Len() {
			return fmt.Errorf("%w: %d standard terms here, %d in the file", ErrSnapshotBuild, (*v).Len(), n)
		}
	}
	return dec.done()
}

func (d *Dataset) readStrings(offB, data []byte) error {
	off, err := view[uint64](offB, "string offsets")
	if err != nil {
		return err
	}
	d.strs, err = stringsAt(off, data, "strings")
	return err
}

// stringsAt returns the strings of data that off delimits, in place.
func stringsAt(off []uint64, data []byte, what string) ([]string, error) {
	if len(off) == 0 || off[0] != 0 || off[len(off)-1] != uint64(len(data)) {
		return nil, fmt.Errorf("%w: %s: offsets do not span the strings", ErrSnapshotCorrupt, what)
	}
	out := make([]string, len(off)-1)
	for i := range out {
		a, b := off[i], off[i+1]
		if a > b || b > uint64(len(data)) {
			return nil, fmt.Errorf("%w: %s: string %d out of order", ErrSnapshotCorrupt, what, i)
		}
		if a < b {
			out[i] = unsafe.String(&data[a], int(b-a))
		}
	}
	return out, nil
}

// readColumns views the fixed-width sections as the Dataset's columns.
func (d *Dataset) readColumns(s *[secCount + 1][]byte) (err error) {
	cols := []func() error{
		func() (err error) { d.ptLon, err = view[float64](s[secPtLon], "longitudes"); return },
		func() (err error) { d.ptLat, err = view[float64](s[secPtLat], "latitudes"); return },
		func() (err error) { d.ptStreet, err = view[uint32](s[secPtStreet], "streets"); return },
		func() (err error) { d.ptLSOACode, err = view[uint32](s[secPtLSOACode], "LSOA codes"); return },
		func() (err error) { d.ptLSOAName, err = view[uint32](s[secPtLSOAName], "LSOA names"); return },
		func() (err error) { d.ptCell, err = view[h3.Cell](s[secPtCell], "H3 cells"); return },
		func() (err error) { d.ptStart, err = view[uint32](s[secPtStart], "point starts"); return },
		func() (err error) { d.month, err = view[uint8](s[secMonth], "months"); return },
		func() (err error) { d.cat, err = view[Category](s[secCat], "categories"); return },
		func() (err error) { d.force, err = view[Force](s[secForce], "forces"); return },
		func() (err error) { d.outcome, err = view[Outcome](s[secOutcome], "outcomes"); return },
		func() (err error) { d.hasID, err = view[uint64](s[secHasID], "ID bits"); return },
		func() (err error) { d.idRank, err = view[uint32](s[secIDRank], "ID ranks"); return },
		func() (err error) { d.ids, err = view[crimeID](s[secIDs], "Crime IDs"); return },
		func() (err error) { d.byID.packed, err = view[uint64](s[secIDSlots], "ID index"); return },
		func() (err error) { d.byID.dir, err = view[uint32](s[secIDDir], "ID index directory"); return },
		func() (err error) { d.hist, err = view[histEntry](s[secHist], "outcome histories"); return },
		func() (err error) { d.histStart, err = view[uint32](s[secHistStart], "outcome history starts"); return },
		func() (err error) { d.histOne, err = view[uint64](s[secHistOne], "single-event histories"); return },
		func() (err error) {
			d.histOneRank, err = view[uint32](s[secHistOneRank], "single-event history ranks")
			return
		},
		func() (err error) { d.histOneEv, err = view[uint16](s[secHistOneEv], "single events"); return },
		func() (err error) { d.months, err = view[Month](s[secMonths], "distinct months"); return },
		func() (err error) { d.ptID, err = view[uint64](s[secPtID], "location ids"); return },
		func() (err error) { d.ptByID, err = view[uint32](s[secPtByID], "points by location id"); return },
		func() (err error) { d.ordLow, err = view[uint16](s[secOrd], "crime ordinals"); return },
		func() (err error) { d.forceKey, err = view[uint16](s[secForceKey], "force keys"); return },
		func() (err error) { d.unitKey, err = view[uint32](s[secUnitKey], "force-month keys"); return },
		func() (err error) {
			d.unitSampleStart, err = view[uint32](s[secUnitSampleStart], "crime id sample starts")
			return
		},
		func() (err error) { d.unitSample, err = view[uint32](s[secUnitSample], "crime id samples"); return },
	}
	for _, c := range cols {
		if err := c(); err != nil {
			return err
		}
	}
	if len(d.ptLat) != len(d.ptLon) {
		return fmt.Errorf("%w: %d longitudes and %d latitudes", ErrSnapshotCorrupt, len(d.ptLon), len(d.ptLat))
	}
	return nil
}

// checkColumns checks that the columns agree with each other, so that no
// lookup a query makes can fall outside a column.
func (d *Dataset) checkColumns() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshotCorrupt, fmt.Sprintf(format, a...))
	}
	np, n := len(d.ptLon), len(d.month)
	for _, l := range []int{len(d.ptLat), len(d.ptStreet), len(d.ptLSOACode), len(d.ptLSOAName), len(d.ptCell)} {
		if l != np {
			return bad("point columns of %d and %d values", np, l)
		}
	}
	if len(d.ptStart) != np+1 || d.ptStart[0] != 0 || int(d.ptStart[np]) > n {
		return bad("point starts do not match %d points and %d crimes", np, n)
	}
	for p := range np {
		if d.ptStart[p] > d.ptStart[p+1] {
			return bad("point starts out of order at point %d", p)
		}
		if !ValidLonLat(d.ptLon[p], d.ptLat[p]) {
			return bad("point %d out of range", p)
		}
		if max(d.ptStreet[p], d.ptLSOACode[p], d.ptLSOAName[p]) >= uint32(len(d.strs)) {
			return bad("point %d names a string beyond the %d", p, len(d.strs))
		}
	}
	for _, l := range []int{len(d.cat), len(d.force), len(d.outcome)} {
		if l != n {
			return bad("crime columns of %d and %d values", n, l)
		}
	}
	if err := d.checkTerms(); err != nil {
		return err
	}
	words := (n + 63) / 64
	if len(d.hasID) != words || !slices.Equal(d.idRank, idRanks(d.hasID)) {
		return bad("ID directory of %d words and %d ranks for %d crimes does not add up", len(d.hasID), len(d.idRank), n)
	}
	rank := 0
	for _, x := range d.hasID {
		rank += bits.OnesCount64(x)
	}
	if err := d.checkIDIndex(rank); err != nil {
		return bad("%v", err)
	}
	if err := d.checkHist(); err != nil {
		return bad("%v", err)
	}
	if !slices.IsSorted(d.months) || n > 0 && len(d.months) == 0 || len(d.months) > MaxMonths {
		return bad("%d distinct months, or out of order", len(d.months))
	}
	return d.checkPublicIDs()
}

// checkIDIndex checks that the ID index has one entry per ID, each a
// crime there is, and a directory that steps up through them. An entry
// naming a crime without an ID would find no crime, not fail; checking
// for one would read the ID bits at random for every entry on each start.
func (d *Dataset) checkIDIndex(marked int) error {
	n, nIDs := len(d.month), len(d.ids)
	x := &d.byID
	x.width, x.shift = idWidth(n), 32-idDirBits(nIDs)
	if marked != nIDs || len(x.packed) != idPackedWords(nIDs, x.width) || len(x.dir) != 1<<(32-x.shift)+1 {
		return fmt.Errorf("%d Crime IDs, %d marked, ID index of %d words and %d runs", nIDs, marked, len(x.packed), len(x.dir))
	}
	if x.dir[0] != 0 || int(x.dir[len(x.dir)-1]) != nIDs || !slices.IsSorted(x.dir) {
		return fmt.Errorf("ID index directory does not step up to %d IDs", nIDs)
	}
	for i := range nIDs {
		if pos := x.at(i); int(pos) >= n {
			return fmt.Errorf("ID index entry %d names crime %d of %d", i, pos, n)
		}
	}
	return nil
}

// checkHist checks that the outcome histories' starts step up through
// their entries, one per word of crimes and one more, and that every entry
// names a crime and an outcome there are.
func (d *Dataset) checkHist() error {
	hs, n := d.histStart, len(d.month)
	if len(hs) == 0 {
		if len(d.hist) != 0 {
			return fmt.Errorf("%d outcome history entries without starts", len(d.hist))
		}
		return d.checkHistOne()
	}
	if len(hs) != (n+63)/64+1 || hs[0] != 0 || int(hs[len(hs)-1]) != len(d.hist) {
		return fmt.Errorf("%d outcome history starts for %d crimes and %d entries", len(hs), n, len(d.hist))
	}
	for w := range len(hs) - 1 {
		if hs[w] > hs[w+1] {
			return fmt.Errorf("outcome history starts out of order at %d", w)
		}
	}
	var err error
	for w := range len(hs) - 1 {
		for _, e := range d.hist[hs[w]:hs[w+1]] {
			if c := w*64 + int(e.off()); err == nil && (c >= n || int(e.outcome()) >= d.outcomes.Len()) {
				err = fmt.Errorf("outcome history entry of crime %d", c)
			}
		}
	}
	if err != nil {
		return err
	}
	return d.checkHistOne()
}

// checkHistOne checks the single-event histories: a bit for every crime,
// ranks that count them, an event for each, of an outcome there is and a
// month there can be, and no crime with entries in both.
func (d *Dataset) checkHistOne() error {
	n := len(d.month)
	if len(d.histOne) == 0 {
		if len(d.histOneRank) != 0 || len(d.histOneEv) != 0 {
			return fmt.Errorf("%d single events without their crimes' bits", len(d.histOneEv))
		}
		return nil
	}
	total := 0
	for _, x := range d.histOne {
		total += bits.OnesCount64(x)
	}
	if len(d.histOne) != (n+63)/64 || !slices.Equal(d.histOneRank, idRanks(d.histOne)) || len(d.histOneEv) != total {
		return fmt.Errorf("%d single-event words, %d ranks and %d events for %d crimes", len(d.histOne), len(d.histOneRank), len(d.histOneEv), n)
	}
	if n%64 != 0 && d.histOne[len(d.histOne)-1]>>(n%64) != 0 {
		return fmt.Errorf("single-event bits past the last crime")
	}
	k := 0
	for w, x := range d.histOne {
		if w+1 < len(d.histStart) {
			for _, e := range d.hist[d.histStart[w]:d.histStart[w+1]] {
				if x&(1<<e.off()) != 0 {
					return fmt.Errorf("crime %d has a single event and entries", w*64+int(e.off()))
				}
			}
		}
		for ; x != 0; x &= x - 1 {
			c := w*64 + bits.TrailingZeros64(x)
			ev := d.histOneEv[k]
			k++
			if int(d.month[c]) >= len(d.months) || int(d.months[d.month[c]])+int(ev>>8) > math.MaxUint16 || int(Outcome(ev)) >= d.outcomes.Len() {
				return fmt.Errorf("single event of crime %d", c)
			}
		}
	}
	return nil
}

// checkPublicIDs checks the location and crime id tables against the
// columns they index, so that no id lookup can fall outside them.
func (d *Dataset) checkPublicIDs() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshotCorrupt, fmt.Sprintf(format, a...))
	}
	np, n := len(d.ptLon), len(d.month)
	if len(d.ptID) != np || len(d.ptByID) != np {
		return bad("%d location ids and %d in id order for %d points", len(d.ptID), len(d.ptByID), np)
	}
	for i, p := range d.ptByID {
		if int(p) >= np || i > 0 && d.ptID[d.ptByID[i-1]] >= d.ptID[p] {
			return bad("points by location id out of order at %d", i)
		}
	}
	if len(d.ordLow) != n || len(d.forceKey) != d.forces.Len() {
		return bad("%d crime ordinals for %d crimes, %d force keys for %d forces", len(d.ordLow), n, len(d.forceKey), d.forces.Len())
	}
	nu := len(d.unitKey)
	if !slices.IsSorted(d.unitKey) || len(d.unitSampleStart) != nu+1 || d.unitSampleStart[0] != 0 ||
		int(d.unitSampleStart[nu]) != len(d.unitSample) {
		return bad("crime id directory of %d force-months and %d samples", nu, len(d.unitSample))
	}
	for u := range nu {
		if d.unitSampleStart[u] > d.unitSampleStart[u+1] {
			return bad("crime id samples out of order at force-month %d", u)
		}
	}
	for i, c := range d.unitSample {
		if int(c) >= n {
			return bad("crime id sample %d names crime %d of %d", i, c, n)
		}
	}
	return nil
}

// checkTerms checks that every crime's terms are in the vocabularies.
func (d *Dataset) checkTerms() error {
	nc, no, nf, nm := d.categories.Len(), d.outcomes.Len(), d.forces.Len(), len(d.months)
	// The pass counts the crimes by force and month too, which the first
	// new month's dataset would otherwise count again (a fifth of a
	// second at 90M).
	n := make([]int, nf*nm)
	for c := range d.month {
		if int(d.cat[c]) >= nc || int(d.outcome[c]) >= no || int(d.force[c]) >= nf || int(d.month[c]) >= nm {
			return fmt.Errorf("%w: crime %d names a term beyond the vocabularies", ErrSnapshotCorrupt, c)
		}
		n[int(d.force[c])*nm+int(d.month[c])]++
	}
	byForce := make([][]int, nf)
	for f := range nf {
		if row := n[f*nm : (f+1)*nm]; slices.ContainsFunc(row, func(k int) bool { return k > 0 }) {
			byForce[f] = row
		}
	}
	// Trimmed as forceMonthCounts leaves them: to the last force with crimes.
	for len(byForce) > 0 && byForce[len(byForce)-1] == nil {
		byForce = byForce[:len(byForce)-1]
	}
	d.byForceMonth.once.Do(func() { d.byForceMonth.n = byForce })
	return nil
}

func (d *Dataset) readMaps(otherB, ctxB []byte) error {
	n := uint32(len(d.month))
	dec := snapDec{b: otherB, what: "other Crime IDs"}
	k := dec.count(8)
	d.other = make(map[uint32]string, k)
	for range k {
		c, s := dec.u32(), dec.str()
		if dec.err == nil && c >= n {
			return fmt.Errorf("%w: Crime ID of crime %d of %d", ErrSnapshotCorrupt, c, n)
		}
		d.other[c] = s
	}
	if err := dec.done(); err != nil {
		return err
	}
	dec = snapDec{b: ctxB, what: "contexts"}
	k = dec.count(8)
	d.ctx = make(map[uint32]uint32, k)
	for range k {
		c, s := dec.u32(), dec.u32()
		if dec.err == nil && (c >= n || s >= uint32(len(d.strs))) {
			return fmt.Errorf("%w: context of crime %d", ErrSnapshotCorrupt, c)
		}
		d.ctx[c] = s
	}
	return dec.done()
}

func (d *Dataset) readStops(b []byte) error {
	dec := snapDec{b: b, what: "stop and search"}
	strs := make([]string, dec.count(4))
	for i := range strs {
		strs[i] = dec.str()
	}
	n := dec.count(stopRowBytes)
	tb := newStopTableBuilder(n)
	for i := range n {
		var r stopRow
		head := dec.take(4)
		if dec.err != nil {
			break
		}
		r.force, r.month, r.located = Force(head[0]), Month(binary.LittleEndian.Uint16(head[1:])), head[3] == 1
		r.lon, r.lat = math.Float64frombits(dec.u64()), math.Float64frombits(dec.u64())
		if int(r.force) >= d.forces.Len() {
			return fmt.Errorf("%w: stop %d of force %d", ErrSnapshotCorrupt, i, r.force)
		}
		var ids [stopStrings]uint32
		for f := range ids {
			k := dec.u32()
			if f == stopDate && stopTime(k)&stopSeconds != 0 {
				ids[f] = k
				continue
			}
			if int(k) >= len(strs) {
				return fmt.Errorf("%w: stop %d names string %d of %d", ErrSnapshotCorrupt, i, k, len(strs))
			}
			ids[f] = k
		}
		tb.addIDs(r, &ids, stopTime(ids[stopDate]))
	}
	if err := dec.done(); err != nil {
		return err
	}
	var err error
	if d.stops, err = tb.tableOf(strs); err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshotCorrupt, err)
	}
	return nil
}

package geo

import (
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"

	"crimemap/internal/parallel"
)

// The version of a dataset is a hash of everything a response can show:
// equal inputs give equal versions on every replica, and any change to a
// crime, a point or a vocabulary gives a new one, which is what lets tile
// ETags and CDN caches key on it. The columns are hashed in pieces, on
// every core, and the version is the hash of the pieces' hashes in order
// and of the rest; the pieces do not depend on the number of cores, so
// neither does the version. The hash is XXH64: the version needs no
// defence against forged collisions, and SHA-256 over a national year's
// 250 MB of columns took a core about 0.2 s.

// hashPieceIDs is how many Crime IDs one piece covers: 16 MiB.
const hashPieceIDs = 1 << 19

// hashWriter gathers small writes into large ones: a Write call per field
// or per Crime ID costs more than the hashing.
type hashWriter struct {
	h   *xxhash.Digest
	buf []byte
}

func newHashWriter() *hashWriter {
	return &hashWriter{h: xxhash.New(), buf: make([]byte, 0, 64<<10)}
}

func (w *hashWriter) room(n int) {
	if len(w.buf)+n > cap(w.buf) {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *hashWriter) u64(v uint64) {
	w.room(8)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, v)
}

// str writes s with its length, so that no two lists of strings write the
// same bytes.
func (w *hashWriter) str(s string) {
	w.u64(uint64(len(s)))
	if len(s) > cap(w.buf)/2 {
		w.room(cap(w.buf))
		w.h.Write([]byte(s))
		return
	}
	w.room(len(s))
	w.buf = append(w.buf, s...)
}

func (w *hashWriter) bytes(b []byte) {
	w.room(len(b))
	w.buf = append(w.buf, b...)
}

func (w *hashWriter) sum() uint64 {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
	return w.h.Sum64()
}

// hashColumns hashes the points and the crime columns and returns the
// pieces' hashes end to end.
func (d *Dataset) hashColumns() []byte {
	pieces := []func(*hashWriter){d.hashPoints, d.hashCrimes}
	for i := 0; i < len(d.ids); i += hashPieceIDs {
		ids := d.ids[i:min(i+hashPieceIDs, len(d.ids))]
		pieces = append(pieces, func(w *hashWriter) {
			for k := range ids {
				w.bytes(ids[k][:])
			}
		})
	}
	sums := make([]byte, 8*len(pieces))
	parallel.Each(len(pieces), func(k int) {
		w := newHashWriter()
		pieces[k](w)
		binary.LittleEndian.PutUint64(sums[8*k:], w.sum())
	})
	return sums
}

// hashPoints writes each point: coordinates, street, LSOA and where its
// crimes end.
func (d *Dataset) hashPoints(w *hashWriter) {
	for p := range d.ptLon {
		w.u64(math.Float64bits(d.ptLon[p]))
		w.u64(math.Float64bits(d.ptLat[p]))
		w.str(d.strs[d.ptStreet[p]])
		w.str(d.strs[d.ptLSOACode[p]])
		w.str(d.strs[d.ptLSOAName[p]])
		w.u64(uint64(d.ptStart[p+1]))
	}
}

// hashCrimes writes the crime columns, then the Crime IDs that are not 64
// hex digits and the contexts, by position.
func (d *Dataset) hashCrimes(w *hashWriter) {
	// A buffer's worth at a time: a call per crime would cost more than
	// the hash.
	const step = 8 << 10
	// The month goes in as the two bytes of its value, not its index, so a
	// version does not depend on how the column is stored.
	for c0 := 0; c0 < len(d.month); c0 += step {
		c1 := min(c0+step, len(d.month))
		w.room(5 * (c1 - c0))
		for c := c0; c < c1; c++ {
			m := d.months[d.month[c]]
			w.buf = append(w.buf, byte(m), byte(m>>8), byte(d.cat[c]), byte(d.outcome[c]), byte(d.force[c]))
		}
	}
	for _, c := range slices.Sorted(maps.Keys(d.other)) {
		w.u64(uint64(c))
		w.str(d.other[c])
	}
	for _, c := range slices.Sorted(maps.Keys(d.ctx)) {
		w.u64(uint64(c))
		w.str(d.strs[d.ctx[c]])
	}
}

// versionOf returns the version from the columns' hashes and the rest: the
// outcome histories, the vocabularies and the stop-and-search records.
func (d *Dataset) versionOf(columnSums []byte) string {
	w := newHashWriter()
	w.bytes(columnSums)
	d.eachHist(func(crime uint32, e histEntry) {
		w.u64(uint64(crime)<<24 | uint64(e.month())<<8 | uint64(e.outcome()))
	})
	for _, t := range [][]Term{d.categories.terms, d.outcomes.terms, d.forces.terms} {
		w.u64(uint64(len(t)))
		for _, x := range t {
			w.str(x.Slug)
			w.str(x.Name)
		}
	}
	w.u64(uint64(len(d.stops)))
	return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, w.sum()))
}

package tiles

import "encoding/binary"

// A layerWriter encodes one MVT layer of point features straight into
// protobuf bytes. It writes what orb's mvt.Marshal would write for the same
// features (keys sorted within a feature, keys and values interned in order of
// first use, counts as uint_value, text as string_value) at a fraction of the
// cost, because tiles of a few thousand points are the common case and
// orb's map-based properties dominate their rendering time.
type layerWriter struct {
	name   string
	keys   []string // all keys a feature may use, sorted
	keyIdx []int32  // per key slot: index in the layer's key table, or -1
	used   []int    // key slots in order of first use
	uints  map[uint64]uint32
	// small holds, for values under smallValues (most counts), their
	// index in the value table plus one: an array lookup rather than a
	// map's, for the value most tags carry.
	small  [smallValues]uint32
	strs   map[string]uint32
	values []byte // encoded Value messages, each with its field header
	nvals  uint32
	feats  []byte // encoded Feature messages, each with its field header
	n      int
	tags   []uint32
}

// newLayerWriter returns the writer of a layer whose features take about
// uints distinct unsigned values and strs distinct strings (a location or
// cluster id each, a street each), room made for them from the start:
// grown from empty, the value tables were rehashed several times over in a
// tile of thousands of points.
func newLayerWriter(name string, keys []string, uints, strs int) *layerWriter {
	w := &layerWriter{name: name, keys: keys, keyIdx: make([]int32, len(keys)),
		uints: make(map[uint64]uint32, uints), strs: make(map[string]uint32, strs)}
	for i := range w.keyIdx {
		w.keyIdx[i] = -1
	}
	return w
}

func (w *layerWriter) key(slot int) uint32 {
	if w.keyIdx[slot] < 0 {
		w.keyIdx[slot] = int32(len(w.used))
		w.used = append(w.used, slot)
	}
	return uint32(w.keyIdx[slot])
}

// smallValues bounds the values layerWriter.small holds.
const smallValues = 256

// uintTag appends the tag pair of an unsigned value for key slot.
func (w *layerWriter) uintTag(slot int, v uint64) {
	k := w.key(slot)
	var i uint32
	ok := false
	if v < smallValues {
		i, ok = w.small[v]-1, w.small[v] != 0
	} else {
		i, ok = w.uints[v]
	}
	if !ok {
		i = w.nvals
		w.nvals++
		if v < smallValues {
			w.small[v] = i + 1
		} else {
			w.uints[v] = i
		}
		// Layer.values (4) { uint_value (5) }
		n := 1 + uvarintLen(v)
		w.values = append(w.values, 0x22, byte(n), 0x28)
		w.values = binary.AppendUvarint(w.values, v)
	}
	w.tags = append(w.tags, k, i)
}

// strTag appends the tag pair of a string value for key slot.
func (w *layerWriter) strTag(slot int, s string) {
	k := w.key(slot)
	i, ok := w.strs[s]
	if !ok {
		i = w.nvals
		w.nvals++
		w.strs[s] = i
		// Layer.values (4) { string_value (1) }
		inner := 1 + uvarintLen(uint64(len(s))) + len(s)
		w.values = append(w.values, 0x22)
		w.values = binary.AppendUvarint(w.values, uint64(inner))
		w.values = append(w.values, 0x0a)
		w.values = binary.AppendUvarint(w.values, uint64(len(s)))
		w.values = append(w.values, s...)
	}
	w.tags = append(w.tags, k, i)
}

// point ends a feature begun by its tag calls: a POINT at tile coordinates
// (x, y) with an optional id.
func (w *layerWriter) point(hasID bool, id uint64, x, y int) {
	var f [64]byte
	b := f[:0]
	if hasID {
		b = append(b, 0x08)
		b = binary.AppendUvarint(b, id)
	}
	tl := 0
	for _, t := range w.tags {
		tl += uvarintLen(uint64(t))
	}
	b = append(b, 0x12)
	b = binary.AppendUvarint(b, uint64(tl))
	head := len(b)
	// type (3) = POINT, geometry (4) = MoveTo(1) x y
	gx, gy := zigzag(int32(x)), zigzag(int32(y))
	g := 1 + uvarintLen(uint64(gx)) + uvarintLen(uint64(gy))
	size := head + tl + 2 + 2 + g
	w.feats = append(w.feats, 0x12)
	w.feats = binary.AppendUvarint(w.feats, uint64(size))
	w.feats = append(w.feats, b...)
	for _, t := range w.tags {
		w.feats = binary.AppendUvarint(w.feats, uint64(t))
	}
	w.feats = append(w.feats, 0x18, 0x01, 0x22, byte(g), 0x09)
	w.feats = binary.AppendUvarint(w.feats, uint64(gx))
	w.feats = binary.AppendUvarint(w.feats, uint64(gy))
	w.tags = w.tags[:0]
	w.n++
}

// tile returns the encoded tile holding this one layer, or nil without
// features. Its length is known ahead, so it is written in one piece.
func (w *layerWriter) tile() []byte {
	if w.n == 0 {
		return nil
	}
	n := 1 + uvarintLen(uint64(len(w.name))) + len(w.name) + len(w.feats) + len(w.values) + 1 + uvarintLen(Extent) + 2
	for _, slot := range w.used {
		k := w.keys[slot]
		n += 1 + uvarintLen(uint64(len(k))) + len(k)
	}
	out := make([]byte, 0, 1+uvarintLen(uint64(n))+n)
	out = append(out, 0x1a)
	out = binary.AppendUvarint(out, uint64(n))
	out = append(out, 0x0a)
	out = binary.AppendUvarint(out, uint64(len(w.name)))
	out = append(out, w.name...)
	out = append(out, w.feats...)
	for _, slot := range w.used {
		k := w.keys[slot]
		out = append(out, 0x1a)
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
	}
	out = append(out, w.values...)
	out = append(out, 0x28)
	out = binary.AppendUvarint(out, Extent)
	return append(out, 0x78, 2) // version 2 of the specification
}

func zigzag(v int32) uint32 { return uint32((v << 1) ^ (v >> 31)) }

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

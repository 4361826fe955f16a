package geo

// strTable interns strings into dense ids, with lookups that do not allocate.
type strTable struct {
	ids  map[string]uint32
	strs []string
}

func newStrTable() strTable { return newStrTableSize(0) }

// newStrTableSize returns a table with room for about n strings.
func newStrTableSize(n int) strTable {
	t := strTable{ids: make(map[string]uint32, n+1), strs: make([]string, 1, n+1)}
	t.ids[""] = 0
	return t
}

func (t *strTable) id(b []byte) uint32 {
	if len(b) == 0 {
		return 0 // Context, and the outcome of anti-social behaviour, are mostly empty
	}
	if i, ok := t.ids[string(b)]; ok {
		return i
	}
	s := string(b)
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.ids[s] = i
	return i
}

// idString is id for a string already held elsewhere: it is stored as is,
// with no conversion to bytes and back.
func (t *strTable) idString(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.ids[s] = i
	return i
}

// idAgain is id with a memory of the column's previous value: force,
// context and outcome rarely change from row to row, and rows at one snap
// point often follow each other, so a comparison saves a map lookup.
func (t *strTable) idAgain(last *uint32, b []byte) uint32 {
	if t.strs[*last] == string(b) {
		return *last
	}
	*last = t.id(b)
	return *last
}

// termCache remembers where a few dozen short strings sit in a strTable,
// by a hash of their length and three of their bytes, so that crime types
// and outcome categories, which change from row to row, rarely need a map
// lookup.
type termCache [256]uint32

func (c *termCache) id(t *strTable, b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	slot := &c[(uint(len(b))*31+uint(b[0])*7+uint(b[len(b)/2])*3+uint(b[len(b)-1]))&255]
	if t.strs[*slot] == string(b) {
		return *slot
	}
	*slot = t.id(b)
	return *slot
}

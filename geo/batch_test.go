package geo

import "testing"

// TestLSOAPairs interns LSOA pairs in runs, as files list them, and checks
// each answer against the strings, including pairs whose code and name
// would run together.
func TestLSOAPairs(t *testing.T) {
	tests := []struct {
		name  string
		pairs [][2]string
	}{
		{"runs", [][2]string{{"E01022553", "Basingstoke 001A"}, {"E01022553", "Basingstoke 001A"}, {"E01022554", "Basingstoke 001B"}, {"E01022553", "Basingstoke 001A"}}},
		{"same code, new name", [][2]string{{"E01000001", "City of London 001A"}, {"E01000001", "City of London 001B"}, {"E01000001", "City of London 001A"}}},
		{"boundary moves", [][2]string{{"a\x00b", "c"}, {"a", "b\x00c"}, {"a\x00b", "c"}, {"ab", "c"}, {"a", "bc"}}},
		{"empty", [][2]string{{"", ""}, {"", "x"}, {"x", ""}, {"", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := NewInterner()
			for i, p := range tt.pairs {
				c, n := in.lsoa([]byte(p[0]), []byte(p[1]))
				if got := [2]string{in.t.strs[c], in.t.strs[n]}; got != p {
					t.Errorf("pair %d: got %q, want %q", i, got, p)
				}
			}
		})
	}
}

// Seal looks up the points of rows still staged, so that Build finds every
// row placed, and lets go of the lookup tables.
func TestSealLooksUpStagedRows(t *testing.T) {
	in := NewInterner()
	sb := NewStreetBatchIn(Unit{Force: "hampshire", Month: 1}, 1, "test", in)
	const rows = stageRows + stageRows/2
	for i := range rows {
		sb.AddStreet(&StreetRow{Month: 1, HasLocation: true, Lon: -1.4 + float64(i%7)*0.001, Lat: 50.9,
			Location: []byte("On or near Street"), LSOACode: []byte("E01"), LSOAName: []byte("Name"), CrimeType: []byte("Burglary")})
	}
	if len(in.staged) == 0 {
		t.Fatal("no row is staged: the test proves nothing")
	}
	in.Seal()
	for i, c := range sb.crimes {
		if c.pt == pendingPoint || c.pt == noPoint {
			t.Fatalf("row %d has no point after Seal", i)
		}
	}
	if len(in.pts) != 7 {
		t.Errorf("%d points, want 7", len(in.pts))
	}
	if in.find.slots != nil || in.t.ids != nil || in.pairs != nil {
		t.Error("lookup tables kept after Seal")
	}
}

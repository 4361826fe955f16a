package geo

import (
	"math/bits"
	"slices"
	"testing"
)

// TestHistOne checks that a build holds the histories of one event in two
// bytes each, and that the snapshot's check refuses every way their
// sections can disagree with each other or with the rest.
func TestHistOne(t *testing.T) {
	o, _, _, mar := threeMonths()
	b := o.builder(t, func(Unit) bool { return true })
	// Kent's March outcomes, without its street file: second events for
	// some of its January crimes, which already have one.
	ob := NewOutcomeBatch(Unit{"kent", mar}, 0, "kent March")
	for i := 0; i < 200; i += 13 {
		ob.AddOutcome(&OutcomeRow{CrimeID: []byte(o.units[1].tag(i)), Month: mar, OutcomeType: []byte("Offender given a caution")})
	}
	if err := b.AddOutcomes(ob); err != nil {
		t.Fatal(err)
	}
	d, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.histOneEv) == 0 || len(d.hist) == 0 {
		t.Fatalf("%d single events and %d entries: the units are to give both", len(d.histOneEv), len(d.hist))
	}
	// Every crime's history read back is the one its entries give.
	n := 0
	d.eachHist(d.months, func(crime uint32, e histEntry) {
		n++
		if !slices.Contains(d.OutcomeHistory(CrimeID(crime)), OutcomeEvent{e.month(), e.outcome()}) {
			t.Fatalf("crime %d: %v has no event %v", crime, d.OutcomeHistory(CrimeID(crime)), e)
		}
	})
	if n != len(d.hist)+len(d.histOneEv) {
		t.Fatalf("%d entries walked, %d held", n, len(d.hist)+len(d.histOneEv))
	}
	if err := d.checkHist(); err != nil {
		t.Fatal(err)
	}
	both := slices.IndexFunc(d.histOne, func(x uint64) bool { return x != 0 })
	for w := range d.histOne {
		if d.histOne[w] != 0 && d.histStart[w] < d.histStart[w+1] {
			both = w
			break
		}
	}
	if d.histStart[both] == d.histStart[both+1] {
		t.Fatal("no word of crimes holds both kinds")
	}
	if len(d.month)%64 == 0 {
		t.Fatal("the crimes fill their last word: no bit past the last crime to set")
	}
	for name, spoil := range map[string]func(nd *Dataset){
		"a rank off by one":  func(nd *Dataset) { nd.histOneRank[len(nd.histOneRank)-1]++ },
		"an event too few":   func(nd *Dataset) { nd.histOneEv = nd.histOneEv[1:] },
		"no bits":            func(nd *Dataset) { nd.histOne, nd.histOneRank = nil, nil },
		"an unknown outcome": func(nd *Dataset) { nd.histOneEv[0] |= 0xff },
		"a month past the last there can be": func(nd *Dataset) {
			nd.histOneEv = slices.Repeat([]uint16{0xff00}, len(nd.histOneEv))
			nd.months = slices.Clone(nd.months)
			nd.months[len(nd.months)-1] = 0xffff
		},
		"a bit past the last crime": func(nd *Dataset) {
			nd.histOne[len(nd.histOne)-1] |= 1 << 63
			nd.histOneRank = idRanks(nd.histOne)
			nd.histOneEv = append(nd.histOneEv, 0)
		},
		"a crime with both": func(nd *Dataset) {
			at := nd.histStart[both]
			e := nd.hist[at]
			nd.hist[at] = newHistEntry(uint32(both*64+bits.TrailingZeros64(nd.histOne[both])), e.month(), e.outcome())
		},
	} {
		t.Run(name, func(t *testing.T) {
			pt := *d.tablePart
			pt.histOne, pt.histOneRank, pt.histOneEv = slices.Clone(pt.histOne), slices.Clone(pt.histOneRank), slices.Clone(pt.histOneEv)
			pt.hist = slices.Clone(pt.hist)
			nd := *d
			nd.tablePart = &pt
			spoil(&nd)
			err := nd.checkHist()
			if err == nil {
				t.Fatal("not refused")
			}
			t.Log(err)
		})
	}
}

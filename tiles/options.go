package tiles

// Options tune an Index. The zero value of a field means its default.
type Options struct {
	// CrimesZoom is the first zoom served as layer crimes, one feature per
	// snap point; zooms below it are served as layer clusters.
	CrimesZoom int
	// Radius is the cluster radius in pixels of a TileSize-pixel tile.
	Radius float64
	// TileSize is the pixel size of a tile that Radius refers to.
	TileSize float64
	// MaxFeatures and MaxBytes bound every tile (bytes before compression).
	// A tile beyond them has its features merged on a grid within the tile
	// until it fits; nothing is dropped.
	MaxFeatures int
	MaxBytes    int
	// TableBytes is the memory given to precomputed month x category count
	// tables of the clusters costliest to count, which make a filtered tile
	// cost a few table lookups per cluster instead of a scan of its crimes:
	// at most TableBytes, or TableBytesPerCrime per located crime where that
	// is more (negative for none).
	TableBytes         int64
	TableBytesPerCrime float64
	// MinTableCrimes is the size below which a cluster gets no table: its
	// crimes are counted directly.
	MinTableCrimes int
	// TableZoom is the deepest zoom whose clusters all get a table (those of
	// MinTableCrimes or more) besides those the budget gives: a tile
	// of these zooms holds clusters of tens of thousands of crimes over a
	// long history, too many to count over a month range, and the zooms'
	// clusters are few, bounded by the area of the data rather than its
	// crimes. Negative for none.
	TableZoom int
}

// DefaultOptions returns the options of the public service: clusters of 40 px
// at 512 px per tile (Supercluster's defaults), layer crimes from zoom 14,
// tiles under 10,000 features and 500 KB.
func DefaultOptions() Options {
	return Options{CrimesZoom: 14, Radius: 40, TileSize: 512, MaxFeatures: 10000, MaxBytes: 500_000,
		TableBytes: 64 << 20, TableBytesPerCrime: 1.60, MinTableCrimes: 256, TableZoom: 5}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.CrimesZoom <= 0 {
		o.CrimesZoom = d.CrimesZoom
	}
	o.CrimesZoom = min(o.CrimesZoom, MaxZoom+1)
	if !(o.Radius > 0) {
		o.Radius = d.Radius
	}
	if !(o.TileSize > 0) {
		o.TileSize = d.TileSize
	}
	if o.MaxFeatures <= 0 {
		o.MaxFeatures = d.MaxFeatures
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	if o.TableBytes <= 0 {
		o.TableBytes = d.TableBytes
	}
	if o.TableBytesPerCrime == 0 {
		o.TableBytesPerCrime = d.TableBytesPerCrime
	}
	if o.MinTableCrimes <= 0 {
		o.MinTableCrimes = d.MinTableCrimes
	}
	if o.TableZoom == 0 {
		o.TableZoom = d.TableZoom
	}
	return o
}

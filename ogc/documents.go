package ogc

// Conformance classes of OGC API - Features - Part 1: Core that the
// service implements.
var Conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// CRS84 is the only coordinate reference system served: WGS 84 longitude,
// latitude, the default of Part 1.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// Media types of the documents linked.
const (
	TypeJSON    = "application/json"
	TypeGeoJSON = "application/geo+json"
	TypeOpenAPI = "application/vnd.oai.openapi+json;version=3.1"
)

// Link is a web link of an OGC API document.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Landing is the landing page.
type Landing struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []Link `json:"links"`
}

// ConformanceDeclaration lists the conformance classes.
type ConformanceDeclaration struct {
	ConformsTo []string `json:"conformsTo"`
}

// Extent is a collection's spatial and temporal extent.
type Extent struct {
	Spatial struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial"`
	Temporal struct {
		Interval [][2]*string `json:"interval"`
		TRS      string       `json:"trs"`
	} `json:"temporal"`
}

// NewExtent is the extent of a box (minLon, minLat, maxLon, maxLat) and an
// RFC 3339 interval; a nil end is open.
func NewExtent(bbox [4]float64, interval [2]*string) Extent {
	var e Extent
	e.Spatial.BBox = [][4]float64{bbox}
	e.Spatial.CRS = CRS84
	e.Temporal.Interval = [][2]*string{interval}
	e.Temporal.TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
	return e
}

// Collection describes one feature collection.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	Extent      Extent   `json:"extent"`
	Links       []Link   `json:"links"`
}

// Collections lists the collections.
type Collections struct {
	Collections []Collection `json:"collections"`
	Links       []Link       `json:"links"`
}

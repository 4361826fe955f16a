package basemap

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/cespare/xxhash/v2"

	"crimemap/fault"
	"crimemap/pmtiles"
	"crimemap/tiles"
)

// LayerOSM names the tiles of a full OpenStreetMap basemap archive.
const LayerOSM = "osm"

// OSMAttribution is shown when the archive's metadata carries none: the
// data of every OpenStreetMap basemap is under the ODbL.
const OSMAttribution = "© OpenStreetMap contributors"

// MaxOSMTileBytes bounds a tile of the archive once decompressed: a
// Protomaps basemap tile is well under a megabyte, so a larger one is a
// corrupt or hostile archive, refused rather than held in memory.
const MaxOSMTileBytes = 8 << 20

// ErrBadArchive is returned, wrapped, for a basemap archive that cannot be
// served: not PMTiles, not vector tiles, or compressed in a way not read.
var ErrBadArchive = fault.New(fault.Invalid, "basemap: archive cannot be served")

// OSM is a full OpenStreetMap basemap in a PMTiles archive that a deployer
// provides, such as a Protomaps build cut to the UK. It is safe for
// concurrent use; the file stays open until Close.
type OSM struct {
	f       *os.File
	r       *pmtiles.Reader
	h       pmtiles.Header
	version string
	meta    osmMetadata
}

// osmMetadata is the part of the archive's JSON metadata the TileJSON
// repeats.
type osmMetadata struct {
	Name         string `json:"name"`
	Attribution  string `json:"attribution"`
	VectorLayers []struct {
		ID          string            `json:"id"`
		Description string            `json:"description"`
		MinZoom     *int              `json:"minzoom"`
		MaxZoom     *int              `json:"maxzoom"`
		Fields      map[string]string `json:"fields"`
	} `json:"vector_layers"`
}

// OpenOSM opens the archive at path and checks that it can be served: a
// PMTiles v3 archive of vector tiles, uncompressed or gzipped, whose
// metadata and first tile read. A server refuses to start on the error
// rather than answering every tile with one.
func OpenOSM(path string) (*OSM, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	o, err := openOSM(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

func openOSM(f *os.File) (*OSM, error) {
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrBadArchive)
	}
	r, err := pmtiles.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadArchive, err)
	}
	h := r.Header()
	if h.TileType != pmtiles.MVT {
		return nil, fmt.Errorf("%w: tile type %d, want vector tiles (MVT, 1)", ErrBadArchive, h.TileType)
	}
	switch h.TileCompression {
	case pmtiles.NoCompression, pmtiles.Gzip:
	default:
		return nil, fmt.Errorf("%w: tile compression %d, want none (1) or gzip (2)", ErrBadArchive, h.TileCompression)
	}
	if h.MinZoom > h.MaxZoom || int(h.MaxZoom) > tiles.MaxZoom {
		return nil, fmt.Errorf("%w: zooms %d..%d", ErrBadArchive, h.MinZoom, h.MaxZoom)
	}
	var raw []byte
	if h.MetadataLength > 0 {
		if raw, err = r.Metadata(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadArchive, err)
		}
	}
	o := &OSM{f: f, r: r, h: h}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &o.meta); err != nil {
			return nil, fmt.Errorf("%w: metadata: %w", ErrBadArchive, err)
		}
	}
	// One tile read through to its MVT bytes shows that the directories
	// and the data section agree with the header.
	z := int(h.MinZoom)
	x, y := tiles.TileAt(z, h.CenterLon, h.CenterLat)
	if _, err := o.tile(z, x, y); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadArchive, err)
	}
	// An archive's tiles never change, so its header and metadata tell its
	// versions apart.
	sum := xxhash.New()
	_, _ = fmt.Fprintf(sum, "%+v", h)
	_, _ = sum.Write(raw)
	o.version = strconv.FormatUint(sum.Sum64(), 36)
	return o, nil
}

// Close closes the archive's file.
func (o *OSM) Close() error { return o.f.Close() }

// Header returns the archive's PMTiles header.
func (o *OSM) Header() pmtiles.Header { return o.h }

// tile returns the uncompressed MVT bytes of z/x/y, nil where the archive
// has no such tile or the zoom is outside its range.
func (o *OSM) tile(z, x, y int) ([]byte, error) {
	if z < int(o.h.MinZoom) || z > int(o.h.MaxZoom) {
		return nil, nil
	}
	b, err := o.r.Tile(uint8(z), uint32(x), uint32(y))
	if err != nil || len(b) == 0 {
		return nil, err
	}
	if o.h.TileCompression != pmtiles.Gzip {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxOSMTileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
	}
	if len(out) > MaxOSMTileBytes {
		return nil, fmt.Errorf("tile %d/%d/%d: over %d bytes uncompressed", z, x, y, MaxOSMTileBytes)
	}
	return out, nil
}

// Layer serves the archive's tiles as a tiles.Layer: the same cache, ETag
// and Cache-Control as the other layers; tiles take no parameter.
func (o *OSM) Layer() tiles.Layer { return osmLayer{o} }

type osmLayer struct{ o *OSM }

func (l osmLayer) Name() string    { return LayerOSM }
func (l osmLayer) Version() string { return l.o.version }

func (osmLayer) Normalize(int, tiles.Params) tiles.Params { return tiles.Params{Res: -1} }

func (l osmLayer) Tile(_ context.Context, z, x, y int, _ tiles.Params) ([]byte, error) {
	b, err := l.o.tile(z, x, y)
	if err != nil {
		return nil, fmt.Errorf("basemap: osm %w", err)
	}
	return b, nil
}

func (l osmLayer) TileJSON(tileURL string, _ tiles.Params) tiles.TileJSON {
	h, m := l.o.h, l.o.meta
	tj := tiles.TileJSON{
		TileJSON: "3.0.0", Name: m.Name, Version: "1.0.0", Attribution: m.Attribution,
		Scheme: "xyz", Tiles: []string{tileURL}, MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom),
		Bounds:       [4]float64{h.MinLon, h.MinLat, h.MaxLon, h.MaxLat},
		Center:       [3]float64{h.CenterLon, h.CenterLat, float64(h.CenterZoom)},
		VectorLayers: []tiles.VectorLayer{},
	}
	if tj.Name == "" {
		tj.Name = LayerOSM
	}
	if tj.Attribution == "" {
		tj.Attribution = OSMAttribution
	}
	for _, v := range m.VectorLayers {
		vl := tiles.VectorLayer{ID: v.ID, Description: v.Description, MinZoom: tj.MinZoom, MaxZoom: tj.MaxZoom, Fields: v.Fields}
		if v.MinZoom != nil {
			vl.MinZoom = *v.MinZoom
		}
		if v.MaxZoom != nil {
			vl.MaxZoom = *v.MaxZoom
		}
		if vl.Fields == nil {
			vl.Fields = map[string]string{}
		}
		tj.VectorLayers = append(tj.VectorLayers, vl)
	}
	return tj
}

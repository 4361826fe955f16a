package server

import (
	"bufio"
	"math"
	"net/http"
	"strconv"

	"crimemap/geo"

	"github.com/uber/h3-go/v4"
)

// featureWriter streams GeoJSON features of cells, building each in a
// reused buffer: fmt and encoding/json cost more than the cells.
type featureWriter struct {
	bw  *bufio.Writer
	buf []byte
}

func newFeatureWriter(w http.ResponseWriter) *featureWriter {
	return &featureWriter{bw: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 1024)}
}

// start opens a cell's feature, with its geometry as GeoJSON, up to its
// properties object, which already holds h3; add properties, then call end.
func (fw *featureWriter) start(c h3.Cell, geom []byte) {
	fw.buf = append(fw.buf, `{"type":"Feature","id":"`...)
	fw.buf = strconv.AppendUint(fw.buf, uint64(c), 16)
	fw.buf = append(fw.buf, `","geometry":`...)
	fw.buf = append(fw.buf, geom...)
	fw.buf = append(fw.buf, `,"properties":{"h3":"`...)
	fw.buf = strconv.AppendUint(fw.buf, uint64(c), 16)
	fw.buf = append(fw.buf, '"')
}

func (fw *featureWriter) intProp(key string, v int) {
	fw.buf = append(fw.buf, `,"`...)
	fw.buf = append(fw.buf, key...)
	fw.buf = append(fw.buf, `":`...)
	fw.buf = strconv.AppendInt(fw.buf, int64(v), 10)
}

func (fw *featureWriter) floatProp(key string, v float64) {
	fw.buf = append(fw.buf, `,"`...)
	fw.buf = append(fw.buf, key...)
	fw.buf = append(fw.buf, `":`...)
	fw.buf = append(fw.buf, jsonFloat(v)...)
}

// end closes the feature and hands it to the writer.
func (fw *featureWriter) end() {
	fw.buf = append(fw.buf, "}}"...)
	fw.bw.Write(fw.buf)
	fw.buf = fw.buf[:0]
}

// geomBatch is how many cell geometries are computed at once: enough to
// spread over every core, few enough that an answer of 50,000 cells is not
// held whole while a slow client reads it.
const geomBatch = 4096

// writeFeatures writes a feature per row's cell, comma-separated; props
// adds the row's properties.
func writeFeatures[T any](fw *featureWriter, rows []T, cell func(*T) h3.Cell, props func(*T)) {
	cells := make([]h3.Cell, 0, min(len(rows), geomBatch))
	for lo := 0; lo < len(rows); lo += geomBatch {
		batch := rows[lo:min(lo+geomBatch, len(rows))]
		cells = cells[:0]
		for i := range batch {
			cells = append(cells, cell(&batch[i]))
		}
		geoms := geo.CellGeoJSON(cells)
		for i, c := range cells {
			if lo+i > 0 {
				fw.buf = append(fw.buf, ',')
			}
			fw.start(c, geoms[i])
			props(&batch[i])
			fw.end()
		}
	}
}

func (fw *featureWriter) flush() {
	fw.bw.Write(fw.buf)
	fw.buf = fw.buf[:0]
	_ = fw.bw.Flush()
}

// jsonFloat formats a finite float compactly, rounded to 1e-9.
func jsonFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(math.Round(v*1e9)/1e9, 'f', -1, 64)
}

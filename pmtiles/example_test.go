package pmtiles_test

import (
	"bytes"
	"fmt"
	"log"

	"crimemap/pmtiles"
)

func ExampleWriter() {
	var archive bytes.Buffer
	w, err := pmtiles.NewWriter(&archive, pmtiles.Options{
		TileType:        pmtiles.MVT,
		TileCompression: pmtiles.NoCompression,
		Metadata:        map[string]any{"name": "example"},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Any order; the two zoom-2 tiles are consecutive on the Hilbert curve
	// and identical, so they share one entry and one copy of the bytes.
	w.WriteTile(2, 1, 0, []byte("sea"))
	w.WriteTile(0, 0, 0, []byte("world"))
	w.WriteTile(2, 0, 0, []byte("sea"))
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := pmtiles.NewReader(bytes.NewReader(archive.Bytes()))
	if err != nil {
		log.Fatal(err)
	}
	h := r.Header()
	fmt.Println("zooms", h.MinZoom, "to", h.MaxZoom)
	fmt.Println("addressed", h.AddressedTiles, "entries", h.TileEntries, "contents", h.TileContents)
	t, _ := r.Tile(2, 0, 0)
	fmt.Printf("2/0/0 %s\n", t)
	// Output:
	// zooms 0 to 2
	// addressed 3 entries 2 contents 2
	// 2/0/0 sea
}

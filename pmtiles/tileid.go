package pmtiles

import (
	"fmt"

	"crimemap/fault"
)

// MaxZoom is the deepest zoom a TileID can address in 64 bits.
const MaxZoom = 31

// ErrTileOutOfRange is returned, wrapped, for z > MaxZoom or x or y >= 2^z.
var ErrTileOutOfRange = fault.New(fault.Invalid, "pmtiles: tile out of range")

// zoomStart is the TileID of tile (z, 0, 0)'s zoom: the number of tiles in
// all shallower zooms, (4^z - 1) / 3.
func zoomStart(z uint8) uint64 { return ((uint64(1) << (2 * uint(z))) - 1) / 3 }

// ZxyToID returns the TileID of tile z/x/y: the tiles of all shallower zooms
// followed by the tile's position on zoom z's Hilbert curve.
func ZxyToID(z uint8, x, y uint32) (uint64, error) {
	if z > MaxZoom {
		return 0, fmt.Errorf("%w: zoom %d", ErrTileOutOfRange, z)
	}
	n := uint64(1) << z
	if uint64(x) >= n || uint64(y) >= n {
		return 0, fmt.Errorf("%w: %d/%d/%d", ErrTileOutOfRange, z, x, y)
	}
	return zoomStart(z) + hilbertD(n, uint64(x), uint64(y)), nil
}

// hilbertD maps (x, y) on an n×n grid to its distance along the Hilbert curve.
func hilbertD(n, x, y uint64) uint64 {
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		x, y = rotate(n, x, y, rx, ry)
	}
	return d
}

// hilbertXY is the inverse of hilbertD.
func hilbertXY(n, d uint64) (x, y uint64) {
	t := d
	for s := uint64(1); s < n; s *= 2 {
		rx := 1 & (t / 2)
		ry := 1 & (t ^ rx)
		x, y = rotate(s, x, y, rx, ry)
		x += s * rx
		y += s * ry
		t /= 4
	}
	return x, y
}

// rotate flips and transposes a quadrant so the curve's sub-squares line up.
func rotate(n, x, y, rx, ry uint64) (uint64, uint64) {
	if ry == 0 {
		if rx == 1 {
			x = n - 1 - x
			y = n - 1 - y
		}
		x, y = y, x
	}
	return x, y
}

// IDToZxy is the inverse of ZxyToID.
func IDToZxy(id uint64) (z uint8, x, y uint32, err error) {
	for z = 0; z <= MaxZoom; z++ {
		if id < zoomStart(z+1) || z == MaxZoom {
			n := uint64(1) << z
			d := id - zoomStart(z)
			if d >= n*n {
				break
			}
			hx, hy := hilbertXY(n, d)
			return z, uint32(hx), uint32(hy), nil
		}
	}
	return 0, 0, 0, fmt.Errorf("%w: tile id %d", ErrTileOutOfRange, id)
}

package tiles

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"crimemap/fault"
)

// MaxZoom is the deepest zoom served.
const MaxZoom = 18

// Extent is the size of a tile in MVT integer coordinates.
const Extent = 4096

// ErrBadTile is returned for a z/x/y that is not a tile of zooms 0..MaxZoom.
var ErrBadTile = fault.New(fault.Invalid, "tile out of range")

// maxLat is the latitude where Web Mercator's unit square ends.
var maxLat = 2*math.Atan(math.Exp(math.Pi))*180/math.Pi - 90

// Project maps lon/lat degrees to world coordinates in [0, 1), clamping
// latitudes beyond the Mercator limit so that every point has a tile.
func Project(lon, lat float64) (x, y float64) {
	x = (lon + 180) / 360
	lat = math.Max(-maxLat, math.Min(maxLat, lat))
	s := math.Sin(lat * math.Pi / 180)
	y = 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return clampUnit(x), clampUnit(y)
}

// clampUnit keeps v in [0, 1), so that floor(v*2^z) is always a valid tile.
func clampUnit(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return math.Nextafter(1, 0)
	}
	return v
}

// Unproject maps world coordinates back to lon/lat degrees.
func Unproject(x, y float64) (lon, lat float64) {
	lon = x*360 - 180
	lat = math.Atan(math.Sinh(math.Pi*(1-2*y))) * 180 / math.Pi
	return lon, lat
}

// TileOf returns the tile of zoom z whose half-open square holds the world
// position (x, y).
func TileOf(z int, x, y float64) (tx, ty int) {
	n := float64(uint(1) << z)
	tx, ty = int(x*n), int(y*n)
	last := 1<<z - 1
	return min(tx, last), min(ty, last)
}

// InTile returns the MVT coordinates of world position (wx, wy) in tile
// (z, x, y); they are within [0, Extent) exactly when TileOf gives that tile.
func InTile(z, x, y int, wx, wy float64) (px, py int) {
	n := float64(uint(1) << z)
	return int(math.Floor((wx*n - float64(x)) * Extent)), int(math.Floor((wy*n - float64(y)) * Extent))
}

// WorldBound returns the world square of a tile.
func WorldBound(z, x, y int) (minX, minY, maxX, maxY float64) {
	n := float64(uint(1) << z)
	return float64(x) / n, float64(y) / n, float64(x+1) / n, float64(y+1) / n
}

// TileBound returns the lon/lat box of a tile.
func TileBound(z, x, y int) orb.Bound {
	x0, y0, x1, y1 := WorldBound(z, x, y)
	w, n := Unproject(x0, y0)
	e, s := Unproject(x1, y1)
	return orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}
}

// CheckTile reports ErrBadTile unless z is in 0..maxZoom and x, y in 0..2^z-1.
func CheckTile(z, x, y, maxZoom int) error {
	if z < 0 || z > maxZoom {
		return fmt.Errorf("%w: zoom %d not in 0..%d", ErrBadTile, z, maxZoom)
	}
	if x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return fmt.Errorf("%w: x %d, y %d not in 0..%d at zoom %d", ErrBadTile, x, y, 1<<z-1, z)
	}
	return nil
}

// ParseTile parses the decimal z, x and y of a tile path and checks them
// against maxZoom. Signs, spaces and leading zeros beyond one digit are refused
// so that one tile has one URL, which keeps CDN caches from splitting.
func ParseTile(zs, xs, ys string, maxZoom int) (z, x, y int, err error) {
	var v [3]int
	for i, s := range [3]string{zs, xs, ys} {
		if s == "" || len(s) > 7 || (len(s) > 1 && s[0] == '0') {
			return 0, 0, 0, fmt.Errorf("%w: %q is not a tile coordinate", ErrBadTile, s)
		}
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return 0, 0, 0, fmt.Errorf("%w: %q is not a tile coordinate", ErrBadTile, s)
			}
		}
		v[i], _ = strconv.Atoi(s)
	}
	if err := CheckTile(v[0], v[1], v[2], maxZoom); err != nil {
		return 0, 0, 0, err
	}
	return v[0], v[1], v[2], nil
}

// TileAt returns the tile of zoom z holding a lon/lat point.
func TileAt(z int, lon, lat float64) (x, y int) {
	wx, wy := Project(lon, lat)
	return TileOf(z, wx, wy)
}

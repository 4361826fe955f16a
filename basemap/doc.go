// Package basemap is the map underneath the crimes, served by crimemap
// itself so that no visitor's view is sent to another server: land from an
// OpenStreetMap coastline cut to the British Isles (generated into
// land.pmtiles and embedded), place and street labels from the loaded
// dataset's LSOA and street names, and the glyphs MapLibre draws them with.
package basemap

//go:generate go run ./internal/genland -in source/node_modules/@geo-maps/earth-lands-10m/map.geo.json -out land.pmtiles
//go:generate go run ./internal/genglyphs -font /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf -name "Noto Sans Regular" -out glyphs
//go:generate go run ./internal/genglyphs -font /usr/share/fonts/truetype/noto/NotoSans-Italic.ttf -name "Noto Sans Italic" -out glyphs

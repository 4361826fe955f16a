package web

// categoryColours gives each data.police.uk crime type a colour. Related
// types share a hue family (thefts in oranges and yellows, violence and
// weapons in reds, property damage in browns) so a glance at the map tells
// acquisitive crime from violent crime; within that, the colours differ in
// lightness as well as hue, so that every pair stays apart for people with
// protanopia, deuteranopia or tritanopia too (colourvision_test.go holds
// the palette to that).
var categoryColours = map[string]string{
	"anti-social-behaviour":   "#7d827c",
	"bicycle-theft":           "#d5c194",
	"burglary":                "#604c39",
	"criminal-damage-arson":   "#ab9679",
	"drugs":                   "#13ceb6",
	"other-theft":             "#e95c08",
	"possession-of-weapons":   "#97090d",
	"public-order":            "#9e2c7e",
	"robbery":                 "#9a5ede",
	"shoplifting":             "#f2bd15",
	"theft-from-the-person":   "#ed9357",
	"vehicle-crime":           "#42879e",
	"violent-crime":           "#d7191c",
	"other-crime":             "#346d5f",
	"public-disorder-weapons": "#9c684c",
}

// fallbackColour is used for a crime type the archive may add later.
const fallbackColour = "#555555"

// CategoryColour returns the colour of the crime type with the given slug.
func CategoryColour(slug string) string {
	if c, ok := categoryColours[slug]; ok {
		return c
	}
	return fallbackColour
}

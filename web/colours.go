package web

// categoryColours gives each data.police.uk crime type a colour. Related
// types share a hue family (thefts in oranges, violence and disorder in
// reds, property damage in browns) so a glance at the map tells acquisitive
// crime from violent crime even where individual colours are hard to tell
// apart.
var categoryColours = map[string]string{
	"anti-social-behaviour":   "#7f7f7f",
	"bicycle-theft":           "#f2b134",
	"burglary":                "#8c510a",
	"criminal-damage-arson":   "#bf812d",
	"drugs":                   "#1b9e77",
	"other-theft":             "#fd8d3c",
	"possession-of-weapons":   "#67000d",
	"public-order":            "#e7298a",
	"robbery":                 "#7570b3",
	"shoplifting":             "#e6ab02",
	"theft-from-the-person":   "#d95f02",
	"vehicle-crime":           "#1f78b4",
	"violent-crime":           "#d7191c",
	"other-crime":             "#35978f",
	"public-disorder-weapons": "#a6761d",
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

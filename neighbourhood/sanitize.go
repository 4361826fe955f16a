package neighbourhood

import (
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// policy is the allow-list for text the forces write in HTML: paragraphs,
// line breaks, emphasis, lists and links to the web, mail or a phone.
// Everything else, with scripts, styles and event handlers, goes; the text
// inside a dropped element stays, except a script's or style's.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "b", "i", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	return p
}()

// SanitizeHTML returns html made safe to put in a page: only the elements
// of a small allow-list survive (p, br, strong, em, b, i, ul, ol, li, and a
// with an http, https, mailto or tel href, marked rel="nofollow noopener").
// It is for display only: the API serves the text as the force wrote it.
func SanitizeHTML(html string) string {
	// The policy lets no rel through from the input, so every rel in the
	// output is the one it added, and attribute quotes in text are escaped:
	// the replacement can only touch those.
	return strings.ReplaceAll(policy.Sanitize(html), `rel="nofollow"`, `rel="nofollow noopener"`)
}

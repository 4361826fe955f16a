package web

import (
	"embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed templates/watch/*.html
var watchFS embed.FS

// watchPages are the Neighbourhood Watch pages. They work without
// JavaScript and carry no inline script or style: their one stylesheet is
// static/app/watch.css.
var watchPages = template.Must(template.New("").Funcs(template.FuncMap{
	"metres": func(m float64) string {
		if m >= 1000 {
			return fmt.Sprintf("%.1f km", m/1000)
		}
		return fmt.Sprintf("%.0f m", m)
	},
}).ParseFS(watchFS, "templates/watch/*.html"))

// WatchPage is what every Watch page gets: its title, the CSRF token its
// forms carry, the signed-in account (empty for the public), a message
// about a refused form, and the page's own data.
type WatchPage struct {
	Title   string
	CSRF    string
	Account string
	Staff   bool // the account is force staff or an admin
	Error   string
	Data    any
}

// RenderWatch writes the Watch page named (a file of templates/watch
// without its extension).
func RenderWatch(w io.Writer, name string, p WatchPage) error {
	if err := watchPages.ExecuteTemplate(w, name+".html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return nil
}

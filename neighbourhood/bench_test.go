package neighbourhood

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadDir loads the clean fixture folder: the per-file cost that
// a full mirror (some 4,000 neighbourhoods, six files each) multiplies.
func BenchmarkLoadDir(b *testing.B) {
	dir := filepath.Join("testdata", "api")
	for b.Loop() {
		if _, _, err := LoadDir(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDetail decodes one neighbourhood detail file.
func BenchmarkDecodeDetail(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "api", "hampshire", "SO14.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := decodeFile(data, decodeNeighbourhood); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSanitizeHTML(b *testing.B) {
	html := `<p>The city centre team covers the shopping centre, <strong>Bargate</strong> and the docks.</p>` +
		`<p>See <a href="https://www.southampton.gov.uk/" onclick="x()">the council</a>.<script>alert(1)</script></p>`
	b.SetBytes(int64(len(html)))
	for b.Loop() {
		SanitizeHTML(html)
	}
}

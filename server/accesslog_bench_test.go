package server_test

import (
	"io"
	"log/slog"
	"testing"

	"crimemap/server"
)

// BenchmarkTileCachedHandlerAccessLog is BenchmarkTileCachedHandler with a
// JSON access log (to io.Discard): the cost of formatting a line a request.
func BenchmarkTileCachedHandlerAccessLog(b *testing.B) {
	benchTileCached(b, server.Deps{AccessLog: slog.New(slog.NewJSONHandler(io.Discard, nil))})
}

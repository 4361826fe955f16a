package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestServeRejectsBadOpsFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-rate-limit", "bogus=1:1"}, "--rate-limit"},
		{[]string{"-rate-limit", "api=fast"}, "--rate-limit"},
		{[]string{"-trusted-proxies", "10.0.0.0/40"}, "--trusted-proxies"},
		{[]string{"-log-format", "xml"}, "log format"},
		{[]string{"-max-appended", "-1"}, "--max-appended"},
		{[]string{"-max-appended", "three"}, "max-appended"},
		{[]string{"-smtp", "smtp://relay.example"}, "--smtp-from"},
		{[]string{"-smtp-from", "w@x.example"}, "--smtp"},
		{[]string{"-smtp", "imap://relay.example", "-smtp-from", "w@x.example"}, "smtp"},
		{[]string{"-smtp", "smtp://relay.example", "-smtp-from", "nobody"}, "from address"},
		{[]string{"-basemap", "testdata-that-does-not-exist.pmtiles"}, "--basemap"},
		{[]string{"-basemap", "serve_flags_test.go"}, "--basemap: serve_flags_test.go: basemap: archive cannot be served: pmtiles: corrupt archive: no PMTiles magic"},
	}
	for _, tc := range tests {
		args := append(append([]string{"-addr", "127.0.0.1:0", "-quiet"}, tc.args...), "testdata-that-is-never-read")
		err := runServe(context.Background(), args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v = %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}

func TestLogFormatJSON(t *testing.T) {
	var buf bytes.Buffer
	base, err := newLogger("warn", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log, err := withLogFormat(base, "warn", "json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "k", "v")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "shown" || line["k"] != "v" {
		t.Errorf("log %q: %v", buf.String(), err)
	}
}

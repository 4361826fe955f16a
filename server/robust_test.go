package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"crimemap/server"
)

// post sends body with Content-Type ctype and returns the status and the
// JSON error message, if any.
func post(t *testing.T, url, ctype string, body io.Reader) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, b := do(t, http.DefaultClient, req)
	var e struct{ Error string }
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error, b
}

func TestRemotePanicsAre400(t *testing.T) {
	ts := newServer(t)
	for _, body := range []string{
		`{"type":"Feature"}`,
		`{"type":"Feature","geometry":null,"properties":{}}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature"}]}`,
		`{"type":"FeatureCollection","features":[null]}`,
		// Positions of one coordinate, which orb would read as latitude 0.
		`{"type":"Polygon","coordinates":[[[-1.4],[-1.3,50.9],[-1.3,51],[-1.4,50.9]]]}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[-1.4,50.9],[-1.3],[-1.3,51],[-1.4,50.9]]]}}`,
		`{"type":"MultiPolygon","coordinates":[[[[-1.4,50.9],[-1.3,50.9],[-1.3,51],["x",50.9]]]]}`,
	} {
		status, msg, _ := post(t, ts.URL+"/v1/counts", "application/geo+json", strings.NewReader(body))
		if status != http.StatusBadRequest || !strings.Contains(msg, `"body"`) {
			t.Errorf("POST /v1/counts %s = %d %q, want 400 naming body", body, status, msg)
		}
	}
	// Valid H3 cells at resolutions 15 and 14, finer than any column.
	for _, cell := range []string{"8f195da49a4b6c0", "8e194ad32a4b6c7"} {
		status, body := get(t, ts, "/v1/hex/"+cell)
		if status != http.StatusBadRequest || !strings.Contains(string(body), `\"cell\"`) {
			t.Errorf("GET /v1/hex/%s = %d %s, want 400 naming cell", cell, status, body)
		}
	}
}

func multipartBody(t *testing.T, fields map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

func TestMultipartFormIsRead(t *testing.T) {
	ts := newServer(t)
	poly := "50.90,-1.42:50.92,-1.42:50.92,-1.38:50.90,-1.38"
	_, wantBody := get(t, ts, "/v1/counts?poly="+url.QueryEscape(poly))
	var want, got struct{ Total int }
	if err := json.Unmarshal(wantBody, &want); err != nil {
		t.Fatal(err)
	}
	ctype, body := multipartBody(t, map[string]string{"poly": poly})
	status, msg, b := post(t, ts.URL+"/v1/counts", ctype, body)
	if status != http.StatusOK {
		t.Fatalf("multipart POST = %d %s", status, msg)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	_, all := get(t, ts, "/v1/counts")
	var everything struct{ Total int }
	_ = json.Unmarshal(all, &everything)
	if got.Total != want.Total || got.Total == everything.Total {
		t.Errorf("multipart poly total %d, want %d (the whole dataset is %d)", got.Total, want.Total, everything.Total)
	}
}

func TestBodyTypesAndSizes(t *testing.T) {
	ts := newServer(t)
	big := strings.Repeat(" ", server.MaxBodyBytes+1)
	ctype, mp := multipartBody(t, map[string]string{"poly": big})
	tests := []struct {
		name, ctype string
		body        io.Reader
		status      int
		contains    string
	}{
		{"text/plain", "text/plain", strings.NewReader("poly=1,2"), http.StatusUnsupportedMediaType, "Content-Type"},
		{"xml", "application/xml", strings.NewReader("<a/>"), http.StatusUnsupportedMediaType, "Content-Type"},
		{"body without a type", "", strings.NewReader("{}"), http.StatusUnsupportedMediaType, "Content-Type"},
		{"GeoJSON over the cap", "application/geo+json", strings.NewReader(big), http.StatusRequestEntityTooLarge, "8388608"},
		{"form over the cap", "application/x-www-form-urlencoded", strings.NewReader("poly=" + big), http.StatusRequestEntityTooLarge, "8388608"},
		{"multipart over the cap", ctype, mp, http.StatusRequestEntityTooLarge, "8388608"},
		{"malformed multipart", "multipart/form-data; boundary=x", strings.NewReader("--y\r\n"), http.StatusBadRequest, `"body"`},
		{"empty POST", "", nil, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := post(t, ts.URL+"/v1/counts", tc.ctype, tc.body)
			if status != tc.status || !strings.Contains(msg, tc.contains) {
				t.Errorf("POST = %d %q, want %d containing %q", status, msg, tc.status, tc.contains)
			}
		})
	}
}

// serveOn starts a server with cfg on a loopback port and returns its
// address; the server stops with the test.
func serveOn(t *testing.T, cfg server.Config) string {
	t.Helper()
	s := server.New(cfg, server.Deps{})
	s.SetDataset(dataset(t))
	addr, stop := server.StartServe(t, s)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return addr
}

// rawExchange sends head and part of a body on a raw connection, then
// closes its write side when closeWrite is set, and returns the status line.
func rawExchange(t *testing.T, addr, head, body string, closeWrite bool) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head+body); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		_ = conn.(*net.TCPConn).CloseWrite()
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := io.ReadAll(conn)
	if err != nil && len(resp) == 0 {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(resp), "\r\n")
	return line
}

func TestSlowAndTruncatedBodies(t *testing.T) {
	// A client's failing connection is no server error: nothing at ERROR.
	var logs syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		slog.SetDefault(prev)
		if out := logs.String(); strings.Contains(out, "level=ERROR") || !strings.Contains(out, "level=DEBUG") {
			t.Errorf("want the body failures logged at debug and nothing at error, got:\n%s", out)
		}
	})
	cfg := server.DefaultConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	addr := serveOn(t, cfg)
	for _, tc := range []struct{ ctype, start string }{
		{"application/geo+json", `{"type":`},
		{"application/x-www-form-urlencoded", "poly=50.9,-1.4:"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"poly\"\r\n\r\n50.9,"},
	} {
		head := "POST /v1/counts HTTP/1.1\r\nHost: x\r\nContent-Type: " + tc.ctype + "\r\nContent-Length: 1000\r\n\r\n"
		if got := rawExchange(t, addr, head, tc.start, false); !strings.Contains(got, " 408 ") {
			t.Errorf("%s body that stalls: %q, want 408", tc.ctype, got)
		}
		if got := rawExchange(t, addr, head, tc.start, true); !strings.Contains(got, " 400 ") {
			t.Errorf("%s body cut short: %q, want 400", tc.ctype, got)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

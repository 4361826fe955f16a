package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"crimemap/analysis"
	"crimemap/boundary"
	"crimemap/fault"
	"crimemap/geo"
	"crimemap/loadtest"
	"crimemap/postcode"
)

// serveError answers a request with err through writeError, as a handler
// does.
func serveError(t *testing.T, ctx context.Context, err error) *httptest.ResponseRecorder {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, err) })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/v1/crimes", nil).WithContext(ctx))
	return w
}

func errorMessage(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	return body.Error
}

func TestKindStatus(t *testing.T) {
	tests := []struct {
		kind fault.Kind
		want int
	}{
		{fault.Internal, http.StatusInternalServerError},
		{fault.Invalid, http.StatusBadRequest},
		{fault.NotFound, http.StatusNotFound},
		{fault.Conflict, http.StatusConflict},
		{fault.TooLarge, http.StatusRequestEntityTooLarge},
		{fault.Unavailable, http.StatusServiceUnavailable},
		{fault.Forbidden, http.StatusForbidden},
		{fault.Unauthenticated, http.StatusUnauthorized},
		{fault.RateLimited, http.StatusTooManyRequests},
	}
	if len(tests) != len(kindStatus) {
		t.Fatalf("%d kinds tested, kindStatus has %d", len(tests), len(kindStatus))
	}
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			w := serveError(t, context.Background(), fault.New(tc.kind, "it failed"))
			if w.Code != tc.want {
				t.Errorf("status %d, want %d", w.Code, tc.want)
			}
			wantMsg := "it failed"
			if tc.kind == fault.Internal {
				wantMsg = "internal error"
			}
			if got := errorMessage(t, w); got != wantMsg {
				t.Errorf("message %q, want %q", got, wantMsg)
			}
		})
	}
}

// TestDomainErrorStatus: a domain package's error reaches the client with
// its kind's status however deeply a handler wraps it.
func TestDomainErrorStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{geo.ErrBadRadius, http.StatusBadRequest},
		{analysis.ErrBadPeriod, http.StatusBadRequest},
		{postcode.ErrInvalid, http.StatusBadRequest},
		{geo.ErrNotFound, http.StatusNotFound},
		{boundary.ErrDuplicate, http.StatusConflict},
		{geo.ErrTooManyCells, http.StatusRequestEntityTooLarge},
		{ErrLoading, http.StatusServiceUnavailable},
		{loadtest.ErrNotLoopback, http.StatusForbidden},
		{fault.New(fault.Unauthenticated, "sign in"), http.StatusUnauthorized},
		{fault.New(fault.RateLimited, "slow down"), http.StatusTooManyRequests},
		{&geo.SlugError{Param: geo.ParamCategory, Slug: "arson"}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			err := fmt.Errorf("handler: %w", fmt.Errorf("query: %w", tc.err))
			w := serveError(t, context.Background(), err)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d", w.Code, tc.want)
			}
			if got := errorMessage(t, w); got != err.Error() {
				t.Errorf("message %q, want %q", got, err.Error())
			}
		})
	}
}

// TestWriteErrorStatus pins the statuses that are not their kind's alone.
func TestWriteErrorStatus(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	limit := &geo.CellLimitError{Res: 12, Cells: 90_000, Limit: MaxHexCells, Fits: 10}
	tests := []struct {
		name       string
		ctx        context.Context
		err        error
		want       int
		msg        string
		retryAfter string
	}{
		{"param", nil, paramError("res", "bad"), 400, `parameter "res": bad`, ""},
		{"param wrapped", nil, fmt.Errorf("x: %w", paramError("res", "bad")), 400, `parameter "res": bad`, ""},
		{"cell limit", nil, cellLimitParam(fmt.Errorf("hex: %w", limit)), 400,
			`parameter "res": 90000 cells at resolution 12 exceed the limit of 50000; use res=10 or a smaller area`, ""},
		{"cell limit at res 0", nil, cellLimitParam(&geo.CellLimitError{Res: 3, Cells: 60_000, Limit: MaxHexCells, Fits: -1}), 400,
			`parameter "res": 60000 cells at resolution 3 exceed the limit of 50000 even at resolution 0; use a smaller area`, ""},
		{"bad k", nil, paramCause("k", analysis.ErrBadK), 400, `parameter "k": k must be 1..5`, ""},
		{"method", nil, ErrMethod, 405, ErrMethod.Error(), ""},
		{"media type", nil, fmt.Errorf("%w %q", ErrMediaType, "text/plain"), 415, `unsupported Content-Type "text/plain"`, ""},
		{"body timeout", nil, fmt.Errorf("%w: %w", ErrBodyTimeout, context.DeadlineExceeded), 408, ErrBodyTimeout.Error(), ""},
		{"body incomplete", nil, fmt.Errorf("%w: %w", ErrBodyIncomplete, errors.New("EOF")), 400, ErrBodyIncomplete.Error(), ""},
		{"body too large", nil, &http.MaxBytesError{Limit: MaxBodyBytes}, 413, fmt.Sprintf("request body larger than the limit of %d bytes", MaxBodyBytes), ""},
		{"too many crimes", nil, ErrTooMany, 503, ErrTooMany.Error(), ""},
		{"busy", nil, ErrBusy, 503, ErrBusy.Error(), "1"},
		{"loading", nil, ErrLoading, 503, ErrLoading.Error(), "5"},
		{"no route", nil, ErrRouteNotFound, 404, ErrRouteNotFound.Error(), ""},
		{"panicked", nil, errPanicked, 500, "internal error", ""},
		{"plain", nil, errors.New("disk on fire"), 500, "internal error", ""},
		{"deadline", nil, fmt.Errorf("count: %w", context.DeadlineExceeded), 503, "request took longer than its time budget", ""},
		{"client gone", cancelled, fmt.Errorf("count: %w", context.Canceled), 499, "request cancelled", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			w := serveError(t, ctx, tc.err)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d", w.Code, tc.want)
			}
			if got := errorMessage(t, w); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
			if got := w.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
		})
	}
}

// TestParamErrorKeepsCause: a parameter error reporting a domain error
// leaves it visible to errors.Is, with the message unchanged.
func TestParamErrorKeepsCause(t *testing.T) {
	_, err := parsePolyParam("50.9,-1.4:50.9,-1.4:50.9,-1.4")
	if !errors.Is(err, geo.ErrBadPolygon) {
		t.Fatalf("parsePolyParam(degenerate) = %v, want it to wrap geo.ErrBadPolygon", err)
	}
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "poly" || pe.Msg != pe.Err.Error() {
		t.Errorf("parsePolyParam(degenerate) = %#v, want a ParamError for poly with its cause's message", err)
	}
	if _, err := parseBBox("1,2,0,3"); !errors.Is(err, geo.ErrBadBBox) {
		t.Errorf("parseBBox(min > max) = %v, want it to wrap geo.ErrBadBBox", err)
	}
}

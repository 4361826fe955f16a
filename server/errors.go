package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"crimemap/fault"
	"crimemap/geo"
)

// ParamError is a bad query, path or body parameter: HTTP 400 naming it.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %q: %s", e.Param, e.Msg) }

// paramError builds a ParamError with a formatted message.
func paramError(param, format string, args ...any) error {
	return &ParamError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// Sentinel errors that handlers return and writeError maps to statuses.
var (
	// ErrTooMany is data.police.uk's answer to a custom area holding more
	// than 10,000 crimes: HTTP 503.
	ErrTooMany = errors.New("more than 10,000 crimes in this area; use a smaller area or the /v1/ API")
	// ErrLoading is returned while the dataset is still being loaded.
	ErrLoading = errors.New("dataset is loading")
	// ErrRouteNotFound is an unknown path.
	ErrRouteNotFound = errors.New("no such endpoint")
	// ErrMethod is a known path with an unsupported method.
	ErrMethod = errors.New("method not allowed")
	// ErrMediaType is a POST body that is neither a form nor (Geo)JSON:
	// HTTP 415.
	ErrMediaType = errors.New("unsupported Content-Type")
	// ErrBodyTimeout is a request body that did not arrive within the read
	// timeout: HTTP 408.
	ErrBodyTimeout = errors.New("timed out reading the request body")
	// ErrBodyIncomplete is a request body that ended before its declared
	// length, the client having gone away: HTTP 400.
	ErrBodyIncomplete = errors.New("request body ended early")
	// ErrBusy is a heavy request that found no free slot in time: HTTP 503
	// with Retry-After.
	ErrBusy = errors.New("too many heavy requests at once; retry shortly")
	// errPanicked is a handler's panic, logged where it was recovered.
	errPanicked = errors.New("handler panicked")
)

type errorBody struct {
	Error string `json:"error"`
}

// writeError is the one place where errors become HTTP statuses.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "internal error"
	var pe *ParamError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
		status, msg = http.StatusBadRequest, pe.Error()
	case errors.As(err, &tooLarge):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than the limit of %d bytes", tooLarge.Limit)
	case errors.Is(err, ErrBodyTimeout), errors.Is(err, ErrBodyIncomplete):
		// The client's connection failed, not the server: worth a trace
		// while debugging, not an alert.
		status, msg = http.StatusBadRequest, ErrBodyIncomplete.Error()
		if errors.Is(err, ErrBodyTimeout) {
			status, msg = http.StatusRequestTimeout, ErrBodyTimeout.Error()
		}
		slog.DebugContext(r.Context(), "request body", "method", r.Method, "path", r.URL.Path, "err", err)
	case errors.Is(err, ErrMediaType):
		status, msg = http.StatusUnsupportedMediaType, err.Error()
	case errors.Is(err, ErrBusy):
		status, msg = http.StatusServiceUnavailable, err.Error()
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, geo.ErrNotFound), errors.Is(err, ErrRouteNotFound), fault.Is(err, fault.NotFound):
		status, msg = http.StatusNotFound, err.Error()
	case errors.Is(err, ErrMethod):
		status, msg = http.StatusMethodNotAllowed, err.Error()
	case errors.Is(err, ErrTooMany):
		status, msg = http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, ErrLoading):
		status, msg = http.StatusServiceUnavailable, err.Error()
		w.Header().Set("Retry-After", "5")
	case errors.Is(err, errPanicked):
	case errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "request took longer than its time budget"
		var be *budgetError
		if errors.As(context.Cause(r.Context()), &be) {
			msg = be.Error()
		}
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		status, msg = 499, "request cancelled"
	default:
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, r, status, errorBody{Error: msg})
}

// writeJSONBytes writes an encoded JSON body.
func writeJSONBytes(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.DebugContext(r.Context(), "write response", "path", r.URL.Path, "err", err)
	}
}

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
)

// ParamError is a bad query, path or body parameter: HTTP 400 naming it.
type ParamError struct {
	Param string
	Msg   string
	// Err is the domain error the message reports, if any.
	Err error
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %q: %s", e.Param, e.Msg) }

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *ParamError) Unwrap() error { return e.Err }

// Kind is always Invalid, whatever the cause's: a parameter error names what
// the caller must change, even when the cause is a limit (too many cells is
// answered 400 naming res, with the resolution that fits).
func (e *ParamError) Kind() fault.Kind { return fault.Invalid }

// paramError builds a ParamError with a formatted message.
func paramError(param, format string, args ...any) error {
	return &ParamError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// paramCause builds a ParamError that reports err, a domain error, against
// param, with err's message.
func paramCause(param string, err error) error {
	return &ParamError{Param: param, Msg: err.Error(), Err: err}
}

// Sentinel errors that handlers return and writeError maps to statuses.
var (
	// ErrTooMany is data.police.uk's answer to a custom area holding more
	// than 10,000 crimes: HTTP 503.
	ErrTooMany = fault.New(fault.TooLarge, "more than 10,000 crimes in this area; use a smaller area or the /v1/ API")
	// ErrURITooLong is a GET to /api/ longer than data.police.uk takes:
	// HTTP 414.
	ErrURITooLong = fault.New(fault.TooLarge, "URL longer than 4,094 characters; POST the parameters instead")
	// ErrLoading is returned while the dataset is still being loaded.
	ErrLoading = fault.New(fault.Unavailable, "dataset is loading")
	// ErrRouteNotFound is an unknown path.
	ErrRouteNotFound = fault.New(fault.NotFound, "no such endpoint")
	// ErrMethod is a known path with an unsupported method.
	ErrMethod = fault.New(fault.Invalid, "method not allowed")
	// ErrMediaType is a POST body that is neither a form nor (Geo)JSON:
	// HTTP 415.
	ErrMediaType = fault.New(fault.Invalid, "unsupported Content-Type")
	// ErrBodyTimeout is a request body that did not arrive within the read
	// timeout: HTTP 408.
	ErrBodyTimeout = fault.New(fault.Invalid, "timed out reading the request body")
	// ErrBodyIncomplete is a request body that ended before its declared
	// length, the client having gone away: HTTP 400.
	ErrBodyIncomplete = fault.New(fault.Invalid, "request body ended early")
	// ErrBusy is a heavy request that found no free slot in time: HTTP 503
	// with Retry-After.
	ErrBusy = fault.New(fault.Unavailable, "too many heavy requests at once; retry shortly")
	// errPanicked is a handler's panic, logged where it was recovered.
	errPanicked = fault.New(fault.Internal, "handler panicked")
)

// kindStatus is the HTTP status of each kind of failure.
var kindStatus = [...]int{
	fault.Internal:        http.StatusInternalServerError,
	fault.Invalid:         http.StatusBadRequest,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.TooLarge:        http.StatusRequestEntityTooLarge,
	fault.Unavailable:     http.StatusServiceUnavailable,
	fault.Forbidden:       http.StatusForbidden,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.RateLimited:     http.StatusTooManyRequests,
}

// sentinelStatus overrides the status of the kind for the server's own
// errors whose status HTTP or data.police.uk names more exactly, and says
// after how many seconds those worth retrying may be retried.
var sentinelStatus = []struct {
	err        error
	status     int // 0 keeps the kind's
	retryAfter string
}{
	{ErrMethod, http.StatusMethodNotAllowed, ""},
	{ErrMediaType, http.StatusUnsupportedMediaType, ""},
	{ErrBodyTimeout, http.StatusRequestTimeout, ""},
	{ErrURITooLong, http.StatusRequestURITooLong, ""},
	// data.police.uk answers an area over its crime limit with 503.
	{ErrTooMany, http.StatusServiceUnavailable, ""},
	{ErrBusy, 0, "1"},
	{ErrLoading, 0, "5"},
}

// statusOf returns the status of an error of kind k and the Retry-After
// it carries, if any.
func statusOf(err error, k fault.Kind) (status int, retryAfter string) {
	status = http.StatusInternalServerError
	if int(k) < len(kindStatus) {
		status = kindStatus[k]
	}
	for _, s := range sentinelStatus {
		if errors.Is(err, s.err) {
			if s.status != 0 {
				status = s.status
			}
			return status, s.retryAfter
		}
	}
	return status, ""
}

type errorBody struct {
	Error string `json:"error"`
}

// writeError is the one place where errors become HTTP statuses: by their
// kind (fault.KindOf), refined by sentinelStatus, except for the failures
// that are no kind of the request's: a body over its cap, a broken
// connection, a panic, the time budget and a client gone away.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(w, r, err)
	writeJSON(w, r, status, errorBody{Error: msg})
}

// errorStatus classifies err for writeError and the HTML pages: the status,
// the message the client may see, and any Retry-After header.
func errorStatus(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	status := http.StatusInternalServerError
	msg := "internal error"
	kind := fault.KindOf(err)
	var pe *ParamError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
		status, msg = kindStatus[pe.Kind()], pe.Error()
	case errors.As(err, &tooLarge):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than the limit of %d bytes", tooLarge.Limit)
	case errors.Is(err, ErrBodyTimeout), errors.Is(err, ErrBodyIncomplete):
		// The client's connection failed, not the server: worth a trace
		// while debugging, not an alert. The cause is the server's own
		// business; the client gets the sentinel's words.
		cause := ErrBodyIncomplete
		if errors.Is(err, ErrBodyTimeout) {
			cause = ErrBodyTimeout
		}
		status, _ = statusOf(cause, fault.KindOf(cause))
		msg = cause.Error()
		slog.DebugContext(r.Context(), "request body", "method", r.Method, "path", r.URL.Path, "err", err)
	case kind != fault.Internal:
		var retryAfter string
		status, retryAfter = statusOf(err, kind)
		msg = err.Error()
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
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
	return status, msg
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

// writeJSONBytes writes an encoded JSON body.
func writeJSONBytes(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

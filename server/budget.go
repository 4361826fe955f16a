package server

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// budgetError is why a request's context ended at its time budget; writeError
// shows it.
type budgetError struct{ limit time.Duration }

func (e *budgetError) Error() string {
	return fmt.Sprintf("request took longer than %v, this server's limit; ask for a smaller area, fewer months or a coarser resolution", e.limit)
}

// timeBudget gives each request a deadline of Config.RequestTimeout (none
// when it is 0): the queries stop at it and the answer is 503.
func (s *Server) timeBudget(next http.Handler) http.Handler {
	limit := s.cfg.RequestTimeout
	if limit <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), limit, &budgetError{limit})
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Package fault owns crimemap's error vocabulary: the kinds of failure a
// caller can act on (invalid input, not found, conflict, too large,
// unavailable) and the way an error carries its kind through wrapping.
//
// Domain packages declare their sentinel errors with New, so each sentinel
// says what kind of failure it is, and wrap them with fmt.Errorf("...: %w")
// as usual; the kind survives any number of %w wraps. Only the HTTP layer
// turns a kind into a status, in one place. An error with no kind is an
// internal failure.
package fault

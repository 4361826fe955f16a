// Package loadtest drives a closed-loop HTTP load against a crimemap server on
// the loopback interface and reports latency percentiles per group of URLs.
//
// Closed loop means a fixed number of workers each send a request, read the
// whole body and send the next: the offered load adapts to the server, so the
// figures are latency under a concurrency, not under an arrival rate. Every
// request's latency is kept, so percentiles are exact, not estimated.
//
// Targets come from a file of lines "group<TAB>path-or-url" (ParseTargets);
// a line without a tab belongs to the group "all". Relative paths are
// resolved against a base URL. Only loopback hosts (127.0.0.0/8, ::1,
// localhost) are accepted, and every connection is checked to really reach a
// loopback address, so the tool cannot be pointed at someone else's server.
//
// Each worker keeps one HTTP/1.1 connection alive and speaks HTTP on it
// itself, so the client's own CPU per request stays small beside the
// server's on a shared machine (see client.go). Redirects are not followed.
//
// Transport errors and statuses >= 400 count as errors; 204 (empty tile) and
// 304 (not modified) are successes.
package loadtest

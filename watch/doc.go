// Package watch is the domain of Neighbourhood Watch: schemes and their
// areas, the applications and messages members of the public send them,
// the accounts and roles of the people who answer, the outbox of
// notification mail, the audit log of personal data read or changed by
// staff, and the neighbourhood team edits that override imported data.
//
// It declares the Store every back end implements and the rules that do
// not depend on one: validation with explicit size limits, password
// hashing, private-link tokens, and who may do what (Can). It imports no
// database driver and nothing of HTTP.
package watch

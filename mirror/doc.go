// Package mirror copies a police force's policing-team data from any server
// speaking the data.police.uk API (data.police.uk itself, or a crimemap)
// into a folder in neighbourhood's layout, which neighbourhood.LoadDir reads.
//
// For each force it fetches {force}/neighbourhoods, then each listed
// neighbourhood's detail, people, events, priorities and boundary; and
// forces, forces/{force} and forces/{force}/people where the server answers
// them. Answers are stored as received, once they parse as JSON of the
// expected shape, through neighbourhood.WriteFile, so a file in the folder is
// always whole.
//
// # Politeness
//
// Requests go through one token bucket (data.police.uk's published limit is
// 15 a second with bursts of 30, over which it answers 429). A 429, a 5xx, a
// network error or a timeout is tried again after an exponential backoff
// with jitter, or after the Retry-After the server sent, up to a bounded
// number of attempts; a Retry-After pauses every worker, since the server's
// bucket is shared by all of them.
//
// # Resuming
//
// A file that exists and parses is complete and is not fetched again unless
// Options.Refresh is set. Answers that are 404 or empty (the API has none for
// some neighbourhoods' teams, events or boundaries) are recorded in the
// folder's MissingFile, so a later run does not ask again either. A
// cancelled run leaves only whole files behind and the next run carries on.
package mirror

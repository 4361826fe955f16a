// Package synth writes synthetic street-level crime archives in the layout and
// CSV dialect of data.police.uk, for benchmarks and load tests at realistic
// scale.
//
// Generate writes DIR/YYYY-MM/YYYY-MM-<force>-street.csv for each month and
// each territorial force of England and Wales, with the twelve-column street
// header of current files. The output is a pure function of the Config: the
// same seed gives the same bytes, whatever the number of CPUs.
//
// The data imitates the shape of the real archive rather than any real crime:
// a fixed pool of anonymised snap points is drawn around real town and city
// centres (a mixture of Gaussians weighted by population, each town in its
// real force) over a thin rural background inside a rough England and Wales
// coastline; crimes pick snap points with a heavy-tailed popularity; crime
// types and outcomes follow the shares observed in real files. Anti-social
// behaviour has a blank Crime ID and outcome, other crimes a random 64-hex ID.
// A small share of rows has "No Location" and empty coordinates and LSOA.
// LSOA codes and names are invented (E01/W01 codes, "<Town> 001A" names).
// Each month writes the crime types of its era (six until 2011-08, eleven
// until 2013-04, fourteen since; see CategoryLabels). Config.History makes a
// long series realistic: volumes that grow over the years and follow the
// seasons, and snap points added, withdrawn and moved at yearly revisions of
// the anonymisation map.
//
// EnsureDir generates a dataset once into a cache directory and reuses it, so
// benchmarks across packages share one copy.
package synth

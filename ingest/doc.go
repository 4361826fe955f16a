// Package ingest reads data.police.uk files into a geo.Dataset.
//
// Load accepts single CSV files, folders in the archive layout
// (YYYY-MM/YYYY-MM-<force>-street.csv with -outcomes.csv and
// -stop-and-search.csv beside it) and the zip archive as data.police.uk
// distributes it. It never imports net/http.
//
// # Files and units
//
// A file's kind comes from its name (-street.csv, -outcomes.csv,
// -stop-and-search.csv); a CSV named otherwise is classified by its header.
// The unit of publication is one force's month, taken from a name of the form
// YYYY-MM-<force>-<kind>.csv. A street or outcomes file not named so is split
// into units by each row's Falls within (a standard force name in any case
// gives its data.police.uk id, any other name its geo.Slug) and Month.
// Stop-and-search rows carry neither, so such a file must be named so. Files
// are numbered in argument order and, within a folder or zip, in path order;
// of two files of one unit the later wins.
//
// # CSV dialect
//
// Files are RFC 4180 CSV, read as encoding/csv reads them with LazyQuotes
// off, plus the variants found in the archive:
//
//   - The first record is the header. Columns are matched by name, not
//     position, ignoring case and surrounding spaces, with spaces,
//     underscores and hyphens equivalent ("Crime ID" = "crime_id"). Unknown
//     columns are ignored.
//   - Lines end in "\n", "\r\n" or a lone "\r" (old spreadsheet exports); the
//     last line may lack one. Blank lines are skipped. A UTF-8 byte order
//     mark at the start of the file is dropped.
//   - A field may be quoted with '"'; inside it, commas and line breaks are
//     data and '""' is a quote. A quote inside an unquoted field, or text
//     after a closing quote, rejects the row.
//   - Every row has as many fields as the header. A street row one field
//     short is accepted when the missing field is the last column and that
//     column is Context (always empty in published data; extracts that trim
//     trailing empty fields drop it). Any other count rejects the row.
//   - A row that is not valid UTF-8 is rejected.
//
// Street columns: Crime ID (64 hex digits, another form, or empty for
// anti-social behaviour), Month (required, YYYY-MM), Reported by, Falls
// within, Longitude and Latitude (required columns; decimal degrees in
// -180..180 and -90..90, or both empty for a crime without a location;
// exponents are allowed, Inf, NaN and hex are not), Location, LSOA code, LSOA
// name, Crime type (required, not empty), Last outcome category, Context.
// Columns other than the required ones may be absent and read as empty.
// The 2010-2012 layout, with OSGB Easting and Northing instead of Longitude
// and Latitude, is refused with ErrMissingColumn.
//
// Outcomes columns: Crime ID (required column; rows with it empty are
// counted but cannot be joined), Month (required), Falls within, Outcome type
// (required, not empty); the location columns are ignored.
//
// Stop-and-search columns: Type (required, not empty), Date (required column,
// kept as written), Latitude and Longitude (required columns, as for street
// files), Part of a policing operation, Policing operation, Gender, Age range,
// Self-defined ethnicity, Officer-defined ethnicity, Legislation, Object of
// search, Outcome, Outcome linked to object of search, Removal of more than
// just outer clothing.
//
// A rejected row is reported as a *ParseError naming file, line and column,
// wrapping one of the row errors (ErrBadMonth, ErrBadCoordinate,
// ErrColumnCount, ...), counted by reason in the Summary, and skipped. Rows
// are never de-duplicated: identical rows are distinct crimes.
package ingest

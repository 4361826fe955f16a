// Package postcode holds the UK postcode directory in memory for lookups:
// every live and terminated postcode with its centroid, police force area,
// LSOA and country, read from the ONS Postcode Directory (ONSPD).
//
// The ONSPD is published quarterly on the ONS Open Geography Portal
// (geoportal.statistics.gov.uk, "ONS Postcode Directory") as a zip holding
// the national CSV, Data/ONSPD_<MON>_<YEAR>_UK.csv, about 2.7 million rows;
// LoadFile reads the zip as downloaded, or the CSV extracted from it. It is
// not shipped with crimemap. It is licensed under the Open Government
// Licence v3.0, and whatever shows it must carry the attributions:
//
//	Contains OS data © Crown copyright and database right <year>
//	Contains Royal Mail data © Royal Mail copyright and database right <year>
//	Source: Office for National Statistics licensed under the Open Government Licence v3.0
//
// Columns are read by header name, since each release adds some. A postcode
// written 99.999999, 0.000000 has no grid reference and is kept without a
// location; a terminated postcode (doterm set) still resolves, marked with
// its month. The LSOA is lsoa21, or lsoa11 where the file has no lsoa21
// column or leaves it empty for the row (as for Scottish postcodes).
//
// Limits: at most 65,536 distinct LSOA codes (ONSPD has about 44,000: LSOAs,
// Scottish data zones and Northern Irish areas), 256 police force area codes
// and 256 country codes, and 134,217,728 rows; a line of at most 4 MiB. A
// load beyond them fails with ErrTooManyCodes, ErrTooManyRows or
// ErrRecordTooLong.
package postcode

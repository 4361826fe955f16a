// Package ogc holds the parts of OGC API - Features (Part 1: Core) that do
// not depend on HTTP: the conformance classes served, the documents of the
// landing page and collections, and the datetime parameter read as months.
//
// Crimes are published by month, so a crime's time is the whole of its
// month: a datetime instant selects the month holding it, and an interval
// every month it touches.
package ogc

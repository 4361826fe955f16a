package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"crimemap/internal/testsupport"
)

// cityMonths is the shared City of London folder: eighteen months of
// street, outcomes and stop-and-search files, outcomes reaching back to
// crimes of earlier months.
const cityMonths = "city-of-london-2016-01_2017-06-street-outcomes-stopsearch"

// cityLat, cityLng are a place in the City of London the tests ask about.
const cityLat, cityLng = 51.5149, -0.0905

// TestAddedMonthAnswersAsOnePiece serves seventeen months of the City of
// London, drops the eighteenth month's files in and asks for a reload, and checks
// that the reload read only those files and that every answer (version,
// counts, listings and their cursors, tiles, hexes, outcome histories,
// stops) is byte for byte the answer of a server that loaded all eighteen
// months at once. So must a server started from a snapshot of the
// seventeen months with the eighteenth's files beside it, which adds them
// to the snapshot's dataset and extends its stored tile index; and, once
// the eighteenth month's street file is revised, that server reloaded,
// which adds the month to the snapshot's dataset again, against a server
// loading every file as they then are.
func TestAddedMonthAnswersAsOnePiece(t *testing.T) {
	if testing.Short() {
		t.Skip("serves the data twice")
	}
	tmp := t.TempDir()
	src, whole, grown, last := cityCopies(t, tmp, func(name string) bool { return strings.HasPrefix(name, "2017-06-") })
	snapFile := filepath.Join(tmp, "seventeen.snap")
	if err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-out", snapFile, grown}, io.Discard); err != nil {
		t.Fatal(err)
	}
	one := serveData(t, filepath.Join(tmp, "a"), whole)
	token := strings.Repeat("t0k3n", 8)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	ext := serveData(t, filepath.Join(tmp, "b"), grown, "-admin-token-file", tokenFile)
	want := waitHealth(t, one, func(h serveHealth) bool { return h.Version != "" })
	before := waitHealth(t, ext, func(h serveHealth) bool { return h.Version != "" })
	for _, n := range last {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(grown, filepath.Base(n)), string(b))
	}
	// One reload for the month's three files, asked for once they are all
	// there.
	askReload(t, ext, token)
	got := waitHealth(t, ext, func(h serveHealth) bool { return h.Version != before.Version })
	var detail struct {
		Reload struct {
			OK   bool   `json:"ok"`
			Read string `json:"read"`
		} `json:"reload"`
	}
	getJSON(t, ext+"/healthz", &detail)
	if !detail.Reload.OK || detail.Reload.Read != "added files" {
		t.Fatalf("reload %+v, want the added files read alone", detail.Reload)
	}
	if got.Version != want.Version || got.Crimes != want.Crimes {
		t.Fatalf("after the month was added: version %s, %d crimes; loaded whole: %s, %d", got.Version, got.Crimes, want.Version, want.Crimes)
	}
	// Asked every path twice: without limits.
	started := serveData(t, filepath.Join(tmp, "c"), grown, "-snapshot", snapFile, "-admin-token-file", tokenFile, "-rate-limit", "api=off,v1=off")
	if h := waitHealth(t, started, func(h serveHealth) bool { return h.Version != "" }); h.Version != want.Version {
		t.Fatalf("started from the snapshot and the added month: version %s, want %s", h.Version, want.Version)
	}

	urls := cityURLs(t, one)
	sameAnswers(t, urls, one, map[string]string{"reloaded with the month": ext, "started with the month": started})

	// The month's street file revised: a row in five gone.
	for _, dir := range []string{whole, grown} {
		f := filepath.Join(dir, "2017-06-city-of-london-street.csv")
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		var kept strings.Builder
		for i, l := range lines {
			if i == 0 || i%5 != 0 {
				kept.WriteString(l)
			}
		}
		writeFile(t, f, kept.String())
	}
	askReload(t, started, token)
	h := waitHealth(t, started, func(h serveHealth) bool { return h.Version != want.Version })
	getJSON(t, started+"/healthz", &detail)
	if !detail.Reload.OK || detail.Reload.Read != "revised crimes" {
		t.Fatalf("reload %+v, want the revised file applied in place", detail.Reload)
	}
	revised := serveData(t, filepath.Join(tmp, "d"), whole)
	if w := waitHealth(t, revised, func(h serveHealth) bool { return h.Version != "" }); w.Version != h.Version || w.Crimes != h.Crimes || w.Crimes >= want.Crimes {
		t.Fatalf("revised month: version %s, %d crimes; loaded whole: %s, %d (%d before)", h.Version, h.Crimes, w.Version, w.Crimes, want.Crimes)
	}
	// The cursors name the version: the revised dataset's own pages.
	urls = append(slices.DeleteFunc(slices.Clone(urls), func(u string) bool { return strings.Contains(u, "cursor=") }), nextPages(t, revised, urls[4], 3)...)
	sameAnswers(t, urls, revised, map[string]string{"revised month applied in place": started})

	// Revised again, a crime moved to a place no crime was at, which
	// cannot be applied in place: the month is added to the snapshot
	// again.
	for _, dir := range []string{whole, grown} {
		rewriteCSV(t, filepath.Join(dir, "2017-06-city-of-london-street.csv"), func(rows [][]string) [][]string {
			rows[1][4], rows[1][5] = "-0.0900", "51.5150"
			return rows
		})
	}
	askReload(t, started, token)
	h = waitHealth(t, started, func(s serveHealth) bool { return s.Version != h.Version })
	getJSON(t, started+"/healthz", &detail)
	if !detail.Reload.OK || detail.Reload.Read != "files added since the snapshot" {
		t.Fatalf("reload %+v, want the files added since the snapshot read alone", detail.Reload)
	}
	revised = serveData(t, filepath.Join(tmp, "d2"), whole)
	if w := waitHealth(t, revised, func(h serveHealth) bool { return h.Version != "" }); w.Version != h.Version || w.Crimes != h.Crimes {
		t.Fatalf("revised month: version %s, %d crimes; loaded whole: %s, %d", h.Version, h.Crimes, w.Version, w.Crimes)
	}
	urls = append(slices.DeleteFunc(urls, func(u string) bool { return strings.Contains(u, "cursor=") }), nextPages(t, revised, urls[4], 3)...)
	sameAnswers(t, urls, revised, map[string]string{"revised month added to the snapshot again": started})

	// An earlier month's street file published again, its crimes' outcomes
	// moved on: the served dataset takes the new outcomes alone.
	for _, dir := range []string{whole, grown} {
		moveOutcomesOn(t, filepath.Join(dir, "2016-09-city-of-london-street.csv"))
	}
	askReload(t, started, token)
	h = waitHealth(t, started, func(s serveHealth) bool { return s.Version != h.Version })
	getJSON(t, started+"/healthz", &detail)
	if !detail.Reload.OK || detail.Reload.Read != "revised outcomes" {
		t.Fatalf("reload %+v, want the revised outcomes read alone", detail.Reload)
	}
	restated := serveData(t, filepath.Join(tmp, "e"), whole)
	if w := waitHealth(t, restated, func(h serveHealth) bool { return h.Version != "" }); w.Version != h.Version || w.Crimes != h.Crimes {
		t.Fatalf("revised outcomes: version %s, %d crimes; loaded whole: %s, %d", h.Version, h.Crimes, w.Version, w.Crimes)
	}
	urls = append(slices.DeleteFunc(urls, func(u string) bool { return strings.Contains(u, "cursor=") }), nextPages(t, restated, urls[4], 3)...)
	urls = append(urls, "/api/crimes-street/all-crime?lat=51.5149&lng=-0.0905&date=2016-09",
		"/v1/counts?group_by=month&outcome=cautioned", "/v1/crimes?bbox=-0.1,51.51,-0.08,51.52&from=2016-09&to=2016-09&outcome=none")
	for z := 10; z <= 14; z += 2 {
		urls = append(urls, tileOf(z, cityLng, cityLat)+"?outcome=cautioned", tileOf(z, cityLng, cityLat)+"?from=2016-09&to=2016-09&outcome=none")
	}
	// A month's archive: the month's files, and an earlier month's street
	// file again with its outcomes moved on, in one reload.
	drop := filepath.Join(tmp, "drop")
	copyFiles := func(from, to string, keep func(name string) bool) {
		t.Helper()
		entries, err := os.ReadDir(from)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if keep(e.Name()) {
				b, err := os.ReadFile(filepath.Join(from, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(to, e.Name()), string(b))
			}
		}
	}
	const revisedFile = "2016-09-city-of-london-street.csv"
	copyFiles(whole, drop, func(n string) bool { return !strings.HasPrefix(n, "2017-06-") && n != revisedFile })
	copyFiles(src, drop, func(n string) bool { return n == revisedFile })
	archive := serveData(t, filepath.Join(tmp, "f"), drop, "-admin-token-file", tokenFile)
	before = waitHealth(t, archive, func(h serveHealth) bool { return h.Version != "" })
	dropSnap := filepath.Join(tmp, "drop.snap")
	if err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-out", dropSnap, drop}, io.Discard); err != nil {
		t.Fatal(err)
	}
	copyFiles(whole, drop, func(n string) bool { return strings.HasPrefix(n, "2017-06-") || n == revisedFile })
	askReload(t, archive, token)
	// The month first, then the republished file: two reloads, the last
	// reading the revised outcomes alone.
	h = waitHealth(t, archive, func(h serveHealth) bool {
		return h.Version != before.Version && h.Reload != nil && h.Reload.Read == "revised outcomes"
	})
	if !h.Reload.OK {
		t.Fatalf("reload %+v", *h.Reload)
	}
	_, metrics, _ := fetch(t, archive+"/metrics")
	if want := `crimemap_dataset_load_duration_seconds_count{kind="reload"} 2`; !strings.Contains(string(metrics), want) {
		t.Fatalf("metrics lack %s: the month and the republished file were not taken in a step each", want)
	}
	// The same archive beside a snapshot of the files before it: the start
	// takes the month in, and its first reload the republished file.
	beside := serveData(t, filepath.Join(tmp, "g"), drop, "-snapshot", dropSnap, "-rate-limit", "api=off,v1=off")
	want = waitHealth(t, restated, func(h serveHealth) bool { return h.Version != "" })
	h = waitHealth(t, beside, func(h serveHealth) bool { return h.Reload != nil && h.Reload.Read == "revised outcomes" })
	if !h.Reload.OK || h.Version != want.Version {
		t.Fatalf("started beside a month's archive: reload %+v, version %s, want %s", *h.Reload, h.Version, want.Version)
	}
	if _, metrics, _ = fetch(t, beside+"/metrics"); !strings.Contains(string(metrics), `crimemap_dataset_load_duration_seconds_count{kind="reload"} 1`) {
		t.Fatal("started beside a month's archive: not one reload after the start")
	}
	sameAnswers(t, urls, restated, map[string]string{"outcomes revised": started, "a month's archive": archive, "started beside a month's archive": beside})
}

// cityCopies copies the City of London's files from ../shared into
// tmp/whole, and those for which held is false into tmp/grown. It returns
// the shared folder, the two copies, and the shared files held back.
func cityCopies(t *testing.T, tmp string, held func(name string) bool) (src, whole, grown string, back []string) {
	t.Helper()
	src = filepath.Join(testsupport.Shared(t), cityMonths)
	names, err := filepath.Glob(filepath.Join(src, "*.csv"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no files in %s: %v", src, err)
	}
	whole, grown = filepath.Join(tmp, "whole"), filepath.Join(tmp, "grown")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(whole, filepath.Base(n)), string(b))
		if held(filepath.Base(n)) {
			back = append(back, n)
			continue
		}
		writeFile(t, filepath.Join(grown, filepath.Base(n)), string(b))
	}
	return src, whole, grown, back
}

// cityURLs returns the paths the City of London tests compare servers on:
// counts, listings and their later pages (from base), tiles and hexes at
// every zoom from 10, outcome histories of crimes of several months, and
// stops.
func cityURLs(t *testing.T, base string) []string {
	t.Helper()
	urls := []string{
		"/v1/meta",
		"/v1/counts?group_by=category,month",
		"/v1/counts?group_by=month&lat=51.5149&lng=-0.0905&radius_m=400",
		"/v1/counts?group_by=category&bbox=-0.1,51.51,-0.08,51.52&from=2016-06&to=2017-06&outcome=none",
		"/v1/crimes?lat=51.5149&lng=-0.0905&radius_m=800&from=2016-01&to=2017-06&limit=250",
		"/v1/crimes?lat=51.5149&lng=-0.0905&radius_m=500&from=2017-06&to=2017-06",
		"/v1/crimes?format=csv&bbox=-0.1,51.51,-0.08,51.52&from=2017-01&to=2017-06&category=theft-from-the-person,other-theft",
		"/v1/hex?res=9&from=2016-01&to=2017-06",
		"/v1/hex?res=8&from=2017-06&to=2017-06&format=csv",
		"/api/crimes-street/all-crime?lat=51.5149&lng=-0.0905&date=2017-06",
		"/api/crimes-street/all-crime?lat=51.5149&lng=-0.0905&date=2016-03",
		"/api/crimes-no-location?category=all-crime&force=city-of-london&date=2017-06",
		"/api/outcomes-at-location?lat=51.5149&lng=-0.0905&date=2016-09",
		"/api/crimes-street-dates",
		"/api/crime-last-updated",
		"/api/crime-categories?date=2017-06",
		"/api/stops-street?lat=51.5149&lng=-0.0905&date=2017-06",
		"/api/stops-force?force=city-of-london&date=2017-06",
	}
	for z := 10; z <= 16; z++ {
		tile := tileOf(z, cityLng, cityLat)
		hex := strings.Replace(tile, "/tiles/", "/tiles/hex/", 1)
		urls = append(urls, tile, tile+"?from=2016-01&to=2017-06", tile+"?from=2017-03&to=2017-06&category=other-theft",
			hex+"?from=2016-01&to=2017-06")
	}
	// Pages after the first, and the outcome histories of crimes of every
	// month, the later months' outcome files reaching back to them.
	urls = append(urls, nextPages(t, base, urls[4], 3)...)
	urls = append(urls, outcomeURLs(t, base, "2016-01", "2016-12", "2017-05")...)
	return urls
}

// moveOutcomesOn rewrites a street file with the last outcome of every
// third crime with a Crime ID moved on, as data.police.uk publishes a
// month's file again.
func moveOutcomesOn(t *testing.T, name string) {
	t.Helper()
	rewriteCSV(t, name, func(rows [][]string) [][]string {
		later := []string{"Investigation complete; no suspect identified", "Offender given a caution", "Unable to prosecute suspect"}
		moved := 0
		for i, row := range rows[1:] {
			if row[0] != "" && i%3 == 0 && row[10] != later[i%len(later)] {
				row[10] = later[i%len(later)]
				moved++
			}
		}
		if moved == 0 {
			t.Fatalf("%s: no outcome moved on", name)
		}
		return rows
	})
}

// rewriteCSV replaces a CSV file by the rows edit makes of its rows.
func rewriteCSV(t *testing.T, name string, edit func(rows [][]string) [][]string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(edit(rows)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, name, b.String())
}

// sameAnswers fetches every path of urls from want and from each server of
// got, and reports any answer that differs in status, body, ETag or Link.
func sameAnswers(t *testing.T, urls []string, want string, got map[string]string) {
	t.Helper()
	for _, u := range urls {
		ws, wb, wh := fetch(t, want+u)
		if ws != http.StatusOK {
			t.Errorf("%s: %d %s", u, ws, wb)
		}
		for how, srv := range got {
			gs, gb, gh := fetch(t, srv+u)
			if ws != gs || string(wb) != string(gb) || wh.Get("ETag") != gh.Get("ETag") || wh.Get("Link") != gh.Get("Link") {
				t.Errorf("%s: %s %d, %d bytes, ETag %s; loaded whole %d, %d bytes, ETag %s", u, how, gs, len(gb), gh.Get("ETag"), ws, len(wb), wh.Get("ETag"))
			}
		}
	}
}

// nextPages follows a listing's cursor for up to n pages and returns their
// paths.
func nextPages(t *testing.T, base, first string, n int) []string {
	t.Helper()
	var out []string
	u := first
	link := regexp.MustCompile(`^<([^>]+)>; rel="next"$`)
	for range n {
		_, _, h := fetch(t, base+u)
		m := link.FindStringSubmatch(h.Get("Link"))
		if m == nil {
			break
		}
		next, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		u = next.RequestURI()
		out = append(out, u)
	}
	if len(out) == 0 {
		t.Fatalf("%s has one page: no cursor to check", first)
	}
	return out
}

// outcomeURLs returns /api/outcomes-for-crime for a few crimes with a
// Crime ID in each month.
func outcomeURLs(t *testing.T, base string, months ...string) []string {
	t.Helper()
	id := regexp.MustCompile(`"persistent_id":"([0-9a-f]{64})"`)
	var out []string
	for _, m := range months {
		_, b, _ := fetch(t, base+"/api/crimes-street/all-crime?lat=51.5149&lng=-0.0905&date="+m)
		ids := id.FindAllStringSubmatch(string(b), -1)
		for i := 0; i < len(ids) && i < 40; i += 8 {
			out = append(out, "/api/outcomes-for-crime/"+ids[i][1])
		}
	}
	if len(out) == 0 {
		t.Fatal("no crime with a Crime ID to look up")
	}
	return out
}

// getJSON decodes the JSON body of u into v.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	_, b, _ := fetch(t, u)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}

// fetch gets u and returns its status, body and headers.
func fetch(t *testing.T, u string) (status int, body []byte, h http.Header) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

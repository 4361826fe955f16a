package postcode

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// onspdHeader is the national CSV's header in recent releases.
const onspdHeader = "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,sicbl,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,oa21,lsoa21,msoa21"

// genArea is a postcode area with a centre, a police force area code of the
// real form (E23000030 is Hampshire's) and its country.
type genArea struct {
	code     string
	lat, lng float64
	pfa      string
	ctry     byte // E, W, S or N
}

var genAreas = []genArea{
	{"AB", 57.15, -2.10, "S23000009", 'S'}, {"B", 52.48, -1.90, "E23000014", 'E'}, {"BN", 50.83, -0.14, "E23000033", 'E'},
	{"BS", 51.45, -2.59, "E23000036", 'E'}, {"BT", 54.60, -5.93, "N23000001", 'N'}, {"CB", 52.20, 0.12, "E23000023", 'E'},
	{"CF", 51.48, -3.18, "W15000003", 'W'}, {"CV", 52.41, -1.51, "E23000017", 'E'}, {"DD", 56.46, -2.97, "S23000009", 'S'},
	{"E", 51.53, -0.05, "E23000001", 'E'}, {"EC", 51.52, -0.09, "E23000034", 'E'}, {"EH", 55.95, -3.19, "S23000009", 'S'},
	{"EX", 50.72, -3.53, "E23000035", 'E'}, {"G", 55.86, -4.25, "S23000009", 'S'}, {"GU", 51.24, -0.57, "E23000031", 'E'},
	{"HU", 53.74, -0.33, "E23000012", 'E'}, {"L", 53.41, -2.98, "E23000004", 'E'}, {"LE", 52.64, -1.13, "E23000021", 'E'},
	{"LL", 53.22, -4.13, "W15000001", 'W'}, {"LS", 53.80, -1.55, "E23000010", 'E'}, {"M", 53.48, -2.24, "E23000005", 'E'},
	{"N", 51.56, -0.11, "E23000001", 'E'}, {"NE", 54.97, -1.61, "E23000007", 'E'}, {"NG", 52.95, -1.15, "E23000020", 'E'},
	{"NP", 51.59, -3.00, "W15000002", 'W'}, {"NR", 52.63, 1.30, "E23000025", 'E'}, {"OX", 51.75, -1.26, "E23000029", 'E'},
	{"PL", 50.38, -4.14, "E23000035", 'E'}, {"PO", 50.80, -1.09, "E23000030", 'E'}, {"RG", 51.45, -0.97, "E23000029", 'E'},
	{"S", 53.38, -1.47, "E23000011", 'E'}, {"SA", 51.62, -3.94, "W15000004", 'W'}, {"SE", 51.47, -0.06, "E23000001", 'E'},
	{"SO", 50.91, -1.40, "E23000030", 'E'}, {"SW", 51.47, -0.17, "E23000001", 'E'}, {"W", 51.51, -0.19, "E23000001", 'E'},
}

var genCountry = map[byte]string{'E': "E92000001", 'W': "W92000004", 'S': "S92000003", 'N': "N92000002"}

// unitLetters are the letters a postcode's unit uses.
const unitLetters = "ABDEFGHJLNPQRSTUWXYZ"

// writeONSPD writes n rows of a synthetic national CSV in ONSPD's exact
// layout: every column, every field quoted but lat, long and imd, CRLF line
// ends, about a quarter of the postcodes terminated and one in two hundred
// without a grid reference, codes in runs as the real file has them. Rows
// are in postcode order when sorted is set, else shuffled. each, when set,
// receives every row's record.
func writeONSPD(w io.Writer, n int, seed uint64, sorted bool, each func(Record)) error {
	rng := rand.New(rand.NewPCG(seed, 0x0115))
	const districts, sectors, units = 40, 10, len(unitLetters) * len(unitLetters)
	space := len(genAreas) * districts * sectors * units
	if n > space {
		return fmt.Errorf("at most %d rows", space)
	}
	type gen struct {
		key  Key
		area int
	}
	rows := make([]gen, 0, n)
	need := n
	for i := 0; i < space && need > 0; i++ {
		if rng.IntN(space-i) >= need {
			continue
		}
		need--
		u := i % units
		s := i / units % sectors
		d := i/(units*sectors)%districts + 1
		a := i / (units * sectors * districts)
		pc := fmt.Sprintf("%s%d%d%c%c", genAreas[a].code, d, s, unitLetters[u/len(unitLetters)], unitLetters[u%len(unitLetters)])
		k, ok := parseKey(pc)
		if !ok {
			return fmt.Errorf("generated %q", pc)
		}
		rows = append(rows, gen{k, a})
	}
	if sorted {
		slices.SortFunc(rows, func(a, b gen) int { return cmp.Compare(a.key, b.key) })
	} else {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(onspdHeader + "\r\n")
	var b []byte
	q := func(s string) { b = append(b, '"'); b = append(b, s...); b = append(b, '"', ',') }
	for _, g := range rows {
		ar := genAreas[g.area]
		c := string(ar.ctry)
		pcds := g.key.String()
		rec := Record{Postcode: pcds, PFA: ar.pfa, Country: genCountry[ar.ctry]}
		// An LSOA holds the postcodes of one part of a sector.
		lsoa := fmt.Sprintf("%s01%06d", c, (uint64(g.key)/400)%40_000)
		rec.LSOA = lsoa
		lat, lng := "99.999999", "0.000000"
		if rng.IntN(200) != 0 {
			rec.HasLocation = true
			la := int64(ar.lat*1e6) + rng.Int64N(200_000) - 100_000
			lo := int64(ar.lng*1e6) + rng.Int64N(200_000) - 100_000
			rec.Lat, rec.Lng = float64(la)/1e6, float64(lo)/1e6
			lat, lng = micro(la), micro(lo)
		}
		doterm := ""
		if rng.IntN(4) == 0 {
			doterm = fmt.Sprintf("%04d%02d", 1981+rng.IntN(44), 1+rng.IntN(12))
			rec.Terminated, rec.TerminatedMonth = true, doterm
		}
		if each != nil {
			each(rec)
		}
		out, in := pcds[:len(pcds)-4], pcds[len(pcds)-3:]
		b = b[:0]
		q(fmt.Sprintf("%-4s%s", out, in))
		q(fmt.Sprintf("%-4s %s", out, in))
		q(pcds)
		q("198001")
		q(doterm)
		for _, s := range []string{"99999999", "99999999", "06000045", "05002470", "43000000"} {
			q(c + s)
		}
		q("0")
		q(strconv.Itoa(400000 + rng.IntN(100000)))
		q(fmt.Sprintf("%07d", 100000+rng.IntN(900000)))
		q("1")
		q(c + "18000010")
		q(c + "40000005")
		q(rec.Country)
		for _, s := range []string{"12000008", "0", "14000959", "15000008", "24000019", "30000264", "16000114", "06000045"} {
			if s == "0" {
				q(s)
			} else {
				q(c + s)
			}
		}
		q("37UFGD")
		q(c + "00086810")
		q("00MSPX")
		q(c + "99999999")
		q(lsoa)
		q(c + "02003556")
		q("5")
		q("3C1")
		q(c + "00086810")
		q(lsoa)
		q(c + "02003556")
		q(c + "33041876")
		q(c + "38000167")
		q(c + "34004911")
		q(c + "35001185")
		q("A1")
		q("2B1")
		b = append(b, lat...)
		b = append(b, ',')
		b = append(b, lng...)
		b = append(b, ',')
		q(c + "37000040")
		q("")
		q(ar.pfa)
		b = strconv.AppendInt(b, int64(1+rng.IntN(32844)), 10)
		b = append(b, ',')
		q(c + "56000007")
		q(c + "54000042")
		q(c + "00086810")
		q(lsoa)
		q(c + "02003556")
		b[len(b)-1] = '\r'
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// micro writes millionths of a degree with six decimals.
func micro(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%06d", sign, v/1e6, v%1e6)
}

// onspdFile returns a generated national CSV of n rows, written once into
// the temporary folder and reused by later runs.
func onspdFile(n int) (string, error) {
	p := filepath.Join(os.TempDir(), fmt.Sprintf("crimemap-onspd-v2-%d.csv", n))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	tmp, err := os.CreateTemp(os.TempDir(), "crimemap-onspd-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := writeONSPD(tmp, n, 1, true, nil); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return p, os.Rename(tmp.Name(), p)
}

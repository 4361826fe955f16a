package postcode

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"
)

const (
	// blockSize is the unit of parallel parsing: whole lines, cut at the
	// last line break that fits.
	blockSize = 4 << 20
	// maxLine bounds one line, so input without line breaks cannot
	// exhaust memory: a line must fit in a block.
	maxLine = blockSize
	// firstBuf is the first read, enough for the header and a small file.
	firstBuf = 64 << 10
	// logCap is how many rejected rows are logged; the rest are counted.
	logCap = 20
)

// Options tune Load.
type Options struct {
	// Name is the input's name in errors and the summary; LoadFile sets
	// it to the path.
	Name string
	// Workers is how many goroutines parse; 0 means GOMAXPROCS.
	Workers int
	// Logger receives the first rejected rows; nil means slog.Default().
	Logger *slog.Logger
	// OnReject, when set, is called for every rejected row, in line
	// order, from Load's goroutine.
	OnReject func(*ParseError)
}

var bom = []byte("\xEF\xBB\xBF")

// LoadFile loads the directory from a CSV file or a zip archive (told apart
// by their first bytes, not the name). From a zip it reads the largest
// member directly in a folder named Data (ONSPD zips hold the national
// Data/ONSPD_<MON>_<YEAR>_UK.csv there, the per-area files in
// Data/multi_csv/, and lookup tables in Documents/), or, when there is
// none, the zip's only CSV.
func LoadFile(ctx context.Context, name string, opt Options) (*Directory, *Summary, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("postcodes: %w", err)
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("postcodes %s: %w", name, err)
	}
	if opt.Name == "" {
		opt.Name = name
	}
	if n == 4 && string(magic[:]) == "PK\x03\x04" {
		return loadZip(ctx, f, name, opt)
	}
	return Load(ctx, f, opt)
}

func loadZip(ctx context.Context, f *os.File, name string, opt Options) (*Directory, *Summary, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("postcodes %s: %w", name, err)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("postcodes %s: %w", name, err)
	}
	m, err := pickMember(zr.File)
	if err != nil {
		return nil, nil, fmt.Errorf("postcodes %s: %w", name, err)
	}
	rc, err := m.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("postcodes %s!%s: %w", name, m.Name, err)
	}
	defer rc.Close()
	opt.Name = opt.Name + "!" + m.Name
	return Load(ctx, rc, opt)
}

// pickMember chooses the national CSV of an ONSPD zip (see LoadFile).
func pickMember(files []*zip.File) (*zip.File, error) {
	var best, only *zip.File
	csvs := 0
	for _, f := range files {
		if f.FileInfo().IsDir() || !strings.HasSuffix(strings.ToLower(f.Name), ".csv") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		csvs++
		only = f
		if strings.EqualFold(path.Dir(f.Name), "Data") && (best == nil || f.UncompressedSize64 > best.UncompressedSize64) {
			best = f
		}
	}
	switch {
	case best != nil:
		return best, nil
	case csvs == 1:
		return only, nil
	}
	return nil, fmt.Errorf("%w (%d CSV members)", ErrNoDirectoryCSV, csvs)
}

// block is a run of whole lines to parse.
type block struct {
	seq  int
	data []byte
	buf  []byte // the buffer holding data, for reuse
}

// Load reads the ONSPD national CSV: columns by header name (pcds, lat,
// long, doterm, pfa, ctry, and lsoa21 or lsoa11; the rest are ignored), LF
// or CRLF line endings, an optional UTF-8 byte-order mark. A malformed row is
// reported with its line, counted in the summary and skipped; the first of
// two rows for one postcode is kept. Blocks of lines are parsed in parallel.
func Load(ctx context.Context, r io.Reader, opt Options) (*Directory, *Summary, error) {
	start := time.Now()
	if opt.Name == "" {
		opt.Name = "postcodes"
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	fail := func(err error) (*Directory, *Summary, error) {
		return nil, nil, fmt.Errorf("postcodes %s: %w", opt.Name, err)
	}

	// The first buffer holds the header line. It starts small, so a small
	// input costs little, and grows to a block when the input goes on.
	buf := make([]byte, firstBuf)
	n, eof, err := fill(r, buf, 0)
	if err == nil && !eof {
		grown := make([]byte, blockSize)
		copy(grown, buf[:n])
		buf = grown
		n, eof, err = fill(r, buf, n)
	}
	if err != nil {
		return fail(err)
	}
	data := buf[:n]
	hdrLen := len(bom)
	if !bytes.HasPrefix(data, bom) {
		hdrLen = 0
	}
	lf := bytes.IndexByte(data[hdrLen:], '\n')
	var hdr []byte
	switch {
	case lf >= 0:
		hdr, hdrLen = data[hdrLen:hdrLen+lf], hdrLen+lf+1
	case eof:
		hdr, hdrLen = data[hdrLen:], len(data)
	default:
		return fail(ErrRecordTooLong)
	}
	ncol, slot, err := readHeader(hdr)
	if err != nil {
		return fail(err)
	}

	// The producer cuts the input into blocks of whole lines; workers
	// parse them into chunks, kept by sequence number.
	free := &buffers{free: make(chan []byte, workers+2), left: workers + 1}
	blocks := make(chan block, workers)
	var (
		mu     sync.Mutex
		chunks []*chunk
		wg     sync.WaitGroup
	)
	for range workers {
		w := &worker{sp: newSplitter(ncol, slot), tabs: &tables{newTable(), newTable(), newTable()}}
		wg.Go(func() {
			for b := range blocks {
				c := w.parse(b.data)
				free.put(b.buf)
				mu.Lock()
				if b.seq >= len(chunks) {
					chunks = append(chunks, make([]*chunk, b.seq+1-len(chunks))...)
				}
				chunks[b.seq] = c
				mu.Unlock()
			}
		})
	}
	perr := produce(ctx, r, blocks, free, buf, hdrLen, n, eof)
	close(blocks)
	wg.Wait()
	if perr != nil {
		return fail(perr)
	}

	d, sum, err := assemble(chunks, opt, log)
	if err != nil {
		return fail(err)
	}
	sum.Elapsed = time.Since(start)
	return d, sum, nil
}

// fill reads into buf[n:] until it is full or the input ends.
func fill(r io.Reader, buf []byte, n int) (int, bool, error) {
	m, err := io.ReadFull(r, buf[n:])
	n += m
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return n, true, nil
	}
	if err != nil {
		return n, false, fmt.Errorf("read: %w", err)
	}
	return n, false, nil
}

// buffers hands out at most a fixed number of block buffers, allocated
// when first needed.
type buffers struct {
	free chan []byte
	left int // buffers yet to allocate; only the producer reads it
}

func (b *buffers) get() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
	}
	if b.left > 0 {
		b.left--
		return make([]byte, blockSize)
	}
	return <-b.free
}

func (b *buffers) put(buf []byte) { b.free <- buf }

// produce sends the input as blocks of whole lines. cur holds n bytes
// already read, of which the first from are consumed.
func produce(ctx context.Context, r io.Reader, blocks chan<- block, free *buffers, cur []byte, from, n int, eof bool) error {
	for seq := 0; ; seq++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		data := cur[:n]
		if eof {
			blocks <- block{seq: seq, data: data[from:], buf: cur}
			return nil
		}
		lf := bytes.LastIndexByte(data[from:], '\n')
		if lf < 0 {
			return ErrRecordTooLong
		}
		cut := from + lf + 1
		next := free.get()
		rest := copy(next, data[cut:])
		blocks <- block{seq: seq, data: data[from:cut], buf: cur}
		var err error
		cur, from = next, 0
		if n, eof, err = fill(r, cur, rest); err != nil {
			return err
		}
	}
}

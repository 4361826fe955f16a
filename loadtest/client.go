package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// A worker sends its requests itself over one kept-alive HTTP/1.1
// connection rather than through net/http's Transport. The Transport passes
// each request and response between three goroutines (the caller's, a
// write loop and a read loop), and at one connection those wake-ups made
// the client cost half as much CPU as the server it measured, on the same
// two cores. Here the caller writes the request bytes, prepared once per
// target, and reads the answer into a buffer large enough for a listing in
// a few reads.

// readBuffer is the size of a worker's reads of response bodies: a dense
// one-mile listing is 300-900 KB.
const readBuffer = 1 << 20

// preparedTarget is a target's request, encoded once.
type preparedTarget struct {
	url        string
	addr       string // host:port to dial
	serverName string // for TLS; "" for plain HTTP
	req        []byte // the request line and headers
}

func prepareTargets(ts []Target, h http.Header) ([]preparedTarget, error) {
	out := make([]preparedTarget, len(ts))
	for i, t := range ts {
		u, err := url.Parse(t.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrInvalidConfig, t.URL, err)
		}
		port := u.Port()
		p := preparedTarget{url: t.URL}
		if u.Scheme == "https" {
			p.serverName = u.Hostname()
			if port == "" {
				port = "443"
			}
		} else if port == "" {
			port = "80"
		}
		p.addr = net.JoinHostPort(u.Hostname(), port)
		var b bytes.Buffer
		fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: crimemap-bench\r\n", u.RequestURI(), u.Host)
		if err := h.Write(&b); err != nil {
			return nil, fmt.Errorf("loadtest: request header: %w", err)
		}
		b.WriteString("\r\n")
		p.req = b.Bytes()
		out[i] = p
	}
	return out, nil
}

// client is one worker's connection.
type client struct {
	timeout time.Duration
	dialer  net.Dialer
	br      *bufio.Reader
	buf     []byte

	mu      sync.Mutex // guards conn against interrupt
	conn    net.Conn
	addr    string // what conn is connected to
	stopped bool
}

func newClient(timeout time.Duration) *client {
	return &client{
		timeout: timeout,
		dialer:  net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		br:      bufio.NewReaderSize(nil, 64<<10),
		buf:     make([]byte, readBuffer),
	}
}

// interrupt ends the request under way, when the run's context ends.
func (c *client) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.conn != nil {
		_ = c.conn.SetDeadline(time.Unix(1, 0))
	}
}

func (c *client) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// dial connects to t's address, refusing any connection that does not
// reach a loopback address, whatever "localhost" resolves to.
func (c *client) dial(ctx context.Context, t *preparedTarget) error {
	nc, err := c.dialer.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return err
	}
	if ta, ok := nc.RemoteAddr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		nc.Close()
		return fmt.Errorf("%w: connected to %s", ErrNotLoopback, nc.RemoteAddr())
	}
	if t.serverName != "" {
		tc := tls.Client(nc, &tls.Config{ServerName: t.serverName, NextProtos: []string{"http/1.1"}})
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return fmt.Errorf("tls: %w", err)
		}
		nc = tc
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		nc.Close()
		return ctx.Err()
	}
	c.conn, c.addr = nc, t.addr
	c.br.Reset(nc)
	return nil
}

// do sends t's request and reads the whole answer, returning the body's
// length as received and the status.
func (c *client) do(ctx context.Context, t *preparedTarget) (int64, int, error) {
	if c.conn != nil && c.addr != t.addr {
		c.close()
	}
	reused := c.conn != nil
	n, status, got, err := c.roundTrip(ctx, t)
	if err != nil && reused && !got && ctx.Err() == nil {
		// The server closed the idle connection as the request went out;
		// a GET is safe to send again on a new one, as the Transport does.
		n, status, _, err = c.roundTrip(ctx, t)
	}
	return n, status, err
}

// roundTrip is do on the current connection, or a new one; got reports
// whether any of the answer arrived.
func (c *client) roundTrip(ctx context.Context, t *preparedTarget) (n int64, status int, got bool, err error) {
	if c.conn == nil {
		if err := c.dial(ctx, t); err != nil {
			return 0, 0, false, err
		}
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return 0, 0, false, err
	}
	// interrupt runs once ctx has ended, so a deadline set above after it
	// ran is seen here.
	if err := ctx.Err(); err != nil {
		return 0, 0, false, err
	}
	if _, err := c.conn.Write(t.req); err != nil {
		return 0, 0, false, err
	}
	// Nothing at all comes back when the server had closed the connection;
	// ReadResponse would report that as an unexpected EOF.
	if _, err := c.br.Peek(1); err != nil {
		return 0, 0, !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET), err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, 0, true, err
	}
	for {
		k, rerr := resp.Body.Read(c.buf)
		n += int64(k)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return n, resp.StatusCode, true, rerr
		}
	}
	resp.Body.Close()
	if resp.Close {
		c.close()
	}
	return n, resp.StatusCode, true, nil
}

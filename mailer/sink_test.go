package mailer

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server on 127.0.0.1 that keeps what it receives.
type sink struct {
	mu   sync.Mutex
	got  []received
	addr string
	ln   net.Listener
	srv  *smtp.Server
}

type received struct {
	from string
	to   []string
	msg  *mail.Message
	body string
}

// startSink listens on addr ("127.0.0.1:0" for any port) until the test
// ends or stop is called.
func startSink(t *testing.T, addr string) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{addr: ln.Addr().String(), ln: ln}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s}, nil
	}))
	s.srv.Domain = "localhost"
	go s.srv.Serve(ln)
	t.Cleanup(s.stop)
	return s
}

// stop closes the listener itself too: Server.Close misses one that
// Serve has not registered yet.
func (s *sink) stop() {
	s.ln.Close()
	s.srv.Close()
}

func (s *sink) mails() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

type sinkSession struct {
	s   *sink
	cur received
}

func (ss *sinkSession) Reset()        { ss.cur = received{} }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.cur.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.cur.to = append(ss.cur.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	ss.cur.msg, ss.cur.body = m, string(body)
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, ss.cur)
	ss.s.mu.Unlock()
	return nil
}

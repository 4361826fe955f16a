// Package mailer delivers the Neighbourhood Watch outbox over SMTP.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"crimemap/watch"
)

// sendTimeout bounds one connection to the relay, dial to QUIT.
const sendTimeout = 30 * time.Second

// SMTP sends mail through one relay, one connection per batch.
type SMTP struct {
	host string
	port int
	from string
	opts []gomail.Option
}

// NewSMTP reads a relay URL, smtp://user:pass@host:port (STARTTLS when
// the relay offers it, port 587 by default) or smtps://… (TLS from the
// first byte, port 465 by default), and the From address of every mail.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the URL, password included.
		return nil, errors.New("smtp: malformed URL")
	}
	if _, err := mail.ParseAddress(from); err != nil || from == "" {
		return nil, fmt.Errorf("smtp: from address %q: invalid", from)
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("smtp: URL has no host")
	}
	opts := []gomail.Option{gomail.WithTimeout(sendTimeout)}
	port := 587
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp: scheme %q: want smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("smtp: port %q: invalid", p)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{host: host, port: port, from: from, opts: opts}, nil
}

// Addr is the relay's host and port, for logs; it never holds the
// credentials.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Send delivers one mail. Its Message-ID derives from the outbox id, so a
// mail sent again after a lost acknowledgement can be recognised as the
// same one by the recipient's client.
func (s *SMTP) Send(ctx context.Context, m watch.OutboxMail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail %d: from: %w", m.ID, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail %d: recipient: %w", m.ID, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(fmt.Sprintf("outbox.%d.%d@crimemap", m.ID, m.Created.UnixMicro()))
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail %d: %w", m.ID, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail %d: send: %w", m.ID, err)
	}
	return nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"crimemap/store"
	"crimemap/watch"
)

func init() {
	register("users", "Neighbourhood Watch accounts: add --role admin|staff|coordinator EMAIL", runUsers)
}

// stdin is where users add reads a password; tests replace it.
var stdin io.Reader = os.Stdin

func runUsers(ctx context.Context, args []string, stdout io.Writer) error {
	var dsn, role, force *string
	var fromStdin *bool
	sub, email, _, err := subcommand("users", args, "add", func(_ string, fs *flag.FlagSet) {
		dsn = dbFlag(fs)
		role = fs.String("role", "", "admin, staff or coordinator (required)")
		force = fs.String("force", "", "the force of a staff account")
		fromStdin = fs.Bool("password-stdin", false, "read the password from the first line of stdin; otherwise one is generated and printed once")
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), "usage: crimemap users add --role admin|staff|coordinator [--force ID] [--password-stdin] [--db DSN] EMAIL")
			fs.PrintDefaults()
		}
	})
	if err != nil {
		return err
	}
	if sub != "add" {
		return fmt.Errorf("users: unknown %q: add", sub)
	}
	if email == "" || *role == "" {
		return errors.New("users add: --role and EMAIL are required")
	}
	password, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, watch.MaxPassword+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("users add: reading the password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		if password, err = watch.GeneratePassword(); err != nil {
			return err
		}
		generated = true
	}
	hash, err := watch.HashPassword(password)
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	s, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, watch.User{Email: email, PasswordHash: hash, Role: watch.Role(*role), Force: *force, Created: time.Now()})
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	if _, err := fmt.Fprintf(stdout, "added %s %s (id %d)\n", u.Role, u.Email, u.ID); err != nil {
		return err
	}
	if generated {
		_, err = fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return err
}

package watch

import (
	"bytes"
	"strings"
	"testing"

	"crimemap/fault"
)

func TestPasswordHash(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	h2, _ := HashPassword(pw)
	if h == h2 {
		t.Fatal("two hashes of one password share a salt")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{pw, true}, {pw + " ", false}, {"", false}, {strings.Repeat("x", MaxPassword+1), false}} {
		ok, err := VerifyPassword(h, c.pw)
		if err != nil || ok != c.want {
			t.Errorf("verify %.20q: %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		pw   string
		kind fault.Kind
	}{
		{"short", fault.Invalid},
		{"ééééééééééé", fault.Invalid}, // 11 characters, 22 bytes
		{strings.Repeat("a", MaxPassword+1), fault.TooLarge},
	} {
		if _, err := HashPassword(c.pw); !fault.Is(err, c.kind) {
			t.Errorf("%.20q: %v, want %v", c.pw, err, c.kind)
		}
	}
}

func TestVerifyPasswordRejectsBadHashes(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$2a$10$bcryptbcryptbcrypt", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", // a key too short to be one
		"$argon2id$v=19$m=19456,t=11,p=1$c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		if ok, err := VerifyPassword(h, "whatever password"); ok || err == nil {
			t.Errorf("%q: %v, %v; want an error", h, ok, err)
		}
	}
}

// FuzzParsePHC checks that no stored hash string panics the parser or
// gets past it with parameters beyond the bounds.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=262145,t=2,p=1$c2FsdA$a2V5")
	f.Fuzz(func(t *testing.T, hash string) {
		p, err := parsePHC(hash)
		if err == nil && (p.memory > maxArgonMemoryKiB || p.time > maxArgonTime || len(p.key) > 128) {
			t.Fatalf("accepted %+v", p)
		}
	})
}

func TestTokens(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || !bytes.Equal(hash, HashToken(tok)) || bytes.Contains(hash, []byte(tok)) {
		t.Fatalf("token %q hash %x", tok, hash)
	}
	tok2, _, _ := NewToken()
	if tok == tok2 {
		t.Fatal("two tokens alike")
	}
	if p, err := GeneratePassword(); err != nil || CheckPassword(p) != nil {
		t.Fatalf("generated password %q: %v", p, err)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

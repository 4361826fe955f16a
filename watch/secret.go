package watch

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum for argon2id (19 MiB, 2 passes, 1
// lane), which keeps a sign-in near 30 ms on one core.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// ErrBadHash is a stored password hash this package cannot read.
var ErrBadHash = fmt.Errorf("password hash: unreadable: %w", ErrInvalid)

// HashPassword returns the argon2id hash of password as a PHC string:
// $argon2id$v=19$m=...,t=...,p=...$salt$key, in unpadded base64.
func HashPassword(password string) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword enforces the password policy: long enough to resist
// guessing, short enough that hashing it costs nothing extra.
func CheckPassword(password string) error {
	if len(password) > MaxPassword {
		return fmt.Errorf("password: more than %d bytes: %w", MaxPassword, ErrTooLarge)
	}
	if utf8.RuneCountInString(password) < MinPassword {
		return invalid("password", "fewer than %d characters", MinPassword)
	}
	return nil
}

// VerifyPassword reports whether password matches a hash from
// HashPassword, comparing in constant time. The parameters come from the
// hash, so hashes made before a change of parameters still verify.
func VerifyPassword(hash, password string) (bool, error) {
	p, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPassword {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(got, p.key) == 1, nil
}

// phc is a parsed argon2id hash.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// Bounds on the parameters a stored hash may ask for, so a corrupt or
// planted hash cannot make one sign-in take gigabytes or minutes.
const (
	maxArgonMemoryKiB = 256 * 1024
	maxArgonTime      = 10
)

func parsePHC(hash string) (phc, error) {
	var p phc
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, ErrBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.memory == 0 || p.memory > maxArgonMemoryKiB || p.time == 0 || p.time > maxArgonTime || p.threads == 0 {
		return p, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	var err error
	if p.salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, ErrBadHash
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 128 {
		return p, ErrBadHash
	}
	return p, nil
}

// tokenBytes is the entropy of a token: 256 bits, beyond guessing.
const tokenBytes = 32

// NewToken returns a fresh token for a private link or a session, and the
// hash under which the store keeps it. The token is shown once and never
// stored, so a copy of the database does not open anyone's link.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token. A token carries 256 random
// bits, so one SHA-256 pass suffices: there is nothing to guess that a
// slow hash would protect.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// GeneratePassword returns a random password for an account made without
// one, to be shown once.
func GeneratePassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

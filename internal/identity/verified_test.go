package identity

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// A token's signature is checked once; every other check runs on each
// request, so a cached token still expires.
func TestVerifiedTokensCache(t *testing.T) {
	f := newFixture(t, testBase)
	tok := f.token(t, testBase+"//.default")
	if _, err := f.is.Authenticate(bearer(tok)); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.is.verified.get(tok); !ok {
		t.Fatal("a verified token was not remembered")
	}
	if _, err := f.is.Authenticate(bearer(tamper(t, tok))); err == nil {
		t.Fatal("a tampered token was accepted")
	}
	if _, ok := f.is.verified.get(tamper(t, tok)); ok {
		t.Fatal("a token that failed verification was remembered")
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.is.Authenticate(bearer(tok)); err == nil {
		t.Fatal("a remembered token outlived its expiry")
	}
}

func TestVerifiedTokensBounded(t *testing.T) {
	var v verifiedTokens
	for i := 0; i < maxVerified+10; i++ {
		v.put(string(rune(i)), accessClaims{})
	}
	if n := len(v.m); n > maxVerified {
		t.Fatalf("%d tokens remembered, limit %d", n, maxVerified)
	}
}

// BenchmarkAuthenticate is the cost of authenticating a request whose
// token was seen before (the usual case: clients reuse a token for an hour).
func BenchmarkAuthenticate(b *testing.B) {
	d, err := LoadOrCreateDirectory(filepath.Join(b.TempDir(), "d.json"))
	if err != nil {
		b.Fatal(err)
	}
	is, err := NewIssuer(Config{Dir: b.TempDir(), BaseURL: testBase, Directory: d, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := is.mint(d.Principals()[0], testBase+"/")
	if err != nil {
		b.Fatal(err)
	}
	req := bearer(tok)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := is.Authenticate(req); err != nil {
			b.Fatal(err)
		}
	}
}

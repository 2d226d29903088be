package nodeagent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	mrand "math/rand/v2"
	"time"
)

// Retry delays: the first retries are quick because a node usually starts
// while its control plane is still coming up.
const (
	backoffMin = 250 * time.Millisecond
	backoffMax = 8 * time.Second
)

// backoff yields exponentially growing, jittered retry delays.
type backoff struct{ cur time.Duration }

func (b *backoff) next() time.Duration {
	if b.cur < backoffMin {
		b.cur = backoffMin
	} else {
		b.cur = min(2*b.cur, backoffMax)
	}
	// ±20% jitter so the nodes of a pool do not retry in lockstep.
	j := time.Duration(mrand.Int64N(int64(b.cur)*2/5+1)) - b.cur/5
	return b.cur + j
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits for d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// failures logs a streak of errors of one activity without flooding the log:
// a warning for the first, debug for the rest, and info on recovery.
type failures struct{ n int }

func (f *failures) fail(log *slog.Logger, what string, err error) {
	f.n++
	if f.n == 1 {
		log.Warn(what+" failed; retrying", "err", err)
		return
	}
	log.Debug(what+" failed again", "err", err, "failures", f.n)
}

// ok ends a streak; it reports whether there was one.
func (f *failures) ok(log *slog.Logger, what string) bool {
	if f.n == 0 {
		return false
	}
	log.Info(what+" recovered", "failures", f.n)
	f.n = 0
	return true
}

// randomUUID returns a random (version 4) UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuidFrom(hex.EncodeToString(b[:]))
}

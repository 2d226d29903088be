package cli

import (
	"context"
	"fmt"
	"time"
)

// withProgress runs fn, showing az's "- Running .." spinner on stderr while
// it runs when stderr is a terminal, and nothing otherwise.
func (a *App) withProgress(ctx context.Context, fn func(ctx context.Context) error) error {
	if !isTerminal(a.Stderr) || a.OnlyErrors {
		return fn(ctx)
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		frames := []string{"|", "/", "-", "\\"}
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				fmt.Fprint(a.Stderr, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprintf(a.Stderr, "\r%s Running ..", frames[i%len(frames)])
			}
		}
	}()
	err := fn(ctx)
	close(done)
	<-stopped // the line is cleared before anything else is printed
	return err
}

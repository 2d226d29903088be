package features

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/arm"
	"github.com/aksbox/aksbox/internal/store"
)

func TestLookupIsCaseInsensitive(t *testing.T) {
	ns, name, err := lookup("microsoft.containerservice", "aksprivatelinkpreview")
	if err != nil || ns != "Microsoft.ContainerService" || name != "AKSPrivateLinkPreview" {
		t.Fatalf("%s %s %v", ns, name, err)
	}
	if _, _, err := lookup("Microsoft.ContainerService", "Nope"); arm.AsError(err).Code != "FeatureNotFound" {
		t.Fatalf("unknown feature: %v", err)
	}
}

// State moves from Registering to Registered once the delay has passed,
// computed from the stored start time (so it also holds across restarts).
func TestRegistrationDelay(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := New(st, arm.NewCatalog(), Options{RegistrationDelay: 300 * time.Millisecond}, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	if s, _ := p.State(ctx, "sub", "Microsoft.ContainerService", "AKSPrivateLinkPreview"); s != NotRegistered {
		t.Fatalf("initial state %s", s)
	}
	data := []byte(`{"state":"Registering","since":"` + time.Now().UTC().Format(time.RFC3339Nano) + `"}`)
	if _, err := st.Put(ctx, key("sub", "Microsoft.ContainerService", "AKSPrivateLinkPreview"), data, -1); err != nil {
		t.Fatal(err)
	}
	if s, _ := p.State(ctx, "sub", "Microsoft.ContainerService", "AKSPrivateLinkPreview"); s != Registering {
		t.Fatalf("right after: %s", s)
	}
	time.Sleep(350 * time.Millisecond)
	if s, _ := p.State(ctx, "SUB", "microsoft.containerservice", "aksprivatelinkpreview"); s != Registered {
		t.Fatalf("after the delay: %s", s)
	}
}

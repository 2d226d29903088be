package identity

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestLoadOrCreateDirectory(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "state", "directory.json")
	d, err := LoadOrCreateDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode = %v, want 0700", st.Mode().Perm())
	}
	subs, sps := d.Subscriptions(), d.Principals()
	if len(subs) != 1 || len(sps) != 1 {
		t.Fatalf("got %d subscriptions and %d principals, want 1 and 1", len(subs), len(sps))
	}
	for what, id := range map[string]string{"tenant": d.TenantID(), "subscription": subs[0].SubscriptionID,
		"client": sps[0].ClientID, "object": sps[0].ObjectID} {
		if _, err := uuid.Parse(id); err != nil {
			t.Errorf("%s id %q is not a uuid", what, id)
		}
	}
	if subs[0].DisplayName != "aksbox" || subs[0].State != "Enabled" || sps[0].DisplayName != "aksbox" {
		t.Errorf("unexpected names/state: %+v %+v", subs[0], sps[0])
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{32,}$`).MatchString(sps[0].Secret) {
		t.Errorf("secret %q is not >= 32 alphanumerics", sps[0].Secret)
	}

	again, err := LoadOrCreateDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.TenantID() != d.TenantID() || again.Principals()[0] != sps[0] || again.Subscriptions()[0] != subs[0] {
		t.Errorf("reloaded directory differs")
	}

	bad := []struct{ name, content, want string }{
		{"not json", "{", "parsing directory"},
		{"bad tenant", `{"tenantId":"nope"}`, "tenantId"},
		{"bad principal", `{"tenantId":"` + uuid.NewString() + `","servicePrincipals":[{"clientId":"x"}]}`, "clientId"},
		{"no secret", `{"tenantId":"` + uuid.NewString() + `","servicePrincipals":[{"clientId":"` +
			uuid.NewString() + `","objectId":"` + uuid.NewString() + `"}]}`, "no secret"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(root, strings.ReplaceAll(tc.name, " ", "_")+".json")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateDirectory(p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestVerifySecret(t *testing.T) {
	d, err := LoadOrCreateDirectory(filepath.Join(t.TempDir(), "d.json"))
	if err != nil {
		t.Fatal(err)
	}
	sp := d.Principals()[0]
	tests := []struct {
		name, clientID, secret string
		want                   error
	}{
		{"right secret", sp.ClientID, sp.Secret, nil},
		{"client id in upper case", strings.ToUpper(sp.ClientID), sp.Secret, nil},
		{"wrong secret", sp.ClientID, sp.Secret[:len(sp.Secret)-1] + "#", ErrInvalidSecret},
		{"secret prefix", sp.ClientID, sp.Secret[:10], ErrInvalidSecret},
		{"empty secret", sp.ClientID, "", ErrInvalidSecret},
		{"unknown client", uuid.NewString(), sp.Secret, ErrUnknownClient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := d.VerifySecret(tc.clientID, tc.secret)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && p.ObjectID != sp.ObjectID {
				t.Errorf("principal = %+v", p)
			}
		})
	}
	if _, ok := d.Principal(sp.ClientID); !ok {
		t.Errorf("Principal lookup failed")
	}
	if p, ok := d.PrincipalByObjectID(strings.ToUpper(sp.ObjectID)); !ok || p.ClientID != sp.ClientID {
		t.Errorf("PrincipalByObjectID lookup failed")
	}
}

func TestHasAccess(t *testing.T) {
	d, err := LoadOrCreateDirectory(filepath.Join(t.TempDir(), "d.json"))
	if err != nil {
		t.Fatal(err)
	}
	sp, sub := d.Principals()[0], d.Subscriptions()[0]
	tests := []struct {
		name, objectID, subscriptionID string
		want                           bool
	}{
		{"own principal and subscription", sp.ObjectID, sub.SubscriptionID, true},
		{"ids in upper case", strings.ToUpper(sp.ObjectID), strings.ToUpper(sub.SubscriptionID), true},
		{"client id is not an object id", sp.ClientID, sub.SubscriptionID, false},
		{"unknown subscription", sp.ObjectID, uuid.NewString(), false},
		{"unknown principal", uuid.NewString(), sub.SubscriptionID, false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.HasAccess(tc.objectID, tc.subscriptionID); got != tc.want {
				t.Errorf("HasAccess = %v, want %v", got, tc.want)
			}
		})
	}
}

package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct{ raw, typ, name, back string }{
		{"subscriptions/s1", "Microsoft.Resources/subscriptions", "s1", "/subscriptions/s1"},
		{"/subscriptions/s1/resourceGroups/g", "Microsoft.Resources/resourceGroups", "g", "/subscriptions/s1/resourceGroups/g"},
		{"subscriptions/s1/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/z.io/virtualNetworkLinks/l",
			"Microsoft.Network/privateDnsZones/virtualNetworkLinks", "l",
			"/subscriptions/s1/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/z.io/virtualNetworkLinks/l"},
	} {
		id, err := parseID(tc.raw)
		if err != nil || id.Type() != tc.typ || id.Name() != tc.name || id.String() != tc.back {
			t.Errorf("parseID(%q) = %q %q %q, %v", tc.raw, id.Type(), id.Name(), id.String(), err)
		}
	}
	for _, bad := range []string{"", "subscriptions", "tenants/x", "subscriptions/s/resourceGroups", "subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks",
		"subscriptions/s/resourceGroups/g/things/x", "subscriptions/s/resourceGroups/g/providers/NS/t//n"} {
		if _, err := parseID(bad); err == nil {
			t.Errorf("parseID(%q) accepted", bad)
		}
	}
}

func TestSafeNextStaysInThePortal(t *testing.T) {
	for in, want := range map[string]string{
		"/portal/r/subscriptions/s?view=links": "/portal/r/subscriptions/s?view=links",
		"https://evil.example/portal/":         "/portal/",
		"//evil.example/portal/":               "/portal/",
		"/portal/\\evil":                       "/portal/",
		"/adfs/oauth2/token":                   "/portal/",
		"":                                     "/portal/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignInLinksWorkOnceAndExpire(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	s := newSessions(time.Minute)
	s.now = func() time.Time { return now }
	code := s.newLink("app", "aksbox")
	if l, ok := s.useLink(code); !ok || l.clientID != "app" {
		t.Fatalf("first use: %v %v", l, ok)
	}
	if _, ok := s.useLink(code); ok {
		t.Fatal("a link worked twice")
	}
	late := s.newLink("app", "aksbox")
	now = now.Add(linkTTL + time.Second)
	if _, ok := s.useLink(late); ok {
		t.Fatal("an expired link worked")
	}
}

func TestSessionsEndWhenIdle(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	s := newSessions(time.Minute)
	s.now = func() time.Time { return now }
	ss := s.start("app", "aksbox")
	req := func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1/portal/", nil)
		r.AddCookie(&http.Cookie{Name: cookieName, Value: ss.id})
		return r
	}
	now = now.Add(50 * time.Second)
	if s.of(req()) != ss {
		t.Fatal("a live session was not found")
	}
	now = now.Add(50 * time.Second) // 50 s after the last request
	if s.of(req()) != ss {
		t.Fatal("a request did not keep the session alive")
	}
	now = now.Add(61 * time.Second)
	other := s.start("app", "aksbox") // starting one drops those idle too long
	if len(s.byID) != 1 || s.byID[other.id] != other {
		t.Fatalf("%d sessions kept after the others went idle", len(s.byID))
	}
	if s.of(req()) != nil {
		t.Fatal("an idle session lived on")
	}
}

func TestSameOrigin(t *testing.T) {
	for origin, want := range map[string]bool{"": true, "https://127.0.0.1:8443": true, "https://evil.example": false, "null": false} {
		r, _ := http.NewRequest(http.MethodPost, "https://127.0.0.1:8443/portal/r/x", nil)
		r.Host = "127.0.0.1:8443"
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if got := sameOrigin(r); got != want {
			t.Errorf("sameOrigin(Origin %q) = %v, want %v", origin, got, want)
		}
	}
}

func TestTemplatesParse(t *testing.T) {
	if _, err := parsePages(); err != nil {
		t.Fatal(err)
	}
}

// Every view of a left pane either needs nothing but the resource's
// document or has a filler that reads what it shows.
func TestEveryViewIsServed(t *testing.T) {
	documentOnly := map[string]bool{"overview": true, "properties": true, "json": true, "tags": true,
		"networking": true, "subnets": true, "dns": true, "dnsconfig": true, "addressspace": true, "nic": true}
	for typ, menu := range menus {
		for _, m := range menu {
			if documentOnly[m.Key] || (m.Key == "connect" && typ == "microsoft.containerservice/managedclusters") {
				continue
			}
			if views[typ+" "+m.Key] == nil {
				t.Errorf("%s: the view %q (%s) has no filler in views", typ, m.Key, m.Label)
			}
		}
	}
	for typ, hidden := range hiddenViews {
		for _, v := range hidden {
			if views[typ+" "+v] == nil {
				t.Errorf("%s: the view %q has no filler in views", typ, v)
			}
		}
	}
}

func TestSessionCookieFlags(t *testing.T) {
	w := httptest.NewRecorder()
	setCookie(w, "id", 0)
	c := w.Result().Cookies()
	if len(c) != 1 || !c[0].HttpOnly || !c[0].Secure || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/portal/" {
		t.Fatalf("session cookie %+v", c)
	}
}

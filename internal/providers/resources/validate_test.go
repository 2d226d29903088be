package resources

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aksbox/aksbox/internal/arm"
)

func TestGroupNames(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
		msg  string
	}{
		{"rg", true, ""},
		{"My_RG-1.(a)", true, ""},
		{"grüppe", true, ""},
		{strings.Repeat("a", 90), true, ""},
		{strings.Repeat("a", 91), false, "1 to 90"},
		{"", false, "1 to 90"},
		{"a b", false, "' '"},
		{"a/b#", false, "'/#'"},
		{"ends.", false, "period"},
	} {
		err := validGroupName(c.name)
		if (err == nil) != c.ok {
			t.Errorf("%q: err %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if err != nil && (arm.AsError(err).Code != "InvalidResourceGroup" || !strings.Contains(err.Error(), c.msg)) {
			t.Errorf("%q: %v, want InvalidResourceGroup mentioning %q", c.name, err, c.msg)
		}
	}
}

func TestGroupInput(t *testing.T) {
	loc := func(s string) *string { return &s }
	if l, err := validateGroupInput(&groupInput{Location: loc("West Europe")}); err != nil || l != "westeurope" {
		t.Errorf("West Europe: %q %v", l, err)
	}
	_, err := validateGroupInput(&groupInput{})
	if arm.AsError(err).Code != "LocationRequired" {
		t.Errorf("no location: %v", err)
	}
	tags := map[string]string{"a/b": "x", "ok": strings.Repeat("v", 257)}
	_, err = validateGroupInput(&groupInput{Location: loc("mars"), Tags: &tags})
	ae := arm.AsError(err)
	if ae.Code != "InvalidRequestContent" || len(ae.Details) != 3 {
		t.Errorf("three problems at once: %v (details %d)", err, len(ae.Details))
	}
}

func TestTagFilter(t *testing.T) {
	f, err := parseTagFilter("tagName eq 'env' and tagValue eq 'prod'")
	if err != nil {
		t.Fatal(err)
	}
	body := func(tags map[string]string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"tags": tags})
		return b
	}
	if !f(body(map[string]string{"env": "prod"})) || f(body(map[string]string{"env": "dev"})) || f(body(nil)) {
		t.Error("tag filter matched wrongly")
	}
	if _, err := parseTagFilter("location eq 'x'"); err == nil {
		t.Error("unsupported filter accepted")
	}
}

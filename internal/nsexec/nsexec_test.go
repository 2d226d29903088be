package nsexec

import (
	"slices"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantNS    string
		wantArgv  []string
		wantError bool
	}{
		{"plain", []string{"--netns", "vm1", "--", "ip", "-br", "addr"}, "vm1", []string{"ip", "-br", "addr"}, false},
		{"equals", []string{"--netns=vm1", "--", "sh"}, "vm1", []string{"sh"}, false},
		{"flags of the command stay", []string{"--netns", "vm1", "--", "ls", "--netns", "--"}, "vm1", []string{"ls", "--netns", "--"}, false},
		{"no command", []string{"--netns", "vm1", "--"}, "", nil, true},
		{"no separator", []string{"--netns", "vm1", "sh"}, "", nil, true},
		{"no namespace", []string{"--", "sh"}, "", nil, true},
		{"dangling flag", []string{"--netns"}, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, argv, err := parseArgs(tt.args)
			if (err != nil) != tt.wantError {
				t.Fatalf("parseArgs(%q) error = %v, want error %v", tt.args, err, tt.wantError)
			}
			if ns != tt.wantNS || !slices.Equal(argv, tt.wantArgv) {
				t.Errorf("parseArgs(%q) = %q, %q; want %q, %q", tt.args, ns, argv, tt.wantNS, tt.wantArgv)
			}
		})
	}
}

func TestCommandArgs(t *testing.T) {
	cmd := Command("/usr/bin/aksbox", "vm1", "/bin/sh", "-c", "echo hi")
	want := []string{"/usr/bin/aksbox", "__nsexec", "--netns", "vm1", "--", "/bin/sh", "-c", "echo hi"}
	if !slices.Equal(cmd.Args, want) {
		t.Errorf("Args = %q, want %q", cmd.Args, want)
	}
	// What Command builds, Run parses back.
	ns, argv, err := parseArgs(cmd.Args[2:])
	if err != nil || ns != "vm1" || !slices.Equal(argv, want[5:]) {
		t.Errorf("round trip = %q, %q, %v", ns, argv, err)
	}
}

func TestValidName(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", "../x", "a\x00b"} {
		if validName(name) == nil {
			t.Errorf("validName(%q) = nil, want an error", name)
		}
	}
	for _, name := range []string{"vm1", "tujknj-vm-abc", "a.b"} {
		if err := validName(name); err != nil {
			t.Errorf("validName(%q) = %v", name, err)
		}
	}
}

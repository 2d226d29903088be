package sshgw

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aksbox/aksbox/internal/sandbox"
	"github.com/aksbox/aksbox/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// The test binary links package sandbox, whose C half boots and enters
// the fixture's VM when the binary is run as __vminit or __vmenter.

// fixture is a VM namespace served by a gateway on a free loopback address,
// with the VM's key and a key that is not the VM's.
type fixture struct {
	g        *Gateway
	addr     netip.AddrPort
	ns       string
	resolv   string // the VM's resolv.conf
	vms      *sandbox.Manager
	id       string // the VM's ID for the sandbox manager
	key      string // private key file of the VM's key
	otherKey string // private key file of another key
	signer   ssh.Signer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.Root(t)
	for _, bin := range []string{"ip", "ssh", "ssh-keygen"} {
		testenv.Tool(t, bin, "install iproute2 and openssh-client")
	}
	f := &fixture{}
	f.ns, f.resolv = makeVMNamespace(t)
	dir := t.TempDir()
	f.key = keygen(t, dir, "id_vm")
	f.otherKey = keygen(t, dir, "id_other")
	f.signer = readSigner(t, f.key)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f.vms, f.id = sandbox.New(filepath.Join(dir, "vms"), self, testLogger(t)), "vm1"
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(f.signer.PublicKey())))
	if err := f.vms.Boot(context.Background(), sandbox.Spec{ID: f.id, Netns: f.ns, Hostname: "vm1", User: "azureuser", Keys: []string{pub}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.vms.Remove(f.id) }) // after the gateway, before the namespace
	f.g, err = New(filepath.Join(dir, "ssh_host_ed25519_key"), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.g.Close() }) // before the namespace goes
	f.addr = freeLoopback(t)
	if err := f.g.Set(f.addr, f.vm()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) vm() *VM {
	return &VM{Name: "vm1", User: "azureuser", Keys: []ssh.PublicKey{f.signer.PublicKey()}, Enter: f.enter("azureuser"), Root: f.root}
}

func (f *fixture) root() (string, error) { return f.vms.Root(f.id) }

// enter runs commands in the fixture's VM as user.
func (f *fixture) enter(user string) func([]string) (*exec.Cmd, error) {
	return func(argv []string) (*exec.Cmd, error) { return f.vms.Command(f.id, user, argv...) }
}

// makeVMNamespace makes a namespace as the fabric makes a VM's: named
// under /var/run/netns, with interfaces (a veth pair inside it, down:
// nothing is sent) and its own resolv.conf. All go when the test ends.
func makeVMNamespace(t *testing.T) (name, resolvConf string) {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name = "sshgw-" + hex.EncodeToString(b)
	run(t, "ip", "netns", "add", name)
	etc := filepath.Join("/etc/netns", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
		os.RemoveAll(etc)
	})
	run(t, "ip", "-n", name, "link", "add", "vmnic0", "type", "veth", "peer", "name", "vmnic1")
	resolvConf = "# VNet DNS of " + name + "\nnameserver 168.63.129.16\n"
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte(resolvConf), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, resolvConf
}

// nsPids lists the processes in the namespace but the VM's init.
func nsPids(t *testing.T, ns string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", ns, err)
	}
	var pids []string
	for _, p := range strings.Fields(string(out)) {
		if b, _ := os.ReadFile("/proc/" + p + "/cmdline"); !strings.Contains(string(b), "__vminit") {
			pids = append(pids, p)
		}
	}
	return pids
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// freeLoopback picks a random address of the 127.224.0.0/16 pool and a port
// free on it. Only the host's loopback is ever used.
func freeLoopback(t *testing.T) netip.AddrPort {
	t.Helper()
	n, _ := rand.Int(rand.Reader, big.NewInt(254*254))
	i := int(n.Int64())
	a := netip.AddrFrom4([4]byte{127, 224, byte(1 + i/254), byte(1 + i%254)})
	ln, err := net.Listen("tcp", netip.AddrPortFrom(a, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String())
}

func keygen(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path)
	return path
}

func readSigner(t *testing.T, path string) ssh.Signer {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// sshResult is what the real OpenSSH client did.
type sshResult struct {
	stdout, stderr string
	code           int
}

// sshCommand builds a real OpenSSH client command for user@addr with key,
// ignoring the user's config, agent and known hosts; opts are more client
// options, remote the command ("" for a shell).
func (f *fixture) sshCommand(ctx context.Context, user, key string, opts []string, remote string) *exec.Cmd {
	args := []string{
		"-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes",
		"-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10",
		"-i", key,
		"-p", strconv.Itoa(int(f.addr.Port())),
		"-l", user,
	}
	args = append(append(args, opts...), f.addr.Addr().String())
	if remote != "" {
		args = append(args, remote)
	}
	cmd := exec.CommandContext(ctx, "ssh", args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SSH_AUTH_SOCK=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// ssh runs the real client to its end.
func (f *fixture) ssh(t *testing.T, user, key, stdin string, opts []string, remote string) sshResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := f.sshCommand(ctx, user, key, opts, remote)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := sshResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ssh: %v", err)
	}
	return res
}

// dial connects the Go client as the VM's user with the VM's key.
func (f *fixture) dial(t *testing.T) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", f.addr.String(), &ssh.ClientConfig{
		User:            "azureuser",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(f.signer)},
		HostKeyCallback: ssh.FixedHostKey(f.g.PublicKey()),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// refused tells whether nothing listens on addr any more.
func refused(addr netip.AddrPort) bool {
	c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return true
}

// children lists the live child processes of this test process.
func children(t *testing.T) []string {
	t.Helper()
	self := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []string
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		s := string(b)
		fs := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fs) > 1 && fs[1] == self {
			kids = append(kids, strings.TrimSuffix(strings.TrimPrefix(p, "/proc/"), "/stat")+":"+fs[0])
		}
	}
	return kids
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

func sshCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "ssh", Short: "SSH into resources (VMs) with the OpenSSH client"}
	g.AddCommand(sshVMCmd(a))
	return g
}

// sshArgs is the OpenSSH command line for user@ip, then the extra words.
func sshArgs(user, ip, keyFile string, port int, extra []string) []string {
	var args []string
	if keyFile != "" {
		args = append(args, "-i", keyFile)
	}
	if port != 0 && port != 22 {
		args = append(args, "-p", fmt.Sprint(port))
	}
	return append(append(args, user+"@"+ip), extra...)
}

func sshVMCmd(a *App) *cobra.Command {
	var rg, name, ip, user, keyFile string
	var port int
	cmd := &cobra.Command{
		Use:   "vm [-- SSH_ARGS...]",
		Short: "SSH into a VM through its public IP with the real ssh client",
		Long: "Runs 'ssh USER@PUBLIC_IP' with your default keys (or --private-key-file), stdin and stdout attached.\n" +
			"USER is --local-user, by default the VM's admin user; words after '--' go to ssh.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if ip == "" || user == "" { // the VM is needed for its address or its user
				if err := requireFlags(cmd, "resource-group", "name"); err != nil {
					if ip != "" {
						return usagef("give --local-user with --ip, or -g and -n to log in as the VM's admin user")
					}
					return err
				}
			}
			ssh, err := exec.LookPath("ssh")
			if err != nil {
				return errors.New("the OpenSSH client 'ssh' was not found on PATH; install openssh-client")
			}
			if ip == "" || user == "" {
				vip, admin, err := a.vmAddress(cmd.Context(), rg, name)
				if err != nil {
					return err
				}
				if ip == "" {
					ip = vip
				}
				if user == "" {
					user = admin
				}
			}
			if keyFile == "" {
				keyFile = defaultPrivateKey()
			}
			var opts []string
			if kh := a.Dir().KnownHostsFile(); fileExists(kh) {
				// The gateway's host key for the instance's public IPs.
				opts = append(opts, "-o", "UserKnownHostsFile="+kh)
			}
			c := exec.Command(ssh, append(opts, sshArgs(user, ip, keyFile, port, dashArgs(cmd, args))...)...)
			c.Stdin, c.Stdout, c.Stderr = a.Stdin, a.Stdout, a.Stderr
			var ee *exec.ExitError
			if err := c.Run(); errors.As(err, &ee) {
				return exitCode(ee.ExitCode())
			} else if err != nil {
				return fmt.Errorf("running ssh: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	vmNameFlags(cmd, &rg, &name)
	f.StringVar(&ip, "ip", "", "the IP address to connect to, instead of the VM's public IP")
	f.StringVar(&user, "local-user", "", "the user to log in as; default: the VM's admin user")
	f.StringVarP(&keyFile, "private-key-file", "i", "", "the private key to use; default: ssh's own (~/.ssh/id_rsa, ...)")
	f.IntVar(&port, "port", 22, "SSH port")
	azArgs(cmd, true)
	return cmd
}

// vmAddress finds a VM's first public IP address and its admin user.
func (a *App) vmAddress(ctx context.Context, rg, name string) (ip, user string, err error) {
	c, err := a.clients()
	if err != nil {
		return "", "", err
	}
	vm, err := c.comp.NewVirtualMachinesClient().Get(ctx, rg, name, nil)
	if err != nil {
		return "", "", err
	}
	if p := vm.Properties; p != nil && p.OSProfile != nil {
		user = deref(p.OSProfile.AdminUsername)
	}
	d, err := c.details(ctx, &vm.VirtualMachine)
	if err != nil {
		return "", "", err
	}
	ip, _, _ = strings.Cut(d.PublicIPs, ",")
	if ip == "" {
		return "", "", fmt.Errorf("VM '%s' does not have a public IP address to SSH to; give it one ('aksbox network public-ip create', then attach it to its NIC) or use --ip", name)
	}
	return ip, user, nil
}

// defaultPrivateKey is $HOME/.ssh/id_rsa when it exists: the key
// 'vm create --generate-ssh-keys' writes. ssh itself looks in the home of
// the passwd entry, which differs from $HOME when HOME is set elsewhere.
func defaultPrivateKey() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	p := filepath.Join(home, ".ssh", "id_rsa")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aksbox/aksbox/internal/instance"
	"github.com/spf13/cobra"
)

// Server runs the cloud in this process, for 'aksbox serve'. The cloud is
// linked by the main package, not by this one: every other command talks
// to it over HTTPS only.
type Server func(ctx context.Context, o ServeOptions) error

// ServeOptions are the settings of 'aksbox serve'.
type ServeOptions struct {
	Dir                       instance.Dir
	Listen                    string
	Logger                    *slog.Logger
	PageSize                  int
	FeatureRegistrationDelay  time.Duration
	ProviderRegistrationDelay time.Duration
	AKSRegions                []string // empty: the regions the private-cluster document lists
	AKSPreviewGate            bool
	PortalSessionIdle         time.Duration
	IdleSleep                 time.Duration // 0: clusters never sleep
	WarmControlPlanes         int
}

type serveFlags struct {
	listen        string
	featureDelay  time.Duration
	providerDelay time.Duration
	pageSize      int
	aksRegions    []string
	previewGate   bool
	portalIdle    time.Duration
	idleSleep     time.Duration
	warm          int
}

func (s *serveFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.listen, "listen", instance.DefaultListen, "address of the HTTPS ARM endpoint (loopback)")
	f.DurationVar(&s.featureDelay, "feature-registration-delay", 3*time.Second, "how long a feature stays Registering")
	f.DurationVar(&s.providerDelay, "provider-registration-delay", time.Second, "how long a resource provider stays Registering")
	f.IntVar(&s.pageSize, "page-size", 100, "items per page of list answers before a nextLink")
	f.StringSliceVar(&s.aksRegions, "aks-regions", nil, "regions where managed clusters can be created (default: those the private-cluster document lists)")
	f.BoolVar(&s.previewGate, "aks-preview-gate", true, "require the AKSPrivateLinkPreview feature for private clusters, as the preview did")
	f.DurationVar(&s.portalIdle, "portal-session-idle", time.Hour, "how long a portal session lasts without a request")
	f.IntVar(&s.warm, "warm-control-planes", 1, "how many control planes to keep started for clusters to come: a new cluster whose service CIDR is the default adopts one and is reachable sooner (0: none)")
	f.DurationVar(&s.idleSleep, "idle-sleep", 0, "stop the control plane and node agents of a cluster nobody sent a request for this long; the first connection to its API server wakes it (0: never)")
}

func (s *serveFlags) args() []string {
	args := []string{"--listen", s.listen, "--feature-registration-delay", s.featureDelay.String(),
		"--provider-registration-delay", s.providerDelay.String(), "--page-size", strconv.Itoa(s.pageSize),
		"--aks-preview-gate=" + strconv.FormatBool(s.previewGate), "--portal-session-idle", s.portalIdle.String(),
		"--warm-control-planes", strconv.Itoa(s.warm)}
	if len(s.aksRegions) > 0 {
		args = append(args, "--aks-regions", strings.Join(s.aksRegions, ","))
	}
	if s.idleSleep > 0 {
		args = append(args, "--idle-sleep", s.idleSleep.String())
	}
	return args
}

func serveCmd(a *App) *cobra.Command {
	var s serveFlags
	cmd := &cobra.Command{
		Use: "serve", Short: "Run the aksbox cloud in the foreground", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: logLevel(a)}))
			dir := a.Dir()
			if srv, err := dir.ReadServer(); err == nil && srv.PID != os.Getpid() {
				return fmt.Errorf("an aksbox server (pid %d) already serves state dir %s at %s; stop it with 'aksbox down' or pick another --state-dir", srv.PID, dir, srv.Endpoint)
			}
			if a.Serve == nil {
				return errors.New("this aksbox binary was built without the cloud: build ./cmd/aksbox to serve")
			}
			err := a.Serve(cmd.Context(), ServeOptions{
				Dir: dir, Listen: s.listen, Logger: log, PageSize: s.pageSize,
				FeatureRegistrationDelay: s.featureDelay, ProviderRegistrationDelay: s.providerDelay,
				AKSRegions: s.aksRegions, AKSPreviewGate: s.previewGate, PortalSessionIdle: s.portalIdle,
				IdleSleep: s.idleSleep, WarmControlPlanes: s.warm,
			})
			if errors.Is(err, context.Canceled) && cmd.Context().Err() != nil {
				return nil // told to stop while starting
			}
			return err
		},
	}
	s.add(cmd)
	return cmd
}

func logLevel(a *App) slog.Level {
	switch {
	case a.Debug:
		return slog.LevelDebug
	case a.OnlyErrors:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func upCmd(a *App) *cobra.Command {
	var s serveFlags
	var timeout time.Duration
	cmd := &cobra.Command{
		Use: "up", Short: "Start the aksbox cloud in the background", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.Dir()
			if srv, err := dir.ReadServer(); err == nil {
				fmt.Fprintf(a.Stdout, "aksbox is already running (pid %d) at %s\n", srv.PID, srv.Endpoint)
				return nil
			}
			srv, err := startBackground(cmd.Context(), dir, s.args(), timeout)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "aksbox is running (pid %d) at %s\nstate: %s\nlog:   %s\n", srv.PID, srv.Endpoint, dir, dir.LogFile())
			return nil
		},
	}
	s.add(cmd)
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for the server to be ready")
	return cmd
}

func downCmd(a *App) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use: "down", Short: "Stop the background aksbox cloud and wait for a clean stop", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.Dir()
			pid := runningPID(dir)
			if pid == 0 {
				fmt.Fprintf(a.Stdout, "aksbox is not running (state dir %s)\n", dir)
				return nil
			}
			if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
				return fmt.Errorf("stopping pid %d: %w", pid, err)
			}
			deadline := time.Now().Add(timeout)
			for instance.Alive(pid) {
				if time.Now().After(deadline) {
					return fmt.Errorf("aksbox (pid %d) did not stop within %s; see %s", pid, timeout, dir.LogFile())
				}
				time.Sleep(50 * time.Millisecond)
			}
			_ = os.Remove(dir.PIDFile())
			fmt.Fprintf(a.Stdout, "aksbox stopped (pid %d)\n", pid)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait for the server to stop")
	return cmd
}

// runningPID is the pid of the instance's server: from its server file, or
// from the pid file of 'aksbox up' while a server that has not published
// itself yet holds the state dir's lock; 0 when none runs.
func runningPID(dir instance.Dir) int {
	if srv, err := dir.ReadServer(); err == nil {
		return srv.PID
	}
	if held, err := dir.Locked(); err != nil || !held {
		return 0
	}
	data, err := os.ReadFile(dir.PIDFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if instance.Alive(pid) && isAksboxServe(pid) {
		return pid
	}
	return 0
}

// isAksboxServe checks that pid is an 'aksbox serve' process (not a pid
// reused by something else).
func isAksboxServe(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(data), "serve")
}

func statusCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use: "status", Short: "Show whether the aksbox cloud is running", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.Dir()
			srv, err := dir.ReadServer()
			if errors.Is(err, instance.ErrNotRunning) {
				if a.Output == "json" || a.Output == "" {
					fmt.Fprintf(a.Stdout, "aksbox is not running (state dir %s)\n", dir)
				} else {
					_ = a.Print(map[string]any{"running": false, "stateDir": string(dir)}, nil)
				}
				return errNotRunningExit
			}
			if err != nil {
				return err
			}
			return a.Print(map[string]any{"running": true, "endpoint": srv.Endpoint, "pid": srv.PID,
				"started": srv.Started.Format(time.RFC3339), "stateDir": string(dir), "log": dir.LogFile()}, nil)
		},
	}
}

// errNotRunningExit makes 'status' exit 3 without printing an error.
var errNotRunningExit = exitCode(3)

type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

package kube

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/aksbox/aksbox/internal/kube/config"
	_ "github.com/aksbox/aksbox/internal/kube/quietqueues" // before k8s.io/component-base's metrics
)

// Subcommand is the hidden command of the aksbox binary that calls Main.
const Subcommand = config.Subcommand

// Main runs `aksbox __controlplane --config FILE`: the control plane the
// JSON file describes (see package config), until SIGTERM or SIGINT. It logs
// to stderr and returns the process exit code.
func Main(args []string) int {
	return run(args, os.Stderr)
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet(Subcommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "control plane configuration (JSON)")
	listenerFD := fs.Int(config.ListenerFDFlag, 0, "serve on this inherited listening socket instead of binding the address")
	adoptFD := fs.Int(config.AdoptFDFlag, 0, "a warm control plane: the unix socket that hands it its cluster's listening socket")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *configPath == "" || fs.NArg() != 0 {
		fmt.Fprintf(stderr, "usage: %s --config FILE [--%s N | --%s N]\n", Subcommand, config.ListenerFDFlag, config.AdoptFDFlag)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := config.Load(*configPath)
	if err != nil {
		log.Error("loading config", "err", err)
		return 1
	}
	var ln net.Listener
	if *listenerFD > 0 {
		f := os.NewFile(uintptr(*listenerFD), "listener")
		ln, err = net.FileListener(f)
		f.Close() // FileListener holds a copy
		if err != nil {
			log.Error("inherited listener", "fd", *listenerFD, "err", err)
			return 1
		}
	}
	tuneMemory()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var adoption chan Config
	if *adoptFD > 0 {
		if ln != nil {
			log.Error("--" + config.ListenerFDFlag + " and --" + config.AdoptFDFlag + " exclude each other")
			return 2
		}
		adoption = make(chan Config, 1)
		if ln, err = warmListener(ctx, *configPath, cfg, *adoptFD, adoption, log); err != nil {
			log.Error("warm control plane", "err", err)
			return 1
		}
	}
	if err := runControlPlane(ctx, cfg, ln, log, func() { afterStart(ctx, log) }, adoption); err != nil {
		log.Error("control plane failed", "err", err)
		return 1
	}
	log.Info("control plane stopped")
	return 0
}

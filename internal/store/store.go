// Package store is aksbox's resource store: an embedded etcd server under
// the state directory, reached over a unix socket, with a small API of
// revision-checked reads and writes. The etcd revision of a key serves as
// the resource's ETag, so two writers that both read revision N cannot both
// write over it.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Errors returned by the store. Callers map them to ARM codes.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrConflict = errors.New("revision conflict")
)

// Object is one stored value with its revisions.
type Object struct {
	Key            string
	Value          []byte
	Revision       int64 // etcd ModRevision: changes on every write
	CreateRevision int64
}

// Store is an open embedded etcd and a client connected to it.
type Store struct {
	etcd   *embed.Etcd
	client *clientv3.Client
	socket string
	log    *slog.Logger
	dir    string // etcd's data
	quota  int64  // etcd's own limit of its database
	space  *space // keeps a reserve of free disk
}

// Open starts (or restarts) the embedded etcd whose data lives in dir and
// whose client socket is dir/etcd.sock.
func Open(ctx context.Context, dir string, log *slog.Logger) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating store dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving store dir: %w", err)
	}
	sock := filepath.Join(abs, "etcd.sock")
	_ = os.Remove(sock) // a socket left by a killed server

	cfg := embed.NewConfig()
	cfg.Name = "aksbox"
	cfg.Dir = filepath.Join(abs, "data")
	cfg.ListenClientUrls = []url.URL{{Scheme: "unix", Path: sock}}
	// Only stored in the member list of this single-member cluster; no one dials it.
	cfg.AdvertiseClientUrls = []url.URL{{Scheme: "http", Host: "localhost:2379"}}
	cfg.ListenPeerUrls = nil // a single member never dials a peer
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ListenClientHttpUrls = nil
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.AutoCompactionMode = "revision"
	cfg.AutoCompactionRetention = "10000"
	cfg.QuotaBackendBytes = 8 << 30
	cfg.SnapshotCount = 10000

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, errors.New("starting etcd: not ready after 60s")
	case <-ctx.Done():
		e.Close()
		return nil, fmt.Errorf("starting etcd: %w", ctx.Err())
	}
	cli, err := Dial(sock)
	if err != nil {
		e.Close()
		return nil, err
	}
	s := &Store{etcd: e, client: cli, socket: sock, log: log, dir: cfg.Dir, quota: cfg.QuotaBackendBytes}
	s.watchSpace(cfg.Dir)
	return s, nil
}

// Dial connects an etcd client to the store's unix socket.
func Dial(socket string) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{"unix://" + socket},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to etcd at %s: %w", socket, err)
	}
	return cli, nil
}

// Socket is the path of the etcd client socket (for control planes).
func (s *Store) Socket() string { return s.socket }

// Client is the raw etcd client, for components that keep their own keys
// (Kubernetes control planes use a prefix of their own).
func (s *Store) Client() *clientv3.Client { return s.client }

// Close stops the client and the server, flushing everything to disk.
func (s *Store) Close() error {
	s.space.close()
	err := s.client.Close()
	s.etcd.Close()
	<-s.etcd.Server.StopNotify()
	return err
}

package kube

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
	_ "unsafe" // for go:linkname

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/kubernetes"
	"google.golang.org/grpc"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	_ "k8s.io/apiserver/pkg/storage/storagebackend/factory" // defines newETCD3Client
)

// The API server dials etcd once per resource type: some fifty gRPC
// connections per cluster, each with its buffers and goroutines, on both
// ends (the other end being aksbox's etcd, shared by every cluster). Here
// every resource type gets its own etcd client as before — its own watch
// and lease streams, its own Close — but all of them run over one
// connection per etcd endpoint list.
//
// The hook is the factory's package variable newETCD3Client, which the
// upstream tests replace the same way; it is replaced once per process and
// the shared connections are closed when a control plane stops.

//go:linkname newETCD3Client k8s.io/apiserver/pkg/storage/storagebackend/factory.newETCD3Client
var newETCD3Client func(storagebackend.TransportConfig) (*kubernetes.Client, error)

var (
	sharedEtcdOnce sync.Once
	sharedEtcd     = &etcdConns{conns: map[string]*clientv3.Client{}}
)

// shareEtcdConnections installs the shared connections (once per process).
func shareEtcdConnections() {
	sharedEtcdOnce.Do(func() {
		sharedEtcd.dial = newETCD3Client
		newETCD3Client = sharedEtcd.client
	})
}

// etcdConns are the shared etcd connections, by transport.
type etcdConns struct {
	dial func(storagebackend.TransportConfig) (*kubernetes.Client, error) // upstream

	mu    sync.Mutex
	conns map[string]*clientv3.Client
}

// etcdCallOptions are the per-call defaults clientv3 gives its own clients.
var etcdCallOptions = []grpc.CallOption{
	grpc.WaitForReady(true),
	grpc.MaxCallSendMsgSize(2 << 20),
	grpc.MaxCallRecvMsgSize(math.MaxInt32),
}

// leaseKeepAliveTimeout is what clientv3 derives from the API server's
// dial timeout (20s) for its lease client.
const leaseKeepAliveTimeout = 21 * time.Second

// client returns a client of its own running over the shared connection
// for c. Closing it leaves the connection open.
func (s *etcdConns) client(c storagebackend.TransportConfig) (*kubernetes.Client, error) {
	base, err := s.base(c)
	if err != nil {
		return nil, err
	}
	conn := base.ActiveConnection()
	v := clientv3.NewCtxClient(base.Ctx(), clientv3.WithZapLogger(base.GetLogger()))
	v.KV = clientv3.NewKVFromKVClient(kvClient{pb.NewKVClient(conn)}, v)
	v.Watcher = clientv3.NewWatchFromWatchClient(watchClient{pb.NewWatchClient(conn)}, v)
	v.Lease = clientv3.NewLeaseFromLeaseClient(leaseClient{pb.NewLeaseClient(conn)}, v, leaseKeepAliveTimeout)
	v.Cluster = clientv3.NewClusterFromClusterClient(pb.NewClusterClient(conn), v)
	v.Maintenance = clientv3.NewMaintenanceFromMaintenanceClient(maintenanceClient{pb.NewMaintenanceClient(conn)}, v)
	v.Auth = clientv3.NewAuthFromAuthClient(pb.NewAuthClient(conn), v)
	kc := &kubernetes.Client{Client: v}
	kc.Kubernetes = kc
	return kc, nil
}

func (s *etcdConns) base(c storagebackend.TransportConfig) (*clientv3.Client, error) {
	key := fmt.Sprintf("%q %q %q %q", c.ServerList, c.KeyFile, c.CertFile, c.TrustedCAFile)
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.conns[key]; b != nil && b.Ctx().Err() == nil {
		return b, nil
	}
	kc, err := s.dial(c)
	if err != nil {
		return nil, err
	}
	s.conns[key] = kc.Client
	return kc.Client, nil
}

// closeAll closes the shared connections (the clients on them end too).
func (s *etcdConns) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, c := range s.conns {
		_ = c.Close()
		delete(s.conns, k)
	}
}

// The API server's calls get clientv3's per-call defaults (a client made
// by clientv3.New adds them itself): above all no 4 MiB limit on responses,
// which large lists and watch events exceed.

func withDefaults(opts []grpc.CallOption) []grpc.CallOption {
	all := make([]grpc.CallOption, 0, len(etcdCallOptions)+len(opts))
	return append(append(all, etcdCallOptions...), opts...)
}

type kvClient struct{ pb.KVClient }

func (c kvClient) Range(ctx context.Context, in *pb.RangeRequest, opts ...grpc.CallOption) (*pb.RangeResponse, error) {
	return c.KVClient.Range(ctx, in, withDefaults(opts)...)
}

func (c kvClient) Put(ctx context.Context, in *pb.PutRequest, opts ...grpc.CallOption) (*pb.PutResponse, error) {
	return c.KVClient.Put(ctx, in, withDefaults(opts)...)
}

func (c kvClient) DeleteRange(ctx context.Context, in *pb.DeleteRangeRequest, opts ...grpc.CallOption) (*pb.DeleteRangeResponse, error) {
	return c.KVClient.DeleteRange(ctx, in, withDefaults(opts)...)
}

func (c kvClient) Txn(ctx context.Context, in *pb.TxnRequest, opts ...grpc.CallOption) (*pb.TxnResponse, error) {
	return c.KVClient.Txn(ctx, in, withDefaults(opts)...)
}

func (c kvClient) Compact(ctx context.Context, in *pb.CompactionRequest, opts ...grpc.CallOption) (*pb.CompactionResponse, error) {
	return c.KVClient.Compact(ctx, in, withDefaults(opts)...)
}

type watchClient struct{ pb.WatchClient }

func (c watchClient) Watch(ctx context.Context, opts ...grpc.CallOption) (pb.Watch_WatchClient, error) {
	return c.WatchClient.Watch(ctx, withDefaults(opts)...)
}

type leaseClient struct{ pb.LeaseClient }

func (c leaseClient) LeaseGrant(ctx context.Context, in *pb.LeaseGrantRequest, opts ...grpc.CallOption) (*pb.LeaseGrantResponse, error) {
	return c.LeaseClient.LeaseGrant(ctx, in, withDefaults(opts)...)
}

func (c leaseClient) LeaseRevoke(ctx context.Context, in *pb.LeaseRevokeRequest, opts ...grpc.CallOption) (*pb.LeaseRevokeResponse, error) {
	return c.LeaseClient.LeaseRevoke(ctx, in, withDefaults(opts)...)
}

func (c leaseClient) LeaseTimeToLive(ctx context.Context, in *pb.LeaseTimeToLiveRequest, opts ...grpc.CallOption) (*pb.LeaseTimeToLiveResponse, error) {
	return c.LeaseClient.LeaseTimeToLive(ctx, in, withDefaults(opts)...)
}

type maintenanceClient struct{ pb.MaintenanceClient }

func (c maintenanceClient) Status(ctx context.Context, in *pb.StatusRequest, opts ...grpc.CallOption) (*pb.StatusResponse, error) {
	return c.MaintenanceClient.Status(ctx, in, withDefaults(opts)...)
}
